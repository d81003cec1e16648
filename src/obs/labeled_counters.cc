#include "obs/labeled_counters.h"

namespace sluice::obs {

LabeledCounters::LabeledCounters(Registry& registry, std::string_view name, std::string_view help,
                                 std::string_view label,
                                 std::span<const std::string_view> known)
    : registry_(&registry), name_(name), help_(help), label_(label) {
  for (std::string_view value : known) {
    known_[std::string(value)] = registry.AddCounter(name_, help_, {{label_, std::string(value)}});
  }
}

Counter* LabeledCounters::Get(std::string_view value) const {
  if (auto it = known_.find(absl::string_view(value.data(), value.size())); it != known_.end()) {
    return it->second;
  }
  return registry_->AddCounter(name_, help_, {{label_, std::string(value)}});
}

}  // namespace sluice::obs
