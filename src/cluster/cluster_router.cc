#include "cluster/cluster_router.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cluster/cluster_health.h"
#include "spdlog/spdlog.h"

namespace sluice::cluster {
namespace {

constexpr char kGlobalErrorPrefix[] =
    "Error in getGlobalRateLimit: during in getLocalRateLimit: during workerPool.GetRateLimit: ";

}  // namespace

// One Route() call: the answers being filled and how many are still outstanding (+1 while
// Route itself is still dispatching, so `done` cannot run before every item was started).
struct ClusterRouter::Call {
  std::vector<RoutedResponse> out;
  std::atomic<size_t> pending{0};
  Done done;
  int64_t now = 0;
};

ClusterRouter::ClusterRouter(core::Limiter& limiter, const core::Clock& clock,
                             PeerClientFactory factory, ClusterRouterOptions options,
                             const ClusterMetrics* metrics,
                             const OwnerCheckRecorder* door_metrics)
    : limiter_(limiter),
      clock_(clock),
      factory_(std::move(factory)),
      options_(std::move(options)),
      metrics_(metrics ? &metrics->router : nullptr),
      view_(std::make_shared<const ClusterView>()),
      global_(
          limiter, [this] { return view(); }, options_.global, metrics ? &metrics->global : nullptr),
      peer_handler_(limiter, global_, door_metrics, options_.admission) {
  global_.Start(clock_);
}

ClusterRouter::~ClusterRouter() { Stop(); }

std::shared_ptr<const ClusterView> ClusterRouter::view() const {
  absl::MutexLock lock(&view_mu_);
  return view_;
}

absl::Status ClusterRouter::SetPeers(std::vector<PeerInfo> peers) {
  absl::MutexLock serial(&set_peers_mu_);
  if (stopped_.load()) return absl::OkStatus();
  std::shared_ptr<const ClusterView> previous = view();
  const size_t count = peers.size();
  absl::StatusOr<ClusterViewChange> change =
      BuildClusterView(std::move(peers), previous.get(), factory_, options_.view);
  if (!change.ok()) {
    spdlog::error("cluster: ignoring peer list: {}", std::string(change.status().message()));
    return change.status();
  }
  {
    absl::MutexLock lock(&view_mu_);
    view_ = change->view;
  }
  for (const auto& client : change->removed) client->Shutdown();
  if (metrics_) metrics_->ring_changes->Increment();
  const PeerInfo* self = change->view->ring.self();
  spdlog::info("cluster: {} peers ({} in this data center), self {}", count,
               change->view->ring.size(), self ? self->grpc_address : "not in the list");
  if (self != nullptr) {  // start-up refused this for the peers known then; these came later
    if (std::string problem = LoopbackAdvertiseProblem(self->grpc_address, change->view->ring.peers());
        !problem.empty()) {
      spdlog::error("cluster: {}; reporting unhealthy", problem);
    }
  }
  return absl::OkStatus();
}

void ClusterRouter::Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) {
  auto call = std::make_shared<Call>();
  call->out.resize(requests.size());
  call->pending.store(requests.size() + 1);
  call->done = std::move(done);
  call->now = now;
  // One view for the whole call: items of one call see the same ring.
  const std::shared_ptr<const ClusterView> view = this->view();
  for (size_t i = 0; i < requests.size(); ++i) {
    core::RateLimitRequest& request = requests[i];
    if (options_.force_global) request.behavior |= core::behavior::kGlobal;
    RouteOne(*view, call, i, std::move(request), 0);
  }
  Finish(call);
}

void ClusterRouter::RouteOne(const ClusterView& view, const std::shared_ptr<Call>& call,
                             size_t index, core::RateLimitRequest request, int attempt) {
  const std::string key = core::HashKey(request.name, request.unique_key);
  RoutedResponse& out = call->out[index];
  const PeerInfo* owner = view.ring.Owner(key);
  if (owner == nullptr) {
    out.response.error =
        absl::StrCat("Error in GetPeer, looking up peer that owns rate limit '", key,
                     "': Error in conf.LocalPicker.Get: unable to pick a peer; pool is empty");
    Finish(call);
    return;
  }
  if (owner->is_self) {
    if (metrics_) metrics_->owner->Increment();
    out.owner.clear();
    out.from_replica = false;
    out.response = EvaluateLocally(limiter_, request, call->now);
    if (request.Has(core::behavior::kGlobal) && out.response.error.empty()) {
      global_.QueueBroadcast(request, call->now);
    }
    Finish(call);
    return;
  }
  out.owner = owner->grpc_address;
  out.from_replica = false;
  if (request.Has(core::behavior::kGlobal)) {
    if (metrics_) metrics_->global_replica->Increment();
    out.from_replica = true;
    core::RateLimitRequest replica = request;
    replica.behavior = (replica.behavior | core::behavior::kNoBatching) & ~core::behavior::kGlobal;
    out.response = limiter_.Check(replica, key, call->now);
    if (!out.response.error.empty()) {
      out.response.error = kGlobalErrorPrefix + out.response.error;
    } else {
      global_.QueueHits(request, call->now);
    }
    Finish(call);
    return;
  }
  PeerClient* client = view.ClientFor(owner->grpc_address);
  if (client == nullptr) {  // cannot happen: every non-self ring peer has a client
    out.response.error = absl::StrCat("while fetching rate limit '", key,
                                      "' from peer: no client for peer ", owner->grpc_address);
    Finish(call);
    return;
  }
  if (metrics_) metrics_->forwarded->Increment();
  {
    absl::MutexLock lock(&flight_mu_);
    ++in_flight_;
  }
  std::string owner_address = owner->grpc_address;
  core::RateLimitRequest copy = request;
  client->Forward(std::move(copy), [this, call, index, request = std::move(request), attempt,
                                    owner_address = std::move(owner_address)](
                                       absl::StatusOr<core::RateLimitResponse> result) mutable {
    Forwarded(call, index, std::move(request), attempt, owner_address, std::move(result));
    absl::MutexLock lock(&flight_mu_);  // last: Stop() may destroy the router once it is 0
    --in_flight_;
  });
}

void ClusterRouter::Forwarded(const std::shared_ptr<Call>& call, size_t index,
                              core::RateLimitRequest request, int attempt, const std::string& owner,
                              absl::StatusOr<core::RateLimitResponse> result) {
  RoutedResponse& out = call->out[index];
  if (result.ok()) {
    NoteOwner(owner, /*failed=*/false);
    out.response = *std::move(result);
    out.owner = owner;
    Finish(call);
    return;
  }
  const absl::Status& status = result.status();
  const std::string key = core::HashKey(request.name, request.unique_key);
  const bool not_ready = absl::IsCancelled(status) || absl::IsDeadlineExceeded(status);
  std::string error;
  if (not_ready && !stopped_.load()) {
    if (attempt < options_.max_retries) {
      const PeerInfo* now_owner = view()->ring.Owner(key);
      const bool moved = now_owner == nullptr || now_owner->grpc_address != owner;
      if (absl::IsCancelled(status) || moved) {
        if (metrics_) metrics_->RecordRetry(request.name);
        RouteOne(*view(), call, index, std::move(request), attempt + 1);
        return;
      }
    } else {
      error = absl::StrCat("GetPeer() keeps returning peers that are not connected for '", key,
                           "': ", std::string(status.message()));
    }
  }
  if (error.empty()) {
    error = absl::StrCat("while fetching rate limit '", key,
                         "' from peer: ", std::string(status.message()));
  }
  out.owner = owner;
  NoteOwner(owner, /*failed=*/true);
  if (options_.fail_open) {
    if (metrics_) metrics_->fail_open->Increment();
    spdlog::debug("cluster: failing open: {}", error);
    out.response = EvaluateLocally(limiter_, request, call->now);
  } else if (options_.on_peer_failure != PeerFailurePolicy::kError) {
    spdlog::debug("cluster: on-peer-failure {}: {}",
                  PeerFailurePolicyName(options_.on_peer_failure), error);
    out.response = PolicyAnswer(request, call->now);
  } else {
    if (metrics_) {
      metrics_->peer_error->Increment();
      metrics_->RecordPolicyAnswer(PeerFailurePolicy::kError);
    }
    out.response = core::RateLimitResponse{.error = std::move(error)};
  }
  Finish(call);
}

core::RateLimitResponse ClusterRouter::PolicyAnswer(const core::RateLimitRequest& request,
                                                    int64_t now) {
  if (metrics_) metrics_->RecordPolicyAnswer(options_.on_peer_failure);
  switch (options_.on_peer_failure) {
    case PeerFailurePolicy::kAllow:
    case PeerFailurePolicy::kDeny:
      return FixedPolicyAnswer(options_.on_peer_failure, request, now);
    case PeerFailurePolicy::kLocal:
    case PeerFailurePolicy::kError:
      break;
  }
  core::RateLimitRequest share = request;
  share.limit = LocalShare(request.limit, HealthyNodes());
  return EvaluateLocally(limiter_, share, now);
}

void ClusterRouter::NoteOwner(const std::string& owner, bool failed) {
  if (!failed && !any_failing_.load(std::memory_order_relaxed)) return;
  absl::MutexLock lock(&failing_mu_);
  if (failed) {
    failing_.insert(owner);
  } else {
    failing_.erase(owner);
  }
  any_failing_.store(!failing_.empty(), std::memory_order_relaxed);
}

int64_t ClusterRouter::HealthyNodes() const {
  const std::shared_ptr<const ClusterView> view = this->view();
  int64_t healthy = static_cast<int64_t>(view->ring.size());
  absl::MutexLock lock(&failing_mu_);
  for (const std::string& address : failing_) {
    if (view->ClientFor(address) != nullptr) --healthy;  // still a member
  }
  return std::max<int64_t>(1, healthy);
}

void ClusterRouter::Finish(const std::shared_ptr<Call>& call) {
  if (call->pending.fetch_sub(1) == 1) std::move(call->done)(std::move(call->out));
}

void ClusterRouter::Stop() {
  if (stopped_.exchange(true)) return;
  global_.Stop();
  std::shared_ptr<const ClusterView> view = this->view();
  for (const auto& [address, client] : view->clients) client->Shutdown();
  // Forwards in flight end within the batch timeout; their callbacks use this router.
  absl::MutexLock lock(&flight_mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight_mu_) { return in_flight_ == 0; };
  flight_mu_.Await(absl::Condition(&idle));
}

}  // namespace sluice::cluster
