// ActiveContext: the trace context of the call the current thread is working on, for code that
// the call passes through without a parameter for it — the peer client's Forward (called inside
// Router::Route, on the door's thread) and the log formatter (trace_id on log lines).
//
// A door sets it with a ScopedActiveContext around its synchronous hand-off; nothing reads it
// after the scope ends, so callbacks on other threads see their own (usually none).
//
// Thread safety: per thread by construction.
#pragma once

#include "trace/trace_context.h"

namespace sluice::trace {

// The innermost active context on this thread, or null.
const TraceContext* ActiveContext();

class ScopedActiveContext {
 public:
  // `context` must outlive the scope; an invalid context leaves the thread's context unchanged.
  explicit ScopedActiveContext(const TraceContext& context);
  ~ScopedActiveContext();
  ScopedActiveContext(const ScopedActiveContext&) = delete;
  ScopedActiveContext& operator=(const ScopedActiveContext&) = delete;

 private:
  const TraceContext* previous_;
};

}  // namespace sluice::trace
