#include "trace/active_context.h"

#include <algorithm>
#include <string>

namespace sluice::trace {
namespace {
thread_local const TraceContext* active = nullptr;
}  // namespace

const TraceContext* ActiveContext() { return active; }

bool ActiveTraceIdHex(char* out) {
  if (active == nullptr) return false;
  const std::string hex = ToHex(active->trace_id);
  std::copy(hex.begin(), hex.end(), out);
  return true;
}

ScopedActiveContext::ScopedActiveContext(const TraceContext& context)
    : context_(context), previous_(active) {
  if (context_.valid()) active = &context_;
}

ScopedActiveContext::~ScopedActiveContext() { active = previous_; }

}  // namespace sluice::trace
