#include "trace/active_context.h"

namespace sluice::trace {
namespace {
thread_local const TraceContext* active = nullptr;
}  // namespace

const TraceContext* ActiveContext() { return active; }

ScopedActiveContext::ScopedActiveContext(const TraceContext& context) : previous_(active) {
  if (context.valid()) active = &context;
}

ScopedActiveContext::~ScopedActiveContext() { active = previous_; }

}  // namespace sluice::trace
