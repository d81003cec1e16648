// LabeledCounters: a counter family whose one label takes values from outside the process (an
// error string, a rate-limit name). The values known in advance are registered at construction,
// so their series exist at 0 from the first scrape and recording them needs no lock; any other
// value is registered on first use (under the Registry's mutex).
//
// Thread safety: Get() from any thread concurrently. The Registry must outlive this object.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "obs/counter.h"
#include "obs/registry.h"

namespace sluice::obs {

class LabeledCounters {
 public:
  LabeledCounters(Registry& registry, std::string_view name, std::string_view help,
                  std::string_view label, std::span<const std::string_view> known = {});

  // The series of `value`; never null.
  Counter* Get(std::string_view value) const;

 private:
  Registry* registry_;
  std::string name_, help_, label_;
  absl::flat_hash_map<std::string, Counter*> known_;
};

}  // namespace sluice::obs
