// Registry: owns every metric of a process (or of a test) and renders them all as Prometheus
// text exposition format 0.0.4 (obs/exposition.h).
//
// Metrics are grouped in families: one name, one help text, one type, one set of label names.
// Each distinct set of label values is a series, created on first registration. Registration is
// get-or-create: asking again for the same name and label values returns the same object.
// Callers register once (at startup, or when a new label value first appears), keep the
// pointer, and bump it on the hot path without going through the Registry again.
//
// Thread safety: every method may be called from any thread concurrently. Registration and
// Render() take one mutex; bumping a returned metric never does. Render() runs CallbackMetric
// callbacks while holding that mutex, so a callback must not call into the Registry.
//
// Invariants:
// - Returned pointers are never null and stay valid for the Registry's lifetime; a series is
//   never removed.
// - Render() output is deterministic: families sorted by name, series sorted by their label
//   text, labels within a series sorted by label name; # HELP and # TYPE once per family.
// - Registering with an invalid metric or label name, a duplicated label name, a reserved
//   label (`le` on a histogram, `quantile` on a summary), invalid histogram bounds, or in a way
//   that contradicts the family's earlier registration (other type, other label names, other
//   bounds) is a programming error: the process prints the reason to stderr and aborts. The
//   help text of the first registration wins.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "obs/callback_metric.h"
#include "obs/counter.h"
#include "obs/gauge.h"
#include "obs/histogram.h"
#include "obs/summary.h"

namespace sluice::obs {

// Label name/value pairs of one series, in any order: {{"method", "/pb.gubernator.V1/..."}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

// The Prometheus type of a family.
enum class MetricType { kCounter, kGauge, kHistogram, kSummary };

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter* AddCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge* AddGauge(std::string_view name, std::string_view help, const Labels& labels = {});

  // Series read by calling `callback` at Render() time (obs/callback_metric.h). Registering an
  // existing series again replaces its callback. A family may mix plain and callback series
  // of its type, but one series is either plain or callback, not both. A CallbackCounter's
  // callback must never go down.
  CallbackGauge* AddCallbackGauge(std::string_view name, std::string_view help,
                                  const Labels& labels, std::function<double()> callback);
  CallbackCounter* AddCallbackCounter(std::string_view name, std::string_view help,
                                      const Labels& labels, std::function<double()> callback);

  // `bounds`: bucket upper bounds, finite and strictly increasing; +Inf is implied.
  Histogram* AddHistogram(std::string_view name, std::string_view help, const Labels& labels,
                          std::span<const double> bounds);

  // Emits `<name>_sum` and `<name>_count` (no quantiles; see obs/summary.h).
  Summary* AddSummary(std::string_view name, std::string_view help, const Labels& labels = {});

  // The whole registry in text format 0.0.4; serve it with kExpositionContentType.
  std::string Render() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Family;

  template <typename T, typename Make>
  T* Add(MetricType type, std::string_view name, std::string_view help, const Labels& labels,
         std::span<const double> bounds, Make make) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::obs
