#include "cluster/k8s_membership.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace sluice::cluster {
namespace {

constexpr int kGone = 410;

std::string PeerList(const std::vector<PeerInfo>& peers) {
  return absl::StrJoin(peers, ", ", [](std::string* out, const PeerInfo& peer) {
    absl::StrAppend(out, peer.grpc_address, peer.is_self ? " (self)" : "");
  });
}

}  // namespace

K8sDiscoveryMetrics::K8sDiscoveryMetrics(obs::Registry& registry)
    : lists(registry.AddCounter("sluice_k8s_discovery_lists_total",
                                "Kubernetes discovery: successful lists of the watched objects.")),
      watch_events(registry.AddCounter("sluice_k8s_discovery_watch_events_total",
                                       "Kubernetes discovery: watch events applied.")),
      relists(registry.AddCounter(
          "sluice_k8s_discovery_relists_total",
          "Kubernetes discovery: lists made because the watched version was gone (410).")),
      errors(registry.AddCounter(
          "sluice_k8s_discovery_errors_total",
          "Kubernetes discovery: failed lists and watches (refused, dropped, timed out).")) {}

K8sMembership::K8sMembership(K8sMembershipOptions options, obs::Registry& registry)
    : options_(std::move(options)), collection_(CollectionPath(options_)), metrics_(registry) {}

K8sMembership::~K8sMembership() { Stop(); }

std::string K8sMembership::LabelSelector(const K8sMembershipOptions& options) {
  if (options.resource == K8sResource::kEndpointSlices && !options.service_name.empty()) {
    return absl::StrCat("kubernetes.io/service-name=", options.service_name);
  }
  return options.selector;
}

std::string K8sMembership::CollectionPath(const K8sMembershipOptions& options) {
  const std::string selector = LabelSelector(options);
  if (selector.empty() || options.k8s_namespace.empty()) return "";
  const char* api = options.resource == K8sResource::kEndpointSlices
                        ? "/apis/discovery.k8s.io/v1/namespaces/"
                        : "/api/v1/namespaces/";
  const char* kind = options.resource == K8sResource::kEndpointSlices ? "/endpointslices"
                                                                      : "/pods";
  return absl::StrCat(api, K8sQueryEscape(options.k8s_namespace), kind,
                      "?labelSelector=", K8sQueryEscape(selector));
}

absl::Status K8sMembership::ValidateOptions() const {
  if (LabelSelector(options_).empty()) {
    return absl::InvalidArgumentError(
        options_.resource == K8sResource::kPods
            ? "k8s discovery watching pods needs a label selector (GUBER_K8S_SELECTOR)"
            : "k8s discovery watching endpointslices needs a service name "
              "(GUBER_K8S_SERVICE_NAME) or a label selector (GUBER_K8S_SELECTOR)");
  }
  if (options_.k8s_namespace.empty()) {
    return absl::InvalidArgumentError("k8s discovery: empty namespace");
  }
  if (options_.pod_ip.empty() || options_.pod_port == 0) {
    return absl::InvalidArgumentError(
        "k8s discovery needs this pod's IP and gRPC port (GUBER_K8S_POD_IP, GUBER_K8S_POD_PORT)");
  }
  if (options_.retry_initial <= absl::ZeroDuration() ||
      options_.retry_max < options_.retry_initial || options_.watch_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "k8s discovery: retry delays must be > 0 and the watch timeout at least 1 s");
  }
  return absl::OkStatus();
}

absl::Status K8sMembership::Start(PeersChangedCallback on_change) {
  if (auto status = ValidateOptions(); !status.ok()) return status;
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("k8s membership already started");
    started_ = true;
  }
  auto client = K8sApiClient::Create(options_.api);
  if (!client.ok()) return client.status();
  client_ = std::move(*client);
  on_change_ = std::move(on_change);
  spdlog::info("k8s discovery: watching {} of {} in https://{}:{} as {}:{}",
               options_.resource == K8sResource::kPods ? "pods" : "endpointslices",
               LabelSelector(options_), options_.api.host, options_.api.port, options_.pod_ip,
               options_.pod_port);
  List(/*relist=*/false);
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void K8sMembership::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (client_) client_->Cancel();
  if (thread_.joinable()) thread_.join();
}

std::vector<PeerInfo> K8sMembership::peers() const {
  absl::MutexLock lock(&mu_);
  return peers_;
}

bool K8sMembership::Sleep(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  return !stopping_;
}

void K8sMembership::LogFailure(const absl::Status& status) {
  metrics_.errors->Increment();
  ++failures_in_a_row_;
  // The first failure of a streak, then every 16th: a long outage does not flood the log.
  if (failures_in_a_row_ == 1 || failures_in_a_row_ % 16 == 0) {
    spdlog::warn("k8s discovery: {} (failure {} in a row; keeping {} peers, retrying)",
                 std::string(status.message()), failures_in_a_row_, last_reported_.size());
  }
}

bool K8sMembership::List(bool relist) {
  auto response = client_->Get(collection_);
  absl::Status status = response.status();
  if (status.ok() && response->status != 200) {
    status = absl::UnavailableError(absl::StrCat("listing ", collection_, ": HTTP ",
                                                 response->status, ": ",
                                                 DescribeK8sStatus(response->body)));
  }
  absl::StatusOr<K8sList> list = status.ok()
                                     ? ParseK8sList(options_.resource, response->body)
                                     : absl::StatusOr<K8sList>(status);
  if (!list.ok()) {
    if (!absl::IsCancelled(list.status())) LogFailure(list.status());
    return false;
  }
  metrics_.lists->Increment();
  Recovered();
  if (relist) metrics_.relists->Increment();
  objects_.clear();
  for (K8sObject& object : list->items) {
    std::string name = object.name;
    objects_[std::move(name)] = std::move(object);
  }
  resource_version_ = list->resource_version;
  Report();
  return true;
}

void K8sMembership::Apply(const K8sWatchEvent& event) {
  resource_version_ = event.object.resource_version;
  switch (event.type) {
    case K8sWatchEvent::Type::kAdded:
    case K8sWatchEvent::Type::kModified:
      objects_[event.object.name] = event.object;
      break;
    case K8sWatchEvent::Type::kDeleted:
      objects_.erase(event.object.name);
      break;
    case K8sWatchEvent::Type::kBookmark:
    case K8sWatchEvent::Type::kError:
      return;
  }
  Report();
}

absl::Status K8sMembership::Watch(bool& gone, int& events) {
  const std::string target =
      absl::StrCat(collection_, "&watch=true&allowWatchBookmarks=true&resourceVersion=",
                   K8sQueryEscape(resource_version_),
                   "&timeoutSeconds=", absl::ToInt64Seconds(options_.watch_timeout));
  absl::Status stream_error;
  auto response = client_->Watch(
      target, options_.watch_timeout + absl::Minutes(1), [&](std::string_view line) {
        auto event = ParseK8sWatchEvent(options_.resource, line);
        if (!event.ok()) {
          stream_error = event.status();
          return false;
        }
        if (event->type == K8sWatchEvent::Type::kError) {
          if (event->error_code == kGone) {
            gone = true;
          } else {
            stream_error = absl::UnavailableError(absl::StrCat(
                "watch error ", event->error_code, ": ", event->error_message));
          }
          return false;
        }
        metrics_.watch_events->Increment();
        ++events;
        Recovered();
        Apply(*event);
        return true;
      });
  if (!response.ok()) return response.status();
  if (response->status == kGone) {
    gone = true;
  } else if (response->status != 200) {
    return absl::UnavailableError(absl::StrCat("watching ", collection_, ": HTTP ",
                                               response->status, ": ",
                                               DescribeK8sStatus(response->body)));
  }
  return stream_error;
}

void K8sMembership::Loop() {
  absl::Duration backoff = options_.retry_initial;
  auto retry_later = [&] {
    const absl::Duration delay = backoff;
    backoff = std::min(backoff * 2, options_.retry_max);
    return Sleep(delay);
  };
  bool relist = false;  // the next list follows a 410
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (resource_version_.empty()) {
      if (!List(relist)) {
        if (!retry_later()) return;
        continue;
      }
      relist = false;
      backoff = options_.retry_initial;
    }
    bool gone = false;
    const absl::Time opened = absl::Now();
    int events = 0;
    absl::Status status = Watch(gone, events);
    if (absl::IsCancelled(status)) return;
    if (gone) {
      spdlog::info("k8s discovery: resource version {} is gone (410); listing again",
                   resource_version_);
      resource_version_.clear();
      relist = true;
      continue;
    }
    if (!status.ok()) {
      LogFailure(status);
      if (!retry_later()) return;
      continue;
    }
    if (events == 0 &&
        absl::Now() - opened < absl::Seconds(1)) {
      // Ended at once with nothing in it: a proxy or server misbehaving. Not a tight loop.
      LogFailure(absl::UnavailableError(
          absl::StrCat("the watch of ", collection_, " ended at once without events")));
      if (!retry_later()) return;
      continue;
    }
    backoff = options_.retry_initial;  // the server ended the watch; re-open from the version
  }
}

void K8sMembership::Recovered() {
  if (failures_in_a_row_ == 0) return;
  spdlog::info("k8s discovery: the API server answers again after {} failures",
               failures_in_a_row_);
  failures_in_a_row_ = 0;
}

void K8sMembership::Report() {
  std::vector<K8sObject> objects;
  objects.reserve(objects_.size());
  for (const auto& [name, object] : objects_) objects.push_back(object);
  std::vector<PeerInfo> peers = K8sPeers(objects, options_.pod_ip, options_.pod_port);
  if (reported_ && peers == last_reported_) return;
  const bool found_self =
      std::any_of(peers.begin(), peers.end(), [](const PeerInfo& p) { return p.is_self; });
  spdlog::info("k8s discovery: {} peers: {}{}", peers.size(), PeerList(peers),
               found_self ? "" : " (this pod's IP is not among them yet)");
  {
    absl::MutexLock lock(&mu_);
    peers_ = peers;
  }
  last_reported_ = peers;
  reported_ = true;
  on_change_(std::move(peers));
}

}  // namespace sluice::cluster
