// RulesMetrics: what the rule store counts — reloads of the Envoy rules, by result — registered
// on the Registry that /metrics renders (docs/operations.md#metrics).
//
// Thread safety: after construction every method may be called from any thread concurrently;
// recording takes no lock. The Registry must outlive this object.
#pragma once

#include "obs/counter.h"
#include "obs/registry.h"

namespace sluice::rules {

struct RulesMetrics {
  explicit RulesMetrics(obs::Registry& registry);
  // One load finished (ok: the new rules are in force; else the previous ones stay).
  void RecordReload(bool ok) const { (ok ? reloads_success : reloads_failure)->Increment(); }

  obs::Counter* reloads_success;  // sluice_rules_reloads_total{result="success"}
  obs::Counter* reloads_failure;  // sluice_rules_reloads_total{result="failure"}
};

}  // namespace sluice::rules
