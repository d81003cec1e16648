#include "rules/rule_store.h"

#include <utility>

#include "rules/rule_loader.h"
#include "spdlog/spdlog.h"

namespace sluice::rules {

namespace {

std::atomic<uint64_t> next_generation{1};

uint64_t NewGeneration() { return next_generation.fetch_add(1, std::memory_order_relaxed); }

// One per thread: the snapshot this thread last read and the generation it was read under.
struct ThreadPin {
  uint64_t generation = 0;
  std::shared_ptr<const RuleSet> rules;
};
thread_local ThreadPin pin;

}  // namespace

RuleStore::RuleStore(std::string path, ReloadObserver on_reload, obs::Registry* registry)
    : path_(std::move(path)),
      on_reload_(std::move(on_reload)),
      current_(RuleSet::Empty()),
      generation_(NewGeneration()),
      own_registry_(registry ? nullptr : std::make_unique<obs::Registry>()),
      metrics_(registry ? *registry : *own_registry_) {}

std::shared_ptr<const RuleSet> RuleStore::Current() const {
  return current_.load(std::memory_order_acquire);
}

const RuleSet& RuleStore::Pinned() const {
  // Replace() publishes the snapshot before its generation, so a thread that sees the new
  // generation loads at least that snapshot. A thread that still sees the old generation keeps
  // its old snapshot for one more call, as if it had read just before the swap.
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (pin.generation != generation) {
    pin.rules = current_.load(std::memory_order_acquire);
    pin.generation = generation;
  }
  return *pin.rules;
}

void RuleStore::Replace(std::shared_ptr<const RuleSet> rules) {
  absl::MutexLock lock(&reload_mu_);
  Install(std::move(rules));
}

void RuleStore::Install(std::shared_ptr<const RuleSet> rules) {
  current_.store(std::move(rules), std::memory_order_release);
  generation_.store(NewGeneration(), std::memory_order_release);
  metrics_.RecordReload(true);
  if (on_reload_) on_reload_(absl::OkStatus());
}

absl::Status RuleStore::Reload() {
  absl::MutexLock lock(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const RuleSet>> loaded = LoadRuleSet(path_);
  if (!loaded.ok()) {
    metrics_.RecordReload(false);
    if (on_reload_) on_reload_(loaded.status());
    spdlog::error("rules: reload of {} failed, keeping the previous rules: {}", path_,
                  std::string(loaded.status().message()));
    return loaded.status();
  }
  const size_t domains = (*loaded)->domain_count();
  Install(*std::move(loaded));
  spdlog::info("rules: loaded {} domain(s) from {}", domains, path_);
  return absl::OkStatus();
}

}  // namespace sluice::rules
