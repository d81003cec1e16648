// K8sObjects: the parts of the Kubernetes API's JSON that peer discovery reads — EndpointSlice
// and Pod objects, their lists and the watch events streamed about them — and the rule that turns
// the objects into peers (Gubernator's `k8s` discovery, reference/gubernator.md §3.9).
//
// Only the fields discovery needs are read; every other field is ignored, so the objects may
// carry whatever a real API server adds (managedFields, ownerReferences, ...). Shapes read:
//   EndpointSlice  metadata.{name,resourceVersion}, addressType, endpoints[] (may be null) of
//                  {addresses[], conditions.ready (absent or null = ready)}
//   Pod            metadata.{name,resourceVersion}, status.podIP, status.containerStatuses[] of
//                  {ready, state.running}
//   List           metadata.resourceVersion, items[]
//   Watch event    {"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": ...}; an ERROR's
//                  object is a Status {"code": 410, "reason": "Expired", "message": ...}
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/peer_info.h"

namespace sluice::cluster {

// Which objects are watched (GUBER_K8S_WATCH_MECHANISM).
enum class K8sResource { kEndpointSlices, kPods };

// One address an object offers as a peer.
struct K8sAddress {
  std::string ip;
  bool ready = false;  // EndpointSlice: conditions.ready; Pod: every container ready and running

  friend bool operator==(const K8sAddress&, const K8sAddress&) = default;
};

// One EndpointSlice or Pod, reduced to what discovery uses.
struct K8sObject {
  std::string name;
  std::string resource_version;
  // IPv4 only, as Gubernator: slices of another addressType and pods without an IP offer none.
  std::vector<K8sAddress> addresses;
};

struct K8sList {
  std::string resource_version;  // where a watch of the collection starts
  std::vector<K8sObject> items;
};

struct K8sWatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  // kAdded/kModified/kDeleted: the object; kBookmark: only resource_version is set.
  K8sObject object;
  // kError: the Status object's code (410 = the resource version is gone) and message.
  int error_code = 0;
  std::string error_message;
};

// Parses a list answer (EndpointSliceList or PodList). InvalidArgument naming what is missing.
absl::StatusOr<K8sList> ParseK8sList(K8sResource resource, std::string_view json);

// Parses one line of a watch stream. InvalidArgument for anything that is not a watch event.
absl::StatusOr<K8sWatchEvent> ParseK8sWatchEvent(K8sResource resource, std::string_view json);

// The `message` (and `code`) of a Status object answered with a non-2xx HTTP status, for logs;
// the body itself (cut short) when it is not a Status.
std::string DescribeK8sStatus(std::string_view body);

// The peers the objects name: one per distinct IP, `<ip>:<port>`, sorted by grpc_address. An
// address that is not ready is left out unless it is this node's (`self_ip`), which is marked
// is_self and always kept so the node finds itself in the list (Gubernator v2.12).
std::vector<PeerInfo> K8sPeers(const std::vector<K8sObject>& objects, std::string_view self_ip,
                               uint16_t port);

}  // namespace sluice::cluster
