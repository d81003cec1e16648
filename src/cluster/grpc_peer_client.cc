#include "cluster/grpc_peer_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cluster/peer_wire.h"
#include "spdlog/spdlog.h"
#include "trace/active_context.h"
#include "trace/rpc_span.h"

namespace sluice::cluster {
namespace {

constexpr size_t kMaxRecordedErrors = 100;
// A peer's failures are logged at most once per period (the first one at once), with how many
// were not.
constexpr int64_t kFailureLogPeriodMs = 10'000;
constexpr char kWrongSize[] = "server responded with incorrect rate limit list size";
constexpr char kGetPeerRateLimits[] = "/pb.gubernator.PeersV1/GetPeerRateLimits";
constexpr char kUpdatePeerGlobals[] = "/pb.gubernator.PeersV1/UpdatePeerGlobals";

// Deletes peer clients on a thread of its own. The last reference to a client is often dropped
// inside an RPC completion, on a gRPC callback thread, and destroying a channel there makes gRPC
// free its callback completion queue twice. Lives until the process exits.
class Reaper {
 public:
  static Reaper& Instance() {
    static Reaper* reaper = new Reaper();  // never destroyed: a detached thread uses it
    return *reaper;
  }
  void Delete(GrpcPeerClient* client) {
    absl::MutexLock lock(&mu_);
    doomed_.push_back(client);
  }

 private:
  Reaper() {
    std::thread([this] { Loop(); }).detach();
  }
  void Loop() {
    while (true) {
      std::vector<GrpcPeerClient*> doomed;
      {
        absl::MutexLock lock(&mu_);
        auto any = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !doomed_.empty(); };
        mu_.Await(absl::Condition(&any));
        doomed.swap(doomed_);
      }
      for (GrpcPeerClient* client : doomed) delete client;
    }
  }
  absl::Mutex mu_;
  std::vector<GrpcPeerClient*> doomed_ ABSL_GUARDED_BY(mu_);
};

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

}  // namespace


// One forwarding RPC in flight: what gRPC writes into, and who waits for the answer.
struct GrpcPeerClient::BatchCall {
  grpc::ClientContext context;
  pb::gubernator::GetPeerRateLimitsReq request;
  pb::gubernator::GetPeerRateLimitsResp response;
  std::vector<Pending> items;
  absl::Time started;
  trace::Span span;  // the peer call, when traced
};

std::shared_ptr<GrpcPeerClient> GrpcPeerClient::Create(
    PeerInfo peer, std::shared_ptr<grpc::ChannelInterface> channel, PeerClientOptions options,
    const core::Clock& clock, const PeerClientMetrics* metrics, const trace::Tracer* tracer) {
  std::shared_ptr<GrpcPeerClient> client(
      new GrpcPeerClient(std::move(peer), std::move(channel), options, clock, metrics, tracer),
      [](GrpcPeerClient* c) { Reaper::Instance().Delete(c); });
  client->batcher_ = std::thread([raw = client.get()] { raw->BatcherLoop(); });
  return client;
}

GrpcPeerClient::GrpcPeerClient(PeerInfo peer, std::shared_ptr<grpc::ChannelInterface> channel,
                               PeerClientOptions options, const core::Clock& clock,
                               const PeerClientMetrics* metrics, const trace::Tracer* tracer)
    : peer_(std::move(peer)),
      options_(options),
      clock_(clock),
      metrics_(metrics),
      tracer_(tracer),
      stub_(pb::gubernator::PeersV1::NewStub(channel)) {}

GrpcPeerClient::~GrpcPeerClient() {
  Shutdown();
  if (batcher_.joinable()) batcher_.join();  // runs on the reaper thread, never the batcher
}

void GrpcPeerClient::Forward(core::RateLimitRequest request, ItemDone done) {
  std::unique_ptr<ItemTrace> item_trace;
  if (tracer_ != nullptr) {
    if (const trace::TraceContext* active = trace::ActiveContext()) {
      item_trace.reset(new ItemTrace{*active, tracer_->clock().NowNanos()});
    }
  }
  std::vector<Pending> ready;
  bool shut_down = false;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) {
      shut_down = true;
    } else if (options_.disable_batching || request.Has(core::behavior::kNoBatching)) {
      ready.push_back({std::move(request), std::move(done), std::move(item_trace)});
    } else {
      if (queue_.empty()) batch_deadline_ = absl::Now() + options_.batch_wait;
      queue_.push_back({std::move(request), std::move(done), std::move(item_trace)});
      if (static_cast<int>(queue_.size()) >= options_.batch_limit) ready.swap(queue_);
    }
  }
  if (shut_down) {
    // NOLINTNEXTLINE(bugprone-use-after-move): `done` was moved only when shut_down is false.
    std::move(done)(absl::CancelledError(
        absl::StrCat("peer client for ", peer_.grpc_address, " is shut down")));
    return;
  }
  if (!ready.empty()) SendBatch(std::move(ready));
}

void GrpcPeerClient::BatcherLoop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    auto has_work = [this]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return shutdown_ || !queue_.empty(); };
    mu_.Await(absl::Condition(&has_work));
    if (shutdown_) return;
    // Sleep until the batch is due; wake early if a full batch was sent meanwhile (queue_
    // emptied) or on shutdown. A refilled queue has a later deadline: check again.
    const absl::Time due = batch_deadline_;
    auto gone = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return shutdown_ || queue_.empty(); };
    mu_.AwaitWithDeadline(absl::Condition(&gone), due);
    if (shutdown_) return;
    if (queue_.empty() || absl::Now() < batch_deadline_) continue;
    std::vector<Pending> ready;
    ready.swap(queue_);
    mu_.Unlock();
    SendBatch(std::move(ready));
    mu_.Lock();
  }
}

void GrpcPeerClient::SendBatch(std::vector<Pending> items) {
  std::shared_ptr<GrpcPeerClient> self = weak_from_this().lock();
  if (!self) {  // being destroyed: nothing may be sent any more
    for (Pending& item : items) {
      std::move(item.done)(absl::CancelledError(
          absl::StrCat("peer client for ", peer_.grpc_address, " is shut down")));
    }
    return;
  }
  auto call = std::make_shared<BatchCall>();
  call->request.mutable_requests()->Reserve(static_cast<int>(items.size()));
  for (const Pending& item : items) ToProto(item.request, call->request.add_requests());
  call->items = std::move(items);
  call->started = absl::Now();
  call->context.set_deadline(DeadlineAfter(options_.batch_timeout));
  if (tracer_ != nullptr) TraceBatch(*call);
  stub_->async()->GetPeerRateLimits(
      &call->context, &call->request, &call->response,
      [self, call](grpc::Status status) { self->FinishBatch(*call, status); });
}

void GrpcPeerClient::FinishBatch(BatchCall& call, const grpc::Status& status) {
  const size_t n = call.items.size();
  absl::Status failure;
  if (!status.ok()) {
    failure = Failure("GetPeerRateLimits", status);
  } else if (call.response.rate_limits_size() != static_cast<int>(n)) {
    failure = Failure("GetPeerRateLimits", grpc::Status(grpc::StatusCode::INTERNAL, kWrongSize));
  }
  if (metrics_) metrics_->RecordBatch(n, failure.ok());
  if (!failure.ok()) call.span.SetError(std::string(failure.message()));
  call.span.End();
  for (size_t i = 0; i < n; ++i) {
    if (!failure.ok()) {
      std::move(call.items[i].done)(failure);
    } else {
      std::move(call.items[i].done)(FromProto(call.response.rate_limits(static_cast<int>(i))));
    }
  }
  call.items.clear();
}

void GrpcPeerClient::TraceBatch(BatchCall& call) {
  const ItemTrace* first = nullptr;  // the batch belongs to its first sampled item's trace
  for (size_t i = 0; i < call.items.size(); ++i) {
    const ItemTrace* item = call.items[i].trace.get();
    if (item == nullptr) continue;
    // As Gubernator: the owner may continue each item's own trace.
    (*call.request.mutable_requests(static_cast<int>(i))
          ->mutable_metadata())[trace::kTraceparentHeader] = trace::FormatTraceparent(item->context);
    if (first == nullptr || (!first->context.sampled && item->context.sampled)) first = item;
  }
  if (first == nullptr) return;
  const int64_t now = tracer_->clock().NowNanos();
  trace::Span batch = tracer_->StartSpan("sluice.forward_batch", trace::SpanKind::kInternal,
                                         first->context, trace::TracingLevel::kInfo);
  batch.SetStartNanos(first->queued_ns);
  batch.SetAttribute("sluice.batch.size", call.items.size());
  batch.SetAttribute("sluice.batch.wait_us", (now - first->queued_ns) / 1000);
  batch.SetAttribute("server.address", peer_.grpc_address);
  call.span = trace::StartRpcSpan(tracer_, kGetPeerRateLimits, trace::SpanKind::kClient,
                                  batch.context(), trace::TracingLevel::kError);
  call.span.SetAttribute("server.address", peer_.grpc_address);
  call.span.SetAttribute("sluice.batch.size", call.items.size());
  batch.End();
  trace::InjectIntoGrpc(call.span.context(), call.context);
}

trace::Span GrpcPeerClient::StartGlobalSpan(std::string_view method, grpc::ClientContext& context,
                                            size_t items) {
  if (tracer_ == nullptr) return trace::Span();
  trace::Span span = trace::StartRpcSpan(tracer_, method, trace::SpanKind::kClient, std::nullopt,
                                         trace::TracingLevel::kError);
  span.SetAttribute("server.address", peer_.grpc_address);
  span.SetAttribute("sluice.items", items);
  trace::InjectIntoGrpc(span.context(), context);
  return span;
}

void GrpcPeerClient::SendRateLimits(std::vector<core::RateLimitRequest> requests, BatchDone done) {
  struct Call {
    grpc::ClientContext context;
    pb::gubernator::GetPeerRateLimitsReq request;
    pb::gubernator::GetPeerRateLimitsResp response;
    BatchDone done;
    trace::Span span;
  };
  auto call = std::make_shared<Call>();
  for (const auto& r : requests) ToProto(r, call->request.add_requests());
  call->done = std::move(done);
  call->context.set_deadline(DeadlineAfter(options_.global_timeout));
  const size_t n = requests.size();
  call->span = StartGlobalSpan(kGetPeerRateLimits, call->context, n);
  stub_->async()->GetPeerRateLimits(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call, n](grpc::Status status) {
        if (!status.ok()) {
          absl::Status failure = self->Failure("GetPeerRateLimits", status);
          call->span.SetError(std::string(failure.message()));
          call->span.End();
          std::move(call->done)(std::move(failure));
          return;
        }
        call->span.End();
        if (call->response.rate_limits_size() != static_cast<int>(n)) {
          std::move(call->done)(self->Failure(
              "GetPeerRateLimits", grpc::Status(grpc::StatusCode::INTERNAL, kWrongSize)));
          return;
        }
        std::vector<core::RateLimitResponse> out;
        out.reserve(n);
        for (const auto& r : call->response.rate_limits()) out.push_back(FromProto(r));
        std::move(call->done)(std::move(out));
      });
}

void GrpcPeerClient::UpdatePeerGlobals(std::vector<GlobalUpdate> updates, StatusDone done) {
  struct Call {
    grpc::ClientContext context;
    pb::gubernator::UpdatePeerGlobalsReq request;
    pb::gubernator::UpdatePeerGlobalsResp response;
    StatusDone done;
    trace::Span span;
  };
  auto call = std::make_shared<Call>();
  for (const auto& u : updates) ToProto(u, call->request.add_globals());
  call->done = std::move(done);
  call->context.set_deadline(DeadlineAfter(options_.global_timeout));
  call->span = StartGlobalSpan(kUpdatePeerGlobals, call->context, updates.size());
  stub_->async()->UpdatePeerGlobals(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call](grpc::Status status) {
        absl::Status result =
            status.ok() ? absl::OkStatus() : self->Failure("UpdatePeerGlobals", status);
        if (!result.ok()) call->span.SetError(std::string(result.message()));
        call->span.End();
        std::move(call->done)(std::move(result));
      });
}

absl::Status GrpcPeerClient::Failure(std::string_view method, const grpc::Status& status) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string raw =
      status.error_code() == grpc::StatusCode::INTERNAL && status.error_message() == kWrongSize
          ? std::string(kWrongSize)
          : absl::StrCat(absl::StatusCodeToString(code), ": ", status.error_message());
  const int64_t now = clock_.NowMillis();
  uint64_t unlogged = 0;
  bool log = false;
  {
    absl::MutexLock lock(&errors_mu_);
    ++failures_since_log_;
    if (last_logged_ms_ < 0 || now - last_logged_ms_ >= kFailureLogPeriodMs) {
      log = true;
      unlogged = failures_since_log_ - 1;
      failures_since_log_ = 0;
      last_logged_ms_ = now;
    }
    errors_.insert_or_assign(raw, now);
    if (errors_.size() > kMaxRecordedErrors) {
      auto oldest =
          std::min_element(errors_.begin(), errors_.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; });
      errors_.erase(oldest);
    }
  }
  if (log) {
    spdlog::warn("cluster: {} to peer {} failed: {}{}", method, peer_.grpc_address, raw,
                 unlogged == 0 ? std::string()
                               : absl::StrCat(" (and ", unlogged, " more failures in the last ",
                                              kFailureLogPeriodMs / 1000, " s)"));
  }
  return absl::Status(
      code, absl::StrCat(std::string(method), " to peer ", peer_.grpc_address, ": ", raw));
}

std::vector<std::string> GrpcPeerClient::ErrorsSince(int64_t since) const {
  std::vector<std::pair<int64_t, std::string>> recent;
  {
    absl::MutexLock lock(&errors_mu_);
    for (const auto& [message, at] : errors_) {
      if (at >= since) recent.emplace_back(at, message);
    }
  }
  std::sort(recent.begin(), recent.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  out.reserve(recent.size());
  for (auto& [at, message] : recent) out.push_back(std::move(message));
  return out;
}

void GrpcPeerClient::Shutdown() {
  std::vector<Pending> queued;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return;
    shutdown_ = true;
    queued.swap(queue_);
  }
  for (Pending& item : queued) {
    std::move(item.done)(absl::CancelledError(
        absl::StrCat("peer client for ", peer_.grpc_address, " is shut down")));
  }
}

PeerClientFactory MakeGrpcPeerClientFactory(PeerClientOptions options, const core::Clock& clock,
                                            const PeerClientMetrics* metrics,
                                            PeerChannelSecurity security,
                                            const trace::Tracer* tracer) {
  auto credentials =
      security.credentials ? security.credentials : grpc::InsecureChannelCredentials();
  return [options, &clock, metrics, credentials, tracer,
          server_name = security.tls_server_name](const PeerInfo& peer)
             -> std::shared_ptr<PeerClient> {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(1 << 20);
    args.SetMaxSendMessageSize(1 << 20);
    // A restarted peer is reachable again within a second; a dead one fails calls fast.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    if (!server_name.empty()) args.SetSslTargetNameOverride(server_name);
    auto channel = grpc::CreateCustomChannel(peer.grpc_address, credentials, args);
    return GrpcPeerClient::Create(peer, std::move(channel), options, clock, metrics, tracer);
  };
}

}  // namespace sluice::cluster
