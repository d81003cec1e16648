#include "rules/rule_store.h"

#include <utility>

#include "rules/rule_loader.h"
#include "spdlog/spdlog.h"

namespace sluice::rules {

RuleStore::RuleStore(std::string path) : path_(std::move(path)), current_(RuleSet::Empty()) {}

std::shared_ptr<const RuleSet> RuleStore::Current() const {
  return current_.load(std::memory_order_acquire);
}

absl::Status RuleStore::Reload() {
  absl::MutexLock lock(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const RuleSet>> loaded = LoadRuleSet(path_);
  if (!loaded.ok()) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("rules: reload of {} failed, keeping the previous rules: {}", path_,
                  std::string(loaded.status().message()));
    return loaded.status();
  }
  const size_t domains = (*loaded)->domain_count();
  current_.store(*std::move(loaded), std::memory_order_release);
  successes_.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("rules: loaded {} domain(s) from {}", domains, path_);
  return absl::OkStatus();
}

}  // namespace sluice::rules
