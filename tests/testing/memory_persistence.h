// MemoryStore and MemoryLoader: sluice::Store and sluice::Loader kept in a map, for tests of the
// code that calls them. MemoryStore records every call; `failing` makes it behave as a store
// whose disk is gone (Get finds nothing, writes are dropped and counted). Header-only.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/persistence.h"

namespace sluice::testing {

class MemoryStore : public sluice::Store {
 public:
  void OnChange(const StoredItemView& item) override {
    std::lock_guard lock(mu_);
    ++changes;
    if (failing) return ++dropped, void();
    items[std::string(item.key)] =
        StoredItem{std::string(item.key), item.expire_at, item.duration, std::string(item.state)};
  }
  void OnRemove(std::string_view key) override {
    std::lock_guard lock(mu_);
    ++removes;
    items.erase(std::string(key));
  }
  std::optional<StoredItem> Get(std::string_view key, int64_t /*duration*/) override {
    std::lock_guard lock(mu_);
    ++gets;
    if (failing) return std::nullopt;
    auto it = items.find(std::string(key));
    if (it == items.end()) return std::nullopt;
    return it->second;
  }

  std::mutex mu_;
  std::map<std::string, StoredItem> items;
  int changes = 0, removes = 0, gets = 0, dropped = 0;
  bool failing = false;
};

class MemoryLoader : public sluice::Loader {
 public:
  Status Load(const ItemSink& add) override {
    for (const auto& item : items) add(item.view());
    return Status::Ok();
  }
  Status Save(const std::function<void(const ItemSink&)>& for_each) override {
    items.clear();
    for_each([this](const StoredItemView& v) {
      items.push_back({std::string(v.key), v.expire_at, v.duration, std::string(v.state)});
    });
    return Status::Ok();
  }

  std::vector<StoredItem> items;
};

}  // namespace sluice::testing
