#include "server/node_status.h"

#include <utility>

namespace sluice::server {

std::vector<StatusSetting> StatusSettings(const std::map<std::string, std::string>& changed,
                                          const std::map<std::string, std::string>& sources) {
  std::vector<StatusSetting> out;
  for (const auto& [flag, value] : changed) {
    auto source = sources.find(flag);
    out.push_back(StatusSetting{
        .name = flag, .value = value, .source = source == sources.end() ? "" : source->second});
  }
  return out;
}

NodeStatus::NodeStatus(cluster::Router& router, TopKeysOptions top_keys)
    : top_keys_options_(top_keys), top_keys_(top_keys), top_keys_router_(router, top_keys_) {}

void NodeStatus::Bind(StatusInputs inputs) {
  inputs.reloads = &reloads_;
  inputs.top_keys = &top_keys_;
  inputs.top_keys_window = top_keys_options_.window;
  collector_.emplace(std::move(inputs));
}

}  // namespace sluice::server
