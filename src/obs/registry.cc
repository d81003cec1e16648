#include "obs/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "fmt/format.h"
#include "obs/exposition.h"

namespace sluice::obs {

namespace {

using Metric =
    std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<CallbackMetric>,
                 std::unique_ptr<Histogram>, std::unique_ptr<Summary>>;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
// C++20 deduces this for aggregates; clang 14 (the thread-safety check) still needs the guide.
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

[[noreturn]] void RegistrationError(std::string_view name, std::string_view reason) {
  fmt::print(stderr, "sluice::obs::Registry: cannot register metric '{}': {}\n", name, reason);
  std::abort();
}

// Writes one sample line: name+suffix{labels,extra} value.
template <typename Value>
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, std::string_view extra, Value value) {
  out.append(name).append(suffix);
  if (!labels.empty() || !extra.empty()) {
    out.append("{").append(labels);
    if (!labels.empty() && !extra.empty()) out += ',';
    out.append(extra).append("}");
  }
  out += ' ';
  AppendValue(out, value);
  out += '\n';
}

}  // namespace

struct Registry::Family {
  MetricType type;
  std::string help;
  std::vector<std::string> label_names;  // sorted
  std::vector<double> bounds;            // histograms only
  // Keyed by the series' rendered label text, e.g. `door="grpc",method="x"`.
  std::map<std::string, Metric> series;
};

namespace {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
  }
  return "untyped";
}

}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

template <typename T, typename Make>
T* Registry::Add(MetricType type, std::string_view name, std::string_view help,
                 const Labels& labels, std::span<const double> bounds, Make make) {
  if (!IsValidMetricName(name)) RegistrationError(name, "invalid metric name");
  if (type == MetricType::kHistogram && !Histogram::ValidBounds(bounds)) {
    RegistrationError(name, "histogram bounds must be finite and strictly increasing");
  }

  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(labels.size());
  for (const auto& label : labels) sorted.push_back(&label);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });

  std::vector<std::string> label_names;
  std::string label_text;
  for (const auto* label : sorted) {
    const std::string& label_name = label->first;
    if (!IsValidLabelName(label_name)) RegistrationError(name, "invalid label name " + label_name);
    if (!label_names.empty() && label_names.back() == label_name) {
      RegistrationError(name, "duplicate label " + label_name);
    }
    if ((type == MetricType::kHistogram && label_name == "le") ||
        (type == MetricType::kSummary && label_name == "quantile")) {
      RegistrationError(name, "reserved label " + label_name);
    }
    label_names.push_back(label_name);
    if (!label_text.empty()) label_text += ',';
    label_text.append(label_name).append("=\"");
    AppendEscapedLabelValue(label_text, label->second);
    label_text += '"';
  }

  absl::MutexLock lock(&mu_);
  auto family_it = families_.find(name);
  if (family_it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->type = type;
    family->help = std::string(help);
    family->label_names = label_names;
    family->bounds.assign(bounds.begin(), bounds.end());
    family_it = families_.emplace(std::string(name), std::move(family)).first;
  }
  Family& family = *family_it->second;
  if (family.type != type) RegistrationError(name, "already registered with another type");
  if (family.label_names != label_names) {
    RegistrationError(name, "already registered with other label names");
  }
  if (type == MetricType::kHistogram &&
      !std::equal(family.bounds.begin(), family.bounds.end(), bounds.begin(), bounds.end())) {
    RegistrationError(name, "already registered with other bucket bounds");
  }

  auto [series_it, inserted] = family.series.try_emplace(std::move(label_text));
  if (inserted) series_it->second = make();
  auto* metric = std::get_if<std::unique_ptr<T>>(&series_it->second);
  if (metric == nullptr) {
    RegistrationError(name, "series already registered as a plain/callback metric");
  }
  return metric->get();
}

Counter* Registry::AddCounter(std::string_view name, std::string_view help, const Labels& labels) {
  return Add<Counter>(MetricType::kCounter, name, help, labels, {},
                      [] { return std::make_unique<Counter>(); });
}

Gauge* Registry::AddGauge(std::string_view name, std::string_view help, const Labels& labels) {
  return Add<Gauge>(MetricType::kGauge, name, help, labels, {},
                    [] { return std::make_unique<Gauge>(); });
}

CallbackGauge* Registry::AddCallbackGauge(std::string_view name, std::string_view help,
                                          const Labels& labels, std::function<double()> callback) {
  CallbackGauge* gauge = Add<CallbackMetric>(MetricType::kGauge, name, help, labels, {},
                                             [] { return std::make_unique<CallbackMetric>(); });
  gauge->SetCallback(std::move(callback));  // outside mu_: Render() locks mu_, then the metric
  return gauge;
}

CallbackCounter* Registry::AddCallbackCounter(std::string_view name, std::string_view help,
                                              const Labels& labels,
                                              std::function<double()> callback) {
  CallbackCounter* counter = Add<CallbackMetric>(MetricType::kCounter, name, help, labels, {},
                                                 [] { return std::make_unique<CallbackMetric>(); });
  counter->SetCallback(std::move(callback));
  return counter;
}

Histogram* Registry::AddHistogram(std::string_view name, std::string_view help,
                                  const Labels& labels, std::span<const double> bounds) {
  return Add<Histogram>(MetricType::kHistogram, name, help, labels, bounds, [bounds] {
    return std::make_unique<Histogram>(std::vector<double>(bounds.begin(), bounds.end()));
  });
}

Summary* Registry::AddSummary(std::string_view name, std::string_view help, const Labels& labels) {
  return Add<Summary>(MetricType::kSummary, name, help, labels, {},
                      [] { return std::make_unique<Summary>(); });
}

std::string Registry::Render() const {
  std::string out;
  std::string le;
  absl::MutexLock lock(&mu_);
  // Plain references, not structured bindings: clang 14 cannot capture those in the lambdas below.
  for (const auto& named_family : families_) {
    const std::string& name = named_family.first;
    const auto& family = named_family.second;
    out.append("# HELP ").append(name);
    if (!family->help.empty()) out += ' ';
    AppendEscapedHelp(out, family->help);
    out.append("\n# TYPE ").append(name).append(" ").append(TypeName(family->type)).append("\n");
    for (const auto& series : family->series) {
      const auto& labels = series.first;
      const auto& metric = series.second;
      std::visit(Overloaded{
                     [&](const std::unique_ptr<Counter>& counter) {
                       const Counter::Reading reading = counter->Read();
                       if (reading.real == 0) {
                         AppendSample(out, name, "", labels, "", reading.integer);
                       } else {
                         AppendSample(out, name, "", labels, "", reading.Total());
                       }
                     },
                     [&](const std::unique_ptr<Gauge>& gauge) {
                       AppendSample(out, name, "", labels, "", gauge->Value());
                     },
                     [&](const std::unique_ptr<CallbackMetric>& callback) {
                       AppendSample(out, name, "", labels, "", callback->Value());
                     },
                     [&](const std::unique_ptr<Histogram>& histogram) {
                       const Histogram::Snapshot snapshot = histogram->Read();
                       for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
                         le = "le=\"";
                         if (i < snapshot.bounds.size()) {
                           AppendValue(le, snapshot.bounds[i]);
                         } else {
                           le += "+Inf";
                         }
                         le += '"';
                         AppendSample(out, name, "_bucket", labels, le, snapshot.cumulative[i]);
                       }
                       AppendSample(out, name, "_sum", labels, "", snapshot.sum);
                       AppendSample(out, name, "_count", labels, "", snapshot.count());
                     },
                     [&](const std::unique_ptr<Summary>& summary) {
                       const Summary::Reading reading = summary->Read();
                       AppendSample(out, name, "_sum", labels, "", reading.sum);
                       AppendSample(out, name, "_count", labels, "", reading.count);
                     },
                 },
                 metric);
    }
  }
  return out;
}

}  // namespace sluice::obs
