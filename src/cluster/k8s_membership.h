// K8sMembership: peers are the pods behind a Kubernetes Service, learnt from the API server the
// way Gubernator's `k8s` discovery (and client-go's informers) learn them: list the collection,
// then watch it from the list's resourceVersion (reference/gubernator.md §3.9).
//
//   endpointslices  /apis/discovery.k8s.io/v1/namespaces/<ns>/endpointslices, selected by
//                   kubernetes.io/service-name=<service_name> (or by `selector` when no service
//                   name is given — older Gubernator deployments select the slices by label)
//   pods            /api/v1/namespaces/<ns>/pods selected by `selector`
//
// Every peer is `<ip>:<pod_port>`; this node is the address equal to `pod_ip` and is listed even
// when not ready; other addresses only when ready (K8sPeers). on_change fires with the whole list
// (sorted) whenever it differs from the last one reported.
//
// Keeping in step: the watch applies ADDED/MODIFIED/DELETED events to the listed objects and
// follows BOOKMARKs' resourceVersion. When the server says the version is gone (HTTP 410 or an
// ERROR event with code 410, after etcd compaction) the collection is listed again. When the
// watch ends normally (the server's timeoutSeconds) it is re-opened at once from the last
// version; when the connection drops, times out or is refused, it is re-opened after a back-off
// that doubles from retry_initial to retry_max and resets on success. A failed list keeps the
// last list. Counters (sluice_k8s_discovery_*) are on the registry given.
//
// Threads: Start runs the first list inline (so a reachable API server gives the node its peers
// before it serves; an unreachable one is retried by the loop, not fatal); afterwards one loop
// thread lists, watches and calls on_change. Thread safety: as Membership; peers() from any
// thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/k8s_api_client.h"
#include "cluster/k8s_objects.h"
#include "cluster/membership.h"
#include "obs/counter.h"
#include "obs/registry.h"

namespace sluice::cluster {

struct K8sMembershipOptions {
  // Where the API server is and the service-account files (in-cluster config).
  K8sApiOptions api;
  // What is watched (GUBER_K8S_WATCH_MECHANISM). Default: endpointslices.
  K8sResource resource = K8sResource::kEndpointSlices;
  // The namespace of the Service or pods (GUBER_K8S_NAMESPACE). Default: default.
  std::string k8s_namespace = "default";
  // endpointslices: the Service whose slices are watched (GUBER_K8S_SERVICE_NAME).
  std::string service_name;
  // A label selector (GUBER_K8S_SELECTOR): required for pods; for endpointslices used only
  // without a service name.
  std::string selector;
  // This node's pod IP and the gRPC port of every peer (GUBER_K8S_POD_IP/_PORT). Required.
  std::string pod_ip;
  uint16_t pod_port = 0;
  // timeoutSeconds asked of the server for each watch; the client gives up on a silent stream
  // a minute later. Default: 5 min.
  absl::Duration watch_timeout = absl::Minutes(5);
  // Back-off after a failed list or watch. Default: 500 ms doubling to 30 s.
  absl::Duration retry_initial = absl::Milliseconds(500);
  absl::Duration retry_max = absl::Seconds(30);
};

// The discovery's counters, registered on a Registry (so /metrics shows them).
struct K8sDiscoveryMetrics {
  explicit K8sDiscoveryMetrics(obs::Registry& registry);

  obs::Counter* lists;         // sluice_k8s_discovery_lists_total: successful lists
  obs::Counter* watch_events;  // sluice_k8s_discovery_watch_events_total: events applied
  obs::Counter* relists;       // sluice_k8s_discovery_relists_total: lists after 410 Gone
  obs::Counter* errors;        // sluice_k8s_discovery_errors_total: failed lists and watches
};

class K8sMembership final : public Membership {
 public:
  // `registry` must outlive this object.
  K8sMembership(K8sMembershipOptions options, obs::Registry& registry);
  ~K8sMembership() override;  // Stop()s
  K8sMembership(const K8sMembership&) = delete;
  K8sMembership& operator=(const K8sMembership&) = delete;

  // InvalidArgument for bad options or an unreadable CA file, FailedPrecondition if already
  // started. Then lists once inline and starts the loop.
  absl::Status Start(PeersChangedCallback on_change) override;
  // Aborts the request in progress and joins the loop.
  void Stop() override;

  // The last list reported (empty until the first list succeeds).
  std::vector<PeerInfo> peers() const;

  // The label selector and collection path the options give ("" path when invalid).
  static std::string LabelSelector(const K8sMembershipOptions& options);
  static std::string CollectionPath(const K8sMembershipOptions& options);

 private:
  absl::Status ValidateOptions() const;
  // Lists the collection and reports; false when it failed.
  bool List(bool relist);
  // Watches from resource_version_ until the stream ends; sets `gone` when the version is gone
  // and counts the events applied.
  absl::Status Watch(bool& gone, int& events);
  void Apply(const K8sWatchEvent& event);
  void Report();
  void Loop();
  // Waits `delay`, or until Stop; returns false when stopping.
  bool Sleep(absl::Duration delay);
  // Counts and logs (rate-limited) a failed list or watch; Recovered() ends the streak.
  void LogFailure(const absl::Status& status);
  void Recovered();

  const K8sMembershipOptions options_;
  const std::string collection_;  // path and label selector, without watch parameters
  K8sDiscoveryMetrics metrics_;
  std::unique_ptr<K8sApiClient> client_;

  // Loop state: touched by Start (before the thread exists) and then only by the loop thread.
  PeersChangedCallback on_change_;
  std::unordered_map<std::string, K8sObject> objects_;  // by name
  std::string resource_version_;                        // "" = list needed
  std::vector<PeerInfo> last_reported_;
  bool reported_ = false;
  int failures_in_a_row_ = 0;

  mutable absl::Mutex mu_;
  std::vector<PeerInfo> peers_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace sluice::cluster
