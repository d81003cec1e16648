#include "mesh/mesh.h"

#include <atomic>
#include <boost/asio.hpp>
#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <memory>
#include <thread>
#include <utility>

#include <openssl/rand.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/host_port.h"
#include "mesh/decision.h"
#include "mesh/mesh_health_report.h"
#include "mesh/member_watch.h"
#include "mesh/protobuf_log.h"
#include "obs/registry.h"
#include "spdlog/spdlog.h"

namespace sluice::mesh {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

constexpr size_t kReceiveBufferBytes = 65536;  // any UDP datagram, so oversize is detectable
constexpr int kSocketBufferBytes = 1 << 20;
constexpr int64_t kResolvedTtlMs = 30'000;
constexpr int64_t kResolveRetryMs = 1'000;
// Failures of one kind are logged at most once per period; health lists rejections this recent.
constexpr int64_t kFailureLogPeriodMs = 10'000;
constexpr int64_t kRejectionWindowMs = 30'000;

// What a rejected datagram most likely means, for the operator.
const char* DropHint(DropReason reason) {
  switch (reason) {
    case DropReason::kWrongCluster:
      return " (a node of another --mesh-cluster-id)";
    case DropReason::kBadAuth:
      return " (another or no --mesh-secret-file)";
    case DropReason::kBadVersion:
      return " (a Sluice speaking another mesh protocol version)";
    case DropReason::kChecksum:
      return " (corrupted on the way)";
    case DropReason::kMembersFull:
      return " (a new node, but --mesh-max-members live members are known)";
    default:
      return "";
  }
}

// A datagram from a Sluice peer that is configured differently, as opposed to noise.
bool PeerMisconfigured(DropReason reason) {
  return reason == DropReason::kWrongCluster || reason == DropReason::kBadAuth ||
         reason == DropReason::kBadVersion;
}

}  // namespace

uint64_t MeshStats::dropped_total() const {
  uint64_t total = 0;
  for (uint64_t n : dropped) total += n;
  return total;
}

class Mesh::Impl {
 public:
  Impl(MeshOptions options, const core::Clock& clock, const MeshMetrics* metrics)
      : options_(std::move(options)),
        clock_(clock),
        own_registry_(metrics ? nullptr : std::make_unique<obs::Registry>()),
        own_metrics_(metrics ? nullptr : std::make_unique<MeshMetrics>(*own_registry_)),
        metrics_(metrics ? *metrics : *own_metrics_),
        codec_(options_.cluster_id, options_.secret),
        socket_(io_),
        round_timer_(io_),
        push_timer_(io_),
        resolver_(io_),
        counters_(CounterOptionsFor(options_)),
        engine_(options_, codec_.body_budget(), clock_.NowMillis(), counters_),
        started_ms_(clock_.NowMillis()) {
    engine_.CountInto(metrics_.engine);
  }

  ~Impl() { Stop(); }

  absl::Status Bind() {
    auto hp = common::SplitHostPort(options_.bind_address);
    if (!hp.ok()) return hp.status();
    boost::system::error_code ec;
    udp::endpoint endpoint;
    auto address = asio::ip::make_address(hp->host, ec);
    if (!ec) {
      endpoint = udp::endpoint(address, hp->port);
    } else {
      auto results = resolver_.resolve(hp->host, std::to_string(hp->port), ec);
      if (ec || results.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("--mesh-addr: cannot resolve '",
                                                       options_.bind_address, "': ", ec.message()));
      }
      endpoint = results.begin()->endpoint();
    }
    socket_.open(endpoint.protocol(), ec);
    if (!ec) socket_.bind(endpoint, ec);
    if (!ec) socket_.non_blocking(true, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen on mesh address '",
                                                 options_.bind_address, "': ", ec.message()));
    }
    socket_.set_option(asio::socket_base::receive_buffer_size(kSocketBufferBytes), ec);
    socket_.set_option(asio::socket_base::send_buffer_size(kSocketBufferBytes), ec);
    port_ = socket_.local_endpoint().port();
    return absl::OkStatus();
  }

  void Run() {
    Receive();
    asio::post(io_, [this] { OnRound(); });
    thread_ = std::thread([this] { io_.run(); });
  }

  void Stop() {
    if (stopped_.exchange(true) || !thread_.joinable()) return;
    asio::post(io_, [this] {
      std::vector<Outgoing> out;
      {
        absl::MutexLock lock(&mu_);
        out = engine_.Leave(clock_.NowMillis());
      }
      // Datagrams get lost; duplicates are harmless (merges are idempotent).
      Send(out);
      Send(out);
      spdlog::info("mesh: node {} left the mesh", options_.node_id);
      boost::system::error_code ec;
      round_timer_.cancel();
      push_timer_.cancel();
      socket_.close(ec);
      io_.stop();
    });
    thread_.join();
  }

  // No engine lock: the counter table locks the shard of each key only.
  std::vector<core::RateLimitResponse> Decide(const std::vector<core::RateLimitRequest>& requests,
                                              int64_t now) {
    std::vector<core::RateLimitResponse> out;
    out.reserve(requests.size());
    bool charged = false;
    for (const auto& req : requests) {
      core::RateLimitResponse& resp = out.emplace_back(mesh::Decide(counters_, req, now));
      metrics_.RecordDecision(!resp.error.empty(), resp.status == core::Status::kOverLimit);
      // A reset is news too: its baselines are pushed like hits.
      charged = charged || (resp.error.empty() &&
                            (req.hits > 0 || req.Has(core::behavior::kResetRemaining)));
    }
    if (charged) RequestPush();
    return out;
  }

  int Subscribe(PeersCallback callback) {
    std::vector<cluster::PeerInfo> peers = Peers();
    absl::MutexLock lock(&callbacks_mu_);
    const int handle = next_handle_++;
    callback(std::move(peers));
    callbacks_.emplace(handle, std::move(callback));
    return handle;
  }

  void Unsubscribe(int handle) {
    absl::MutexLock lock(&callbacks_mu_);
    callbacks_.erase(handle);
  }

  std::vector<cluster::PeerInfo> Peers() const {
    absl::MutexLock lock(&mu_);
    return engine_.Peers();
  }

  MeshStats Stats() const {
    MeshStats s;
    // The counters /metrics exports: each packet is counted once.
    auto read = [](const obs::Counter* counter) { return counter->Read().integer; };
    s.packets_sent = read(metrics_.packets_sent);
    s.bytes_sent = read(metrics_.bytes_sent);
    s.packets_received = read(metrics_.packets_received);
    s.bytes_received = read(metrics_.bytes_received);
    for (int i = 0; i < kDropReasonCount; ++i) s.dropped[i] = read(metrics_.dropped[i]);
    s.dropped_denied = read(metrics_.dropped_denied);
    s.send_errors = read(metrics_.send_errors);
    s.unresolved = read(metrics_.unresolved);
    s.admitted = read(metrics_.admitted);
    s.rejected = read(metrics_.rejected);
    s.errors = read(metrics_.errors);
    s.engine = &metrics_.engine;
    s.windows = counters_.windows();
    s.slots = counters_.slots();
    absl::MutexLock lock(&mu_);
    const MemberTable& members = engine_.members();
    for (const auto& [id, member] : members.entries()) {
      if (members.IsMember(member)) ++s.members;
      if (members.IsMember(member) && member.state == NodeState::kSuspect) ++s.suspect;
      if (member.state == NodeState::kDead) ++s.dead;
    }
    s.id_conflicts = members.id_conflicts();
    return s;
  }

  std::vector<MemberStatus> Members() const {
    absl::MutexLock lock(&mu_);
    std::vector<MemberStatus> out;
    const MemberTable& members = engine_.members();
    for (const auto& [id, member] : members.entries()) {
      out.push_back(MemberStatus{.info = member.info,
                                 .state = member.state,
                                 .confirmed = member.confirmed,
                                 .member = members.IsMember(member),
                                 .self = &member == &members.self(),
                                 .heartbeat = member.heartbeat,
                                 .max_version = counters_.Watermark(id)});
    }
    return out;
  }

  void SetDeniedNodes(std::vector<std::string> node_ids) {
    absl::MutexLock lock(&deny_mu_);
    denied_ = absl::flat_hash_set<std::string>(node_ids.begin(), node_ids.end());
  }

  const MeshOptions& options() const { return options_; }
  int port() const { return port_; }

 private:
  bool Denied(const std::string& node_id) const {
    if (node_id.empty()) return false;
    absl::MutexLock lock(&deny_mu_);
    return denied_.contains(node_id);
  }

  void ScheduleRound() {
    round_timer_.expires_after(std::chrono::milliseconds(options_.gossip_interval_ms));
    round_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) OnRound();
    });
  }

  void OnRound() {
    std::vector<Outgoing> out;
    std::optional<std::vector<cluster::PeerInfo>> changed;
    std::vector<MemberEvent> events;
    bool alone = false;
    const int64_t now = clock_.NowMillis();
    {
      absl::MutexLock lock(&mu_);
      out = engine_.Round(now);
      if (engine_.TakeMembershipChange()) changed = engine_.Peers();
      events = watch_.Changes(engine_.members(), options_.suspicion_timeout_ms);
      alone = engine_.Peers().size() <= 1;
    }
    for (const MemberEvent& event : events) {
      if (event.warning) {
        spdlog::warn("mesh: {}", event.text);
      } else {
        spdlog::info("mesh: {}", event.text);
      }
    }
    if (watch_.ever_joined()) ever_joined_.store(true, std::memory_order_relaxed);
    LogIfAlone(alone, now);
    Send(out);
    if (changed) Notify(*changed);
    ScheduleRound();
  }

  // A node with seeds that is alone decides alone: say so once the join grace has passed, and
  // again every minute while it lasts.
  void LogIfAlone(bool alone, int64_t now) {
    if (!alone || SeedsOtherThanSelf().empty() || now - started_ms_ < options_.suspicion_timeout_ms) {
      alone_logged_ms_ = 0;
      return;
    }
    if (alone_logged_ms_ != 0 && now - alone_logged_ms_ < 60'000) return;
    alone_logged_ms_ = now;
    spdlog::warn("{}", Health(now).message);
  }

  std::vector<std::string> SeedsOtherThanSelf() const {
    std::vector<std::string> seeds;
    for (const auto& seed : options_.seeds) {
      if (seed != options_.advertise_address) seeds.push_back(seed);
    }
    return seeds;
  }

  // I/O thread: counts a failure of kind `what` and logs it unless one was logged within
  // kFailureLogPeriodMs (then the next line says how many were not).
  void LogFailure(const std::string& what, const std::string& text, int64_t now) {
    FailureLog& log = failure_logs_[what];
    ++log.suppressed;
    if (log.last_ms != 0 && now - log.last_ms < kFailureLogPeriodMs) return;
    if (log.suppressed > 1) {
      spdlog::warn("mesh: {} ({} like it in the last {} s)", text, log.suppressed - 1,
                   (now - log.last_ms) / 1000);
    } else {
      spdlog::warn("mesh: {}", text);
    }
    log.last_ms = now;
    log.suppressed = 0;
  }

 public:
  cluster::HealthReport Health(int64_t now) const {
    MeshHealthInputs in;
    in.advertise_address = options_.grpc_address;
    in.seeds = SeedsOtherThanSelf();
    in.ever_joined = ever_joined_.load(std::memory_order_relaxed);
    in.running_ms = now - started_ms_;
    in.grace_ms = options_.suspicion_timeout_ms;
    {
      absl::MutexLock lock(&mu_);
      in.members = engine_.Peers();
      const MemberTable& members = engine_.members();
      for (const auto& [id, member] : members.entries()) {
        if (&member == &members.self() || !member.confirmed) continue;
        const std::string name = absl::StrCat(id.node_id, " (", member.info.mesh_address, ")");
        if (members.IsMember(member) && member.state == NodeState::kSuspect) {
          in.suspect.push_back(name);
        } else if (member.state == NodeState::kDead) {
          in.dead.push_back(name);
        }
      }
    }
    absl::MutexLock lock(&rejections_mu_);
    for (int i = 0; i < kDropReasonCount; ++i) {
      const Rejection& r = rejections_[i];
      if (r.count == 0 || now - r.last_ms > kRejectionWindowMs) continue;
      in.rejections.push_back(absl::StrCat(DropReasonName(static_cast<DropReason>(i)),
                                           DropHint(static_cast<DropReason>(i)), " from ",
                                           r.last_from, ", ", r.count, " since start"));
    }
    return MeshHealthReport(in);
  }

 private:

  // Any thread: makes sure a push runs within push_interval. Leading edge: when the last push
  // is at least an interval old the push goes out at once, else when the interval ends; either
  // way at most one push per interval.
  void RequestPush() {
    if (options_.push_interval_ms <= 0 || push_pending_.exchange(true)) return;
    asio::post(io_, [this] {
      const auto due = last_push_ + std::chrono::milliseconds(options_.push_interval_ms);
      push_timer_.expires_at(std::max(std::chrono::steady_clock::now(), due));
      push_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        push_pending_.store(false);
        last_push_ = std::chrono::steady_clock::now();
        std::vector<Outgoing> out;
        {
          absl::MutexLock lock(&mu_);
          out = engine_.Push(clock_.NowMillis());
        }
        Send(out);
      });
    });
  }

  void Receive() {
    socket_.async_receive_from(asio::buffer(receive_buffer_), receive_from_,
                               [this](const boost::system::error_code& ec, size_t bytes) {
                                 if (ec == asio::error::operation_aborted || !socket_.is_open())
                                   return;
                                 if (!ec) OnDatagram(bytes);
                                 Receive();
                               });
  }

  void OnDatagram(size_t bytes) {
    metrics_.RecordReceived(bytes);
    Decoded decoded = codec_.Decode(std::string_view(receive_buffer_.data(), bytes));
    if (!decoded.packet) {
      Dropped(decoded.reason);
      return;
    }
    if (Denied(decoded.packet->sender().node_id())) {
      metrics_.dropped_denied->Increment();
      return;
    }
    Received received;
    bool relays = false;
    {
      absl::MutexLock lock(&mu_);
      received = engine_.Receive(std::move(*decoded.packet), bytes, clock_.NowMillis());
      relays = engine_.HasRelays();  // relayed pushes wait for the next push (gossip_engine.h)
    }
    if (received.dropped) Dropped(*received.dropped);
    Send(received.replies);
    if (relays) RequestPush();
  }

  // I/O thread: counts a datagram dropped for `reason` (receive_from_ sent it) and logs it
  // (throttled). Unverified packets are part of every join (each is answered with a
  // challenge), so they are counted but not logged.
  void Dropped(DropReason reason) {
    metrics_.RecordDropped(reason);
    if (reason == DropReason::kUnverified) return;
    const std::string from =
        common::JoinHostPort(receive_from_.address().to_string(), receive_from_.port());
    const int64_t now = clock_.NowMillis();
    if (PeerMisconfigured(reason)) {
      absl::MutexLock lock(&rejections_mu_);
      Rejection& r = rejections_[static_cast<int>(reason)];
      ++r.count;
      r.last_ms = now;
      r.last_from = from;
    }
    LogFailure(absl::StrCat("drop:", DropReasonName(reason)),
               absl::StrCat("dropped a datagram from ", from, ": ", DropReasonName(reason),
                            DropHint(reason)),
               now);
  }

  void Send(std::vector<Outgoing>& out) {
    for (auto& o : out) {
      if (Denied(o.node_id)) {
        metrics_.dropped_denied->Increment();
        continue;
      }
      std::optional<udp::endpoint> endpoint = Resolve(o.address);
      if (!endpoint) {
        metrics_.unresolved->Increment();
        continue;
      }
      const std::string datagram = codec_.Encode(o.packet);
      boost::system::error_code ec;
      socket_.send_to(asio::buffer(datagram), *endpoint, 0, ec);
      if (ec) {
        metrics_.send_errors->Increment();
        LogFailure("send:" + o.address,
                   absl::StrCat("cannot send to ", o.address,
                                o.node_id.empty() ? "" : absl::StrCat(" (node ", o.node_id, ")"),
                                ": ", ec.message()),
                   clock_.NowMillis());
        continue;
      }
      metrics_.RecordSent(datagram.size());
    }
  }

  // I/O thread only. IP literals resolve at once; names asynchronously (the datagram waits for
  // a later round), cached for kResolvedTtlMs.
  std::optional<udp::endpoint> Resolve(const std::string& address) {
    const int64_t now = clock_.NowMillis();
    auto it = resolved_.find(address);
    if (it != resolved_.end() && (it->second.expires > now || it->second.pending)) {
      return it->second.endpoint;
    }
    auto hp = common::SplitHostPort(address);
    if (!hp.ok()) return std::nullopt;
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(hp->host, ec);
    Resolved& entry = resolved_[address];
    if (!ec) {
      entry.endpoint = udp::endpoint(ip, hp->port);
      entry.expires = std::numeric_limits<int64_t>::max();
      return entry.endpoint;
    }
    entry.pending = true;
    const udp protocol = socket_.local_endpoint(ec).protocol();
    resolver_.async_resolve(protocol, hp->host, std::to_string(hp->port),
                            [this, address](const boost::system::error_code& error,
                                            const udp::resolver::results_type& results) {
                              Resolved& done = resolved_[address];
                              done.pending = false;
                              const int64_t at = clock_.NowMillis();
                              if (error || results.empty()) {
                                done.expires = at + kResolveRetryMs;
                                spdlog::warn("mesh: cannot resolve '{}': {}", address,
                                             error.message());
                                return;
                              }
                              done.endpoint = results.begin()->endpoint();
                              done.expires = at + kResolvedTtlMs;
                            });
    return entry.endpoint;
  }

  void Notify(const std::vector<cluster::PeerInfo>& peers) {
    absl::MutexLock lock(&callbacks_mu_);
    for (auto& [handle, callback] : callbacks_) callback(peers);
  }

  struct Resolved {
    std::optional<udp::endpoint> endpoint;
    int64_t expires = 0;
    bool pending = false;
  };
  struct FailureLog {
    int64_t last_ms = 0;     // when a line was last logged
    uint64_t suppressed = 0;  // failures since, not logged
  };
  struct Rejection {
    uint64_t count = 0;
    int64_t last_ms = 0;
    std::string last_from;
  };

  MeshOptions options_;
  const core::Clock& clock_;
  const std::unique_ptr<obs::Registry> own_registry_;  // when Start got no metrics
  const std::unique_ptr<MeshMetrics> own_metrics_;
  const MeshMetrics& metrics_;
  const Codec codec_;
  asio::io_context io_;
  udp::socket socket_;
  asio::steady_timer round_timer_;
  asio::steady_timer push_timer_;
  udp::resolver resolver_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> push_pending_{false};
  int port_ = 0;

  // I/O thread only.
  std::chrono::steady_clock::time_point last_push_{};  // when the last push went out
  std::array<char, kReceiveBufferBytes> receive_buffer_{};
  udp::endpoint receive_from_;
  absl::flat_hash_map<std::string, Resolved> resolved_;
  MemberWatch watch_;
  absl::flat_hash_map<std::string, FailureLog> failure_logs_;
  int64_t alone_logged_ms_ = 0;

  CounterTable counters_;  // thread-safe (sharded); shared by Decide and the engine
  mutable absl::Mutex mu_;  // gossip state; never taken by Decide
  GossipEngine engine_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex deny_mu_;
  absl::flat_hash_set<std::string> denied_ ABSL_GUARDED_BY(deny_mu_);

  absl::Mutex callbacks_mu_;  // held while callbacks run: serializes them
  std::map<int, PeersCallback> callbacks_ ABSL_GUARDED_BY(callbacks_mu_);
  int next_handle_ ABSL_GUARDED_BY(callbacks_mu_) = 1;

  const int64_t started_ms_;
  std::atomic<bool> ever_joined_{false};
  mutable absl::Mutex rejections_mu_;
  std::array<Rejection, kDropReasonCount> rejections_ ABSL_GUARDED_BY(rejections_mu_);
};

absl::StatusOr<std::unique_ptr<Mesh>> Mesh::Start(MeshOptions options, const core::Clock& clock,
                                                  const MeshMetrics* metrics) {
  if (options.node_id.empty()) options.node_id = RandomNodeId();
  if (options.incarnation == 0) options.incarnation = static_cast<uint64_t>(clock.NowMillis());
  if (options.incarnation == 0) options.incarnation = 1;
  if (options.rng_seed == 0) options.rng_seed = std::random_device()() ^ options.incarnation;
  if (options.cookie_key.empty()) {
    options.cookie_key.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(options.cookie_key.data()), 32) != 1) {
      return absl::InternalError("mesh: no random bytes for the address-verification key");
    }
  }
  if (auto status = ValidateOptions(options); !status.ok()) return status;
  InstallProtobufLogThrottle();  // bad datagrams must not flood the log through libprotobuf
  auto impl = std::make_unique<Impl>(std::move(options), clock, metrics);
  if (auto status = impl->Bind(); !status.ok()) return status;
  impl->Run();
  const MeshOptions& o = impl->options();
  spdlog::info(
      "mesh: node {} (incarnation {}) gossiping on {} (UDP port {}), advertising {}, "
      "cluster '{}', {} seed(s), {}",
      o.node_id, o.incarnation, o.bind_address, impl->port(), o.advertise_address, o.cluster_id,
      o.seeds.size(), o.secret.empty() ? "unauthenticated" : "HMAC-SHA256 authenticated");
  return std::unique_ptr<Mesh>(new Mesh(std::move(impl)));
}

Mesh::Mesh(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mesh::~Mesh() { Stop(); }

std::vector<core::RateLimitResponse> Mesh::Decide(
    const std::vector<core::RateLimitRequest>& requests, int64_t now) {
  return impl_->Decide(requests, now);
}

void Mesh::Stop() { impl_->Stop(); }
int Mesh::Subscribe(PeersCallback callback) { return impl_->Subscribe(std::move(callback)); }
void Mesh::Unsubscribe(int handle) { impl_->Unsubscribe(handle); }
std::vector<cluster::PeerInfo> Mesh::Peers() const { return impl_->Peers(); }
MeshStats Mesh::stats() const { return impl_->Stats(); }
cluster::HealthReport Mesh::Health(int64_t now) const { return impl_->Health(now); }
std::vector<MemberStatus> Mesh::Members() const { return impl_->Members(); }
void Mesh::SetDeniedNodes(std::vector<std::string> node_ids) {
  impl_->SetDeniedNodes(std::move(node_ids));
}
const std::string& Mesh::node_id() const { return impl_->options().node_id; }
uint64_t Mesh::incarnation() const { return impl_->options().incarnation; }
const std::string& Mesh::advertise_address() const { return impl_->options().advertise_address; }
int Mesh::port() const { return impl_->port(); }

}  // namespace sluice::mesh
