#include "server/status_report.h"

#include "absl/strings/str_cat.h"
#include "common/json_string.h"

namespace sluice::server {
namespace {

using common::JsonString;

const char* Bool(bool b) { return b ? "true" : "false"; }

// Appends `items` as a JSON array, each written by `one`.
template <typename T, typename F>
void AppendArray(std::string* out, const std::vector<T>& items, F one) {
  *out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) *out += ',';
    one(out, items[i]);
  }
  *out += ']';
}

void AppendRule(std::string* out, const StatusRule& r) {
  absl::StrAppend(out, "{\"key\":", JsonString(r.key), ",\"value\":", JsonString(r.value),
                  ",\"limit\":", JsonString(r.limit), ",\"algorithm\":", JsonString(r.algorithm),
                  ",\"name\":", JsonString(r.name), ",\"shadow_mode\":", Bool(r.shadow_mode),
                  ",\"line\":", r.line, ",\"descriptors\":");
  AppendArray(out, r.children, AppendRule);
  *out += '}';
}

void AppendKeys(std::string* out, const std::vector<KeyCount>& keys) {
  AppendArray(out, keys, [](std::string* o, const KeyCount& k) {
    absl::StrAppend(o, "{\"key\":", JsonString(k.key), ",\"count\":", k.count,
                    ",\"error\":", k.error, "}");
  });
}

}  // namespace

std::string StatusJson(const StatusReport& r) {
  std::string out;
  absl::StrAppend(&out, "{\"version\":", JsonString(r.version), ",\"mode\":", JsonString(r.mode),
                  ",\"instance_id\":", JsonString(r.instance_id),
                  ",\"advertise_address\":", JsonString(r.advertise_address),
                  ",\"started_ms\":", r.started_ms, ",\"now_ms\":", r.now_ms,
                  ",\"uptime_seconds\":", (r.now_ms - r.started_ms) / 1000,
                  ",\"healthy\":", Bool(r.healthy),
                  ",\"health_message\":", JsonString(r.health_message), ",\"settings\":");
  AppendArray(&out, r.settings, [](std::string* o, const StatusSetting& s) {
    absl::StrAppend(o, "{\"name\":", JsonString(s.name), ",\"value\":", JsonString(s.value),
                    ",\"source\":", JsonString(s.source), "}");
  });
  out += ",\"peers\":";
  AppendArray(&out, r.peers, [](std::string* o, const StatusPeer& p) {
    absl::StrAppend(o, "{\"address\":", JsonString(p.address),
                    ",\"data_center\":", JsonString(p.data_center), ",\"self\":", Bool(p.self),
                    ",\"state\":", JsonString(p.state),
                    ",\"last_error\":", JsonString(p.last_error), ",\"ring_share\":");
    if (p.ring_share < 0) {
      *o += "null";
    } else {
      absl::StrAppend(o, p.ring_share);
    }
    *o += '}';
  });
  out += ",\"peer_failure\":";
  if (r.peer_failure.policy.empty()) {
    out += "null";
  } else {
    absl::StrAppend(&out, "{\"policy\":", JsonString(r.peer_failure.policy),
                    ",\"answers\":", r.peer_failure.answers, "}");
  }
  absl::StrAppend(&out, ",\"rules\":{\"path\":", JsonString(r.rules_path), ",\"domains\":");
  AppendArray(&out, r.domains, [](std::string* o, const StatusDomain& d) {
    absl::StrAppend(o, "{\"domain\":", JsonString(d.name), ",\"source\":", JsonString(d.source),
                    ",\"line\":", d.line, ",\"descriptors\":");
    AppendArray(o, d.descriptors, AppendRule);
    *o += '}';
  });
  out += "},\"reloads\":";
  AppendArray(&out, r.reloads, [](std::string* o, const ReloadEntry& e) {
    absl::StrAppend(o, "{\"at_ms\":", e.at_ms, ",\"ok\":", Bool(e.ok),
                    ",\"error\":", JsonString(e.error), "}");
  });
  absl::StrAppend(&out, ",\"top_keys\":{\"window_ms\":", r.top_keys_window_ms, ",\"hits\":");
  AppendKeys(&out, r.top_keys.hits);
  out += ",\"rejections\":";
  AppendKeys(&out, r.top_keys.rejections);
  out += "}}";
  return out;
}

}  // namespace sluice::server
