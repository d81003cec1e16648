// GrpcPeerClient: the PeerClient over one gRPC channel to a peer's PeersV1 service, with
// Gubernator's forwarding batches (reference/gubernator.md §3.4).
//
// Batching: Forward() queues the item; the queue is sent as one GetPeerRateLimits call when it
// holds `batch_limit` items (sent at once, on the caller's thread) or `batch_wait` after its
// first item was queued (sent by the client's batcher thread). A NO_BATCHING request, or every
// request when `disable_batching` is set, is sent alone at once. Every forwarding RPC has the
// `batch_timeout` deadline; answers are matched by index and a reply of the wrong length fails
// every item of its batch with "server responded with incorrect rate limit list size".
//
// Tracing (with a tracer): a forwarded item remembers the trace context active on the thread that
// called Forward (the door's routing span) and carries it to the owner as Gubernator does, in the
// item's `traceparent` metadata. Each forwarding RPC records the batch it sent (a span from the
// first item's queueing to the send, under that item's context: size and wait) and the peer call
// (a client span whose context goes in the call's gRPC metadata, so the owner's server span is
// its child). GLOBAL hit sends and broadcasts are client spans of their own traces.
//
// Nothing blocks while a peer answers: RPCs use gRPC's callback API and callbacks run on gRPC's
// threads. Transport errors are recorded with the clock's time for health (ErrorsSince: at most
// 100 distinct messages, each with its latest time).
//
// Threads: one batcher thread per client, which sleeps until the first queued item's wait is
// over. The last reference may be dropped on any thread: the client is then destroyed on a
// process-wide reaper thread (never inside a gRPC callback). Thread safety: as PeerClient.
#pragma once

#include <grpcpp/security/credentials.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/cluster_metrics.h"
#include "cluster/peer_client.h"
#include "cluster/peer_client_options.h"
#include "core/clock.h"
#include "peers.grpc.pb.h"
#include "trace/tracer.h"

namespace sluice::cluster {

class GrpcPeerClient final : public PeerClient,
                             public std::enable_shared_from_this<GrpcPeerClient> {
 public:
  // `channel` connects to peer.grpc_address. `clock` (for error times) and `metrics` (may be
  // null) must outlive the client. Options must be valid (ValidatePeerClientOptions).
  // `tracer` (may be null: no tracing) must outlive the client too.
  static std::shared_ptr<GrpcPeerClient> Create(PeerInfo peer,
                                                std::shared_ptr<grpc::ChannelInterface> channel,
                                                PeerClientOptions options, const core::Clock& clock,
                                                const PeerClientMetrics* metrics = nullptr,
                                                const trace::Tracer* tracer = nullptr);
  ~GrpcPeerClient() override;

  const PeerInfo& info() const override { return peer_; }
  void Forward(core::RateLimitRequest request, ItemDone done) override;
  void SendRateLimits(std::vector<core::RateLimitRequest> requests, BatchDone done) override;
  void UpdatePeerGlobals(std::vector<GlobalUpdate> updates, StatusDone done) override;
  std::vector<std::string> ErrorsSince(int64_t since) const override;
  void Shutdown() override;

 private:
  // The trace of a forwarded item: the context it was forwarded under and when it was queued.
  struct ItemTrace {
    trace::TraceContext context;
    int64_t queued_ns = 0;
  };
  struct Pending {
    core::RateLimitRequest request;
    ItemDone done;
    std::unique_ptr<ItemTrace> trace;  // null when the call is not traced
  };
  struct BatchCall;

  GrpcPeerClient(PeerInfo peer, std::shared_ptr<grpc::ChannelInterface> channel,
                 PeerClientOptions options, const core::Clock& clock,
                 const PeerClientMetrics* metrics, const trace::Tracer* tracer);

  void BatcherLoop();
  // Sends `items` as one forwarding RPC; `items` is non-empty.
  void SendBatch(std::vector<Pending> items);
  void FinishBatch(BatchCall& call, const grpc::Status& status);
  // Tags the batch's items with their contexts and starts the batch and peer-call spans.
  void TraceBatch(BatchCall& call);
  // A client span for a GLOBAL call, its context added to `context`'s metadata.
  trace::Span StartGlobalSpan(std::string_view method, grpc::ClientContext& context,
                              size_t items);
  // Records a transport failure for health and returns it as a status naming the peer.
  absl::Status Failure(std::string_view method, const grpc::Status& status);

  const PeerInfo peer_;
  const PeerClientOptions options_;
  const core::Clock& clock_;
  const PeerClientMetrics* const metrics_;  // may be null
  const trace::Tracer* const tracer_;
  std::unique_ptr<pb::gubernator::PeersV1::Stub> stub_;

  mutable absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  absl::Time batch_deadline_ ABSL_GUARDED_BY(mu_);  // when queue_'s batch is due; set with it
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;

  mutable absl::Mutex errors_mu_;
  std::map<std::string, int64_t> errors_ ABSL_GUARDED_BY(errors_mu_);  // message -> latest ms
  int64_t last_logged_ms_ ABSL_GUARDED_BY(errors_mu_) = -1;  // when a failure was last logged
  uint64_t failures_since_log_ ABSL_GUARDED_BY(errors_mu_) = 0;


  std::thread batcher_;
};

// How peers are dialled: plaintext by default, or TLS with these credentials. A non-empty
// `tls_server_name` is the name expected in every peer's certificate instead of its host.
struct PeerChannelSecurity {
  std::shared_ptr<grpc::ChannelCredentials> credentials;  // null = plaintext
  std::string tls_server_name;
};

// A factory that dials each peer's grpc_address (1 MiB messages, fast reconnect backoff) and
// wraps the channel in a GrpcPeerClient.
PeerClientFactory MakeGrpcPeerClientFactory(PeerClientOptions options, const core::Clock& clock,
                                            const PeerClientMetrics* metrics = nullptr,
                                            PeerChannelSecurity security = {},
                                            const trace::Tracer* tracer = nullptr);

}  // namespace sluice::cluster
