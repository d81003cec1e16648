#include "cluster/k8s_objects.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/host_port.h"

namespace sluice::cluster {
namespace {

using rapidjson::Value;

// The member `name` of `object` if it is there and of the wanted type, else nullptr.
const Value* Member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string StringMember(const Value& object, const char* name) {
  const Value* value = Member(object, name);
  return value != nullptr && value->IsString()
             ? std::string(value->GetString(), value->GetStringLength())
             : std::string();
}

absl::StatusOr<rapidjson::Document> ParseJson(std::string_view json, const char* what) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is not JSON: ", rapidjson::GetParseError_En(document.GetParseError()),
        " at offset ", document.GetErrorOffset()));
  }
  if (!document.IsObject()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not a JSON object"));
  }
  return document;
}

void ReadEndpointSlice(const Value& slice, K8sObject& out) {
  if (StringMember(slice, "addressType") != "IPv4") return;
  const Value* endpoints = Member(slice, "endpoints");  // null when the slice is empty
  if (endpoints == nullptr || !endpoints->IsArray()) return;
  for (const Value& endpoint : endpoints->GetArray()) {
    const Value* addresses = Member(endpoint, "addresses");
    if (addresses == nullptr || !addresses->IsArray() || addresses->Empty() ||
        !(*addresses)[0].IsString()) {
      continue;
    }
    bool ready = true;  // an absent condition means ready (the API's convention)
    if (const Value* conditions = Member(endpoint, "conditions")) {
      if (const Value* flag = Member(*conditions, "ready"); flag != nullptr && flag->IsBool()) {
        ready = flag->GetBool();
      }
    }
    out.addresses.push_back({.ip = (*addresses)[0].GetString(), .ready = ready});
  }
}

void ReadPod(const Value& pod, K8sObject& out) {
  const Value* status = Member(pod, "status");
  if (status == nullptr) return;
  std::string ip = StringMember(*status, "podIP");
  if (ip.empty() || ip.find(':') != std::string::npos) return;  // not scheduled yet, or IPv6
  bool ready = true;
  if (const Value* containers = Member(*status, "containerStatuses");
      containers != nullptr && containers->IsArray()) {
    for (const Value& container : containers->GetArray()) {
      const Value* flag = Member(container, "ready");
      const Value* state = Member(container, "state");
      if (flag == nullptr || !flag->IsBool() || !flag->GetBool() || state == nullptr ||
          Member(*state, "running") == nullptr) {
        ready = false;
      }
    }
  }
  out.addresses.push_back({.ip = std::move(ip), .ready = ready});
}

K8sObject ReadObject(K8sResource resource, const Value& object) {
  K8sObject out;
  if (const Value* metadata = Member(object, "metadata")) {
    out.name = StringMember(*metadata, "name");
    out.resource_version = StringMember(*metadata, "resourceVersion");
  }
  if (resource == K8sResource::kEndpointSlices) {
    ReadEndpointSlice(object, out);
  } else {
    ReadPod(object, out);
  }
  return out;
}

}  // namespace

absl::StatusOr<K8sList> ParseK8sList(K8sResource resource, std::string_view json) {
  auto document = ParseJson(json, "list answer");
  if (!document.ok()) return document.status();
  K8sList list;
  if (const Value* metadata = Member(*document, "metadata")) {
    list.resource_version = StringMember(*metadata, "resourceVersion");
  }
  if (list.resource_version.empty()) {
    return absl::InvalidArgumentError("list answer has no metadata.resourceVersion");
  }
  const Value* items = Member(*document, "items");  // null when nothing matches
  if (items != nullptr && !items->IsArray()) {
    return absl::InvalidArgumentError("list answer's items is not an array");
  }
  if (items != nullptr) {
    for (const Value& item : items->GetArray()) {
      K8sObject object = ReadObject(resource, item);
      if (object.name.empty()) {
        return absl::InvalidArgumentError("list answer has an item without metadata.name");
      }
      list.items.push_back(std::move(object));
    }
  }
  return list;
}

absl::StatusOr<K8sWatchEvent> ParseK8sWatchEvent(K8sResource resource, std::string_view json) {
  auto document = ParseJson(json, "watch event");
  if (!document.ok()) return document.status();
  const std::string type = StringMember(*document, "type");
  const Value* object = Member(*document, "object");
  if (object == nullptr || !object->IsObject()) {
    return absl::InvalidArgumentError(absl::StrCat("watch event '", type, "' has no object"));
  }
  K8sWatchEvent event;
  if (type == "ERROR") {
    event.type = K8sWatchEvent::Type::kError;
    if (const Value* code = Member(*object, "code"); code != nullptr && code->IsInt()) {
      event.error_code = code->GetInt();
    }
    event.error_message = StringMember(*object, "message");
    return event;
  }
  if (type == "ADDED") {
    event.type = K8sWatchEvent::Type::kAdded;
  } else if (type == "MODIFIED") {
    event.type = K8sWatchEvent::Type::kModified;
  } else if (type == "DELETED") {
    event.type = K8sWatchEvent::Type::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = K8sWatchEvent::Type::kBookmark;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown watch event type '", type, "'"));
  }
  event.object = ReadObject(resource, *object);
  if (event.object.resource_version.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch event '", type, "' has no metadata.resourceVersion"));
  }
  if (event.type != K8sWatchEvent::Type::kBookmark && event.object.name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch event '", type, "' has no metadata.name"));
  }
  return event;
}

std::string DescribeK8sStatus(std::string_view body) {
  auto document = ParseJson(body, "status");
  if (document.ok() && StringMember(*document, "kind") == "Status") {
    return StringMember(*document, "message");
  }
  constexpr size_t kMaxQuoted = 200;
  return std::string(body.substr(0, kMaxQuoted));
}

std::vector<PeerInfo> K8sPeers(const std::vector<K8sObject>& objects, std::string_view self_ip,
                               uint16_t port) {
  std::map<std::string, PeerInfo> by_ip;  // an endpoint may be in two slices for a while
  for (const K8sObject& object : objects) {
    for (const K8sAddress& address : object.addresses) {
      const bool self = address.ip == self_ip;
      if (!address.ready && !self) continue;  // a node must always find itself
      by_ip[address.ip] = PeerInfo{.grpc_address = common::JoinHostPort(address.ip, port), .is_self = self};
    }
  }
  std::vector<PeerInfo> peers;
  for (auto& [ip, peer] : by_ip) peers.push_back(std::move(peer));
  std::sort(peers.begin(), peers.end(),
            [](const PeerInfo& a, const PeerInfo& b) { return a.grpc_address < b.grpc_address; });
  return peers;
}

}  // namespace sluice::cluster
