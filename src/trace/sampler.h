// Sampler: whether a new span is recorded and exported, decided once per trace at its root and
// inherited by its children — the OpenTelemetry SDK samplers that OTEL_TRACES_SAMPLER names:
//
//   always_on, always_off, traceidratio            — ignore the caller's context
//   parentbased_always_on, parentbased_always_off,
//   parentbased_traceidratio                       — follow the caller's sampled flag when there
//                                                    is a caller; the named rule for a new trace
//
// traceidratio keeps a trace when the last 8 bytes of its id, as a big-endian number shifted right
// by one, are below ratio * 2^63 — the SDKs' rule, so every node (and every SDK) keeps the same
// traces at the same ratio.
//
// Thread safety: immutable after construction; ShouldSample may be called from any thread.
#pragma once

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "trace/trace_context.h"

namespace sluice::trace {

class Sampler {
 public:
  enum class Root { kAlwaysOn, kAlwaysOff, kRatio };

  // parentbased_traceidratio at `ratio` (clamped to 0..1).
  static Sampler ParentBasedRatio(double ratio);

  // The sampler OTEL_TRACES_SAMPLER `name` and OTEL_TRACES_SAMPLER_ARG `arg` describe (`arg`
  // is the ratio of the *traceidratio samplers, default 1.0, and ignored by the others).
  // InvalidArgument naming the allowed values for an unknown name or a ratio outside 0..1.
  static absl::StatusOr<Sampler> FromConfig(std::string_view name, std::string_view arg);

  // Whether a span of trace `trace_id` whose parent is `parent` (nullopt: a new trace) is
  // sampled.
  bool ShouldSample(const std::optional<TraceContext>& parent, const TraceId& trace_id) const;

  // True when no span can ever be sampled (always_off, parentbased_always_off without callers
  // that sample, ratio 0 without parents): doors then skip tracing work entirely for calls that
  // carry no context.
  bool RootNeverSamples() const;

  bool parent_based() const { return parent_based_; }
  double ratio() const { return ratio_; }

 private:
  Sampler(Root root, bool parent_based, double ratio)
      : root_(root), parent_based_(parent_based), ratio_(ratio) {}
  bool SampleRoot(const TraceId& trace_id) const;

  Root root_;
  bool parent_based_;
  double ratio_;
};

}  // namespace sluice::trace
