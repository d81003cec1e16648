// SIGTERM under load from the clients operators actually run: h2load (gRPC over HTTP/2), wrk
// (HTTP/1.1 keep-alive) and a gRPC C++ client at once. The node must answer every call it
// received, tell HTTP/2 clients to go away (GOAWAY) and HTTP/1.1 clients to close
// (`Connection: close`), and exit 0 within --drain-timeout.
//
// What counts as failed: an h2load request the node received that failed, errored or timed out,
// or that was answered with an error (h2load counts any HTTP 200 as succeeded; a gRPC error on a
// call with no answer yet comes as Trailers-Only, a grpc-status in the response headers, which
// h2load -v prints: an answer's own grpc-status comes in trailers, which it does not); a wrk read
// error, timeout or non-2xx answer; a gRPC call with any status but OK. Not failed: a gRPC call refused with UNAVAILABLE "failed to connect" (the
// node had stopped accepting, so it never received it); wrk's reconnects after the node stopped
// accepting, which wrk reports as connect/write errors and which carry no request the node
// received.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gubernator.grpc.pb.h"
#include "testing/child_process.h"
#include "testing/cluster_harness.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

bool OnPath(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A load generator running as a child process with its output in a file.
class LoadProcess {
 public:
  explicit LoadProcess(std::vector<std::string> args) {
    char path[] = "/tmp/sluice-load-XXXXXX";
    int fd = mkstemp(path);
    path_ = path;
    pid_ = testing::SpawnChild(std::move(args), fd);
    close(fd);
  }
  ~LoadProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(path_.c_str());
  }
  // Waits for the process to end; returns its output.
  std::string Finish() {
    int status = 0;
    if (pid_ > 0) waitpid(pid_, &status, 0);
    pid_ = -1;
    return Slurp(path_);
  }

 private:
  pid_t pid_ = -1;
  std::string path_;
};

// The integer right after `prefix` in `text` ("read " in "read 3"), or -1 when absent.
long NumberAfter(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::strtol(text.c_str() + at + prefix.size(), nullptr, 10);
}

// How many times `needle` occurs in `text`.
long Occurrences(const std::string& text, const std::string& needle) {
  long n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The integer right before `suffix` in `text` ("3" in "3 failed"), or -1 when absent.
long NumberBefore(const std::string& text, const std::string& suffix) {
  size_t end = text.find(suffix);
  if (end == std::string::npos) return -1;
  size_t start = end;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
  return start == end ? -1 : std::stol(text.substr(start, end - start));
}

// h2load's --log-file: one line per request that ended, "<start, µs since the epoch>\t<HTTP
// status, or -1 if it failed>\t<µs>". The start is taken as the request is sent, so a request
// h2load queued but never sent is logged with start 0: once a GOAWAY has arrived, h2load's HTTP/2
// library (nghttp2) refuses to open the streams still in its queue (REFUSED_STREAM: never sent,
// safe to retry, RFC 9113 §8.7), and h2load counts them as failed.
struct H2loadRequests {
  long answered = 0;      // HTTP 200
  long failed_sent = 0;   // sent to the node, and failed or answered other than 200
  long never_sent = 0;    // failed in h2load before it was sent
};

H2loadRequests ReadH2loadLog(const std::string& path) {
  H2loadRequests requests;
  std::ifstream in(path);
  long long start = 0;
  long status = 0;
  long long micros = 0;
  while (in >> start >> status >> micros) {
    if (status == 200) {
      ++requests.answered;
    } else if (start == 0) {
      ++requests.never_sent;
    } else {
      ++requests.failed_sent;
    }
  }
  return requests;
}

// A gRPC body file for h2load: one uncompressed message frame carrying a GetRateLimitsReq.
std::string WriteGrpcBody() {
  pb::gubernator::GetRateLimitsReq req;
  auto* r = req.add_requests();
  r->set_name("drain");
  r->set_unique_key("h2load");
  r->set_hits(1);
  r->set_limit(1'000'000'000);
  r->set_duration(3'600'000);
  std::string message = req.SerializeAsString();
  std::string frame(5, '\0');
  for (int i = 0; i < 4; ++i) frame[1 + i] = static_cast<char>((message.size() >> (24 - 8 * i)) & 0xff);
  frame += message;
  char path[] = "/tmp/sluice-h2load-body-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_EQ(write(fd, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
  close(fd);
  return path;
}

// gRPC C++ clients calling GetRateLimits in a loop on their own channels until stopped,
// tallying the statuses. Client c uses its own share of `keys` in turn.
class GrpcLoad {
 public:
  GrpcLoad(const std::string& address, int clients, std::vector<std::string> keys,
           std::shared_ptr<grpc::ChannelCredentials> credentials =
               grpc::InsecureChannelCredentials())
      : keys_(std::move(keys)), per_client_(std::max<size_t>(1, keys_.size() / clients)) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, address, c, credentials] {
        grpc::ChannelArguments args;
        args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
        auto stub = pb::gubernator::V1::NewStub(
            grpc::CreateCustomChannel(address, credentials, args));
        for (int i = 0; !stop_.load(); ++i) Call(*stub, c, i);
      });
    }
  }
  ~GrpcLoad() { Stop(); }
  void Stop() {
    stop_.store(true);
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int ok() const { return ok_.load(); }
  int refused() const { return refused_.load(); }
  // Calls that failed: "CODE message" → count.
  std::map<std::string, int> failures() {
    std::lock_guard lock(mu_);
    return failures_;
  }
  int failed_count() {
    int n = 0;
    for (const auto& [unused, count] : failures()) n += count;
    return n;
  }

 private:
  void Call(pb::gubernator::V1::Stub& stub, int client, int i) {
    pb::gubernator::GetRateLimitsReq req;
    auto* r = req.add_requests();
    r->set_name("drain");
    r->set_unique_key(keys_[(client * per_client_ + i % per_client_) % keys_.size()]);
    r->set_hits(1);
    r->set_limit(1'000'000'000);
    r->set_duration(3'600'000);
    pb::gubernator::GetRateLimitsResp resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    grpc::Status status = stub.GetRateLimits(&ctx, req, &resp);
    if (status.ok() && resp.responses_size() == 1 && resp.responses(0).error().empty()) {
      ok_.fetch_add(1);
      return;
    }
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        status.error_message().find("failed to connect") != std::string::npos) {
      // Refused: the node stopped accepting (or exited), so it never received this call.
      refused_.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return;
    }
    {
      std::lock_guard lock(mu_);
      failures_[std::to_string(status.error_code()) + " " + status.error_message() +
                (status.ok() ? " item: " + (resp.responses_size() ? resp.responses(0).error() : "") : "")]++;
    }
    // A failed call is retried after a pause, as gRPC's retry policy would, not in the same
    // instant; so each client has one call on the wire when the shutdown begins, the one the
    // bound below counts, and not a second sent before it read the GOAWAY.
    if (!status.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  const std::vector<std::string> keys_;
  const size_t per_client_;
  std::atomic<bool> stop_{false};
  std::atomic<int> refused_{0};
  std::atomic<int> ok_{0};
  std::mutex mu_;
  std::map<std::string, int> failures_;
  std::vector<std::thread> threads_;
};

// SIGTERM to `node`, then its exit: the exit code (-1 if it did not exit within 30 s) and how
// long it took.
struct Stopped {
  int exit_code;
  long long ms;
};
Stopped Sigterm(testing::SluiceProcess& node) {
  const auto sigterm = Clock::now();
  node.Signal(SIGTERM);
  const int exit_code = node.Wait(30'000);
  return {exit_code,
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sigterm).count()};
}

std::string Describe(const std::map<std::string, int>& failures) {
  std::string out;
  for (const auto& [what, count] : failures) out += std::to_string(count) + "x " + what + "; ";
  return out;
}

TEST(DrainTest, SigtermUnderH2loadWrkAndGrpcLoad) {
  if (!OnPath("h2load") || !OnPath("wrk")) GTEST_SKIP() << "needs h2load and wrk (scripts/install-deps.sh)";
  testing::SluiceProcess node(testing::SluiceProcess::Options{
      .extra_args = {"--drain-timeout", "10", "--http-threads", "2"}});
  ASSERT_TRUE(node.ready());
  const std::string body = WriteGrpcBody();
  const std::string grpc_url = "http://" + node.grpc_address() + "/pb.gubernator.V1/GetRateLimits";

  char h2load_log[] = "/tmp/sluice-h2load-log-XXXXXX";
  close(mkstemp(h2load_log));
  // -v prints every response's headers ("[stream_id=N] :status: 200"), not its trailers.
  LoadProcess h2load({"h2load", "-v", "--log-file", h2load_log, "-t1", "-c4", "-m20", "-D", "6",
                      "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers",
                      grpc_url});
  LoadProcess wrk({"wrk", "-t1", "-c8", "-d6s", "--timeout", "15s", "-s",
                   std::string(SLUICE_SOURCE_DIR) + "/bench/wrk_post.lua",
                   node.http_url() + "/v1/GetRateLimits"});
  std::vector<std::string> keys;
  for (int i = 0; i < 400; ++i) keys.push_back("grpc" + std::to_string(i));
  GrpcLoad grpc(node.grpc_address(), 4, std::move(keys));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const int ok_before = grpc.ok();

  const auto [exit_code, stop_ms] = Sigterm(node);
  grpc.Stop();
  const std::string h2 = h2load.Finish();
  const std::string w = wrk.Finish();
  unlink(body.c_str());
  const H2loadRequests h2_requests = ReadH2loadLog(h2load_log);
  unlink(h2load_log);

  const size_t summary_at = h2.find("\nfinished in");
  const std::string h2_summary = h2.substr(summary_at == std::string::npos ? 0 : summary_at);
  // A Trailers-Only answer: the call failed before it had a response (CANCELLED, UNAVAILABLE).
  const long h2_errors = Occurrences(h2, "] grpc-status: ");
  std::printf("gRPC clients: %d ok, %d refused, failed: %s; stopped in %lld ms\n"
              "h2load: %ld answered, %ld of them with an error (Trailers-Only); %ld sent and "
              "failed; %ld refused by h2load before it sent them%s\n",
              grpc.ok(), grpc.refused(), Describe(grpc.failures()).c_str(),
              stop_ms, h2_requests.answered, h2_errors,
              h2_requests.failed_sent, h2_requests.never_sent, h2_summary.c_str());
  EXPECT_EQ(exit_code, 0) << node.Output();
  EXPECT_LT(stop_ms, 10'000) << "the drain took the whole --drain-timeout";
  EXPECT_GT(ok_before, 0);
  EXPECT_EQ(grpc.failed_count(), 0) << Describe(grpc.failures());

  // h2load: "requests: N total, N started, N done, S succeeded, F failed, E errored, T timeout"
  const long succeeded = NumberBefore(h2_summary, " succeeded");
  EXPECT_GT(succeeded, 0) << h2_summary;
  EXPECT_EQ(h2_requests.answered, succeeded) << h2_summary;
  EXPECT_EQ(h2_requests.failed_sent, 0) << h2_summary;
  EXPECT_EQ(h2_errors, 0) << h2_summary;
  // h2load's only failures are the requests it refused itself after the GOAWAY: the node never
  // received them (h2load does not retry them; a gRPC client does, transparently).
  EXPECT_EQ(NumberBefore(h2_summary, " failed"), h2_requests.never_sent) << h2_summary;
  EXPECT_EQ(NumberBefore(h2_summary, " timeout"), 0) << h2_summary;

  // wrk prints "Socket errors: ..." and "Non-2xx or 3xx responses: N" only when non-zero.
  EXPECT_GT(NumberAfter(w, "requests="), 0) << w;
  const long read_errors = NumberAfter(w, "read ");
  const long timeouts = NumberAfter(w, "timeout ");
  EXPECT_TRUE(read_errors <= 0) << w;
  EXPECT_TRUE(timeouts <= 0) << w;
  EXPECT_EQ(NumberAfter(w, "Non-2xx or 3xx responses: "), -1) << w;
}

// The same over TLS (--tls-auto; the clients skip verification): the GOAWAY is the transport's,
// under TLS as in the clear, so no call the node received fails.
TEST(DrainTest, SigtermUnderTlsGrpcLoad) {
  testing::SluiceProcess node(
      testing::SluiceProcess::Options{.extra_args = {"--drain-timeout", "10", "--tls-auto"}});
  ASSERT_TRUE(node.ready());
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_verify_server_certs(false);
  tls.set_check_call_host(false);
  tls.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  std::vector<std::string> keys;
  for (int i = 0; i < 400; ++i) keys.push_back("tls" + std::to_string(i));
  GrpcLoad grpc(node.grpc_address(), 4, std::move(keys), grpc::experimental::TlsCredentials(tls));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const int ok_before = grpc.ok();
  const auto [exit_code, stop_ms] = Sigterm(node);
  grpc.Stop();
  std::printf("TLS gRPC clients: %d ok, %d refused, failed: %s; stopped in %lld ms\n", grpc.ok(),
              grpc.refused(), Describe(grpc.failures()).c_str(), stop_ms);
  EXPECT_EQ(exit_code, 0) << node.Output();
  EXPECT_LT(stop_ms, 10'000) << "the drain took the whole --drain-timeout";
  EXPECT_GT(ok_before, 0);
  EXPECT_EQ(grpc.failed_count(), 0) << Describe(grpc.failures());
}

// A node forwards to an owner that is stopping. Every call the forwarder receives is answered:
// each item with the owner's decision, or, once the owner no longer accepts (static peers keep
// it in the ring), with an error saying the peer could not be reached. A forward the owner
// received is answered by it, none is lost to its drain, and the owner exits 0 quickly.
TEST(DrainTest, ForwardsToADrainingOwnerAreAnswered) {
  testing::ClusterHarness cluster(
      testing::ClusterHarness::Options{.nodes = 3, .extra_args = {"--drain-timeout", "10"}});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy());
  constexpr int kOwner = 1;
  std::vector<std::string> keys;  // all owned by node 1, all sent to node 0
  for (int i = 0; keys.size() < 40; ++i) {
    const std::string key = "fwd" + std::to_string(i);
    if (cluster.OwnerOf("drain", key) == kOwner) keys.push_back(key);
  }
  GrpcLoad forwarded(cluster.node(0).grpc_address(), 4, keys);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const int ok_before = forwarded.ok();
  const auto [exit_code, stop_ms] = Sigterm(cluster.node(kOwner));
  const int ok_at_exit = forwarded.ok();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // forwards to an owner that is gone
  forwarded.Stop();

  EXPECT_EQ(exit_code, 0) << cluster.node(kOwner).Output();
  EXPECT_LT(stop_ms, 10'000) << "the owner's drain took the whole --drain-timeout";
  EXPECT_GT(ok_before, 0);
  int unreachable = 0;
  int cancelled = 0;
  for (const auto& [what, count] : forwarded.failures()) {
    // "0 " is a call answered OK whose item carries an error; anything else failed the call.
    ASSERT_EQ(what.rfind("0 ", 0), 0u) << "a call to the forwarder failed: " << what;
    if (what.find("CANCELLED") != std::string::npos) {
      cancelled += count;
    } else {
      ASSERT_NE(what.find("UNAVAILABLE: failed to connect"), std::string::npos) << what;
      unreachable += count;
    }
  }
  // A forward the owner cancelled is retried by the forwarder (cluster_router.cc), so it ends
  // as a decision or an unreachable item; the retry counter is what shows it.
  const double retried = cluster.Metric(0, "sluice_peer_retries_total");
  std::printf("forwarded: %d answered before SIGTERM, %d by the owner's exit (%lld ms), %d total; "
              "item errors: %d unreachable, %d cancelled; forwards retried: %.0f\n",
              ok_before, ok_at_exit, stop_ms, forwarded.ok(), unreachable,
              cancelled, retried);
  EXPECT_GT(unreachable, 0) << "the load went on after the owner exited";
  EXPECT_EQ(cancelled, 0);
  // The owner answers every forward it received before it stops (its GOAWAY comes while it still
  // serves: grpc_goaway.h), so none comes back cancelled for the forwarder to retry.
  EXPECT_EQ(retried, 0);
}

// The forwarder is the one stopping: calls it received that are waiting on a slow owner (here
// SIGSTOPped) are finished by its drain, with the owner's decisions, once the owner answers.
// Each caller is a client with a connection of its own.
TEST(DrainTest, CallsWaitingOnAPeerFinishDuringTheDrain) {
  testing::ClusterHarness cluster(testing::ClusterHarness::Options{
      .nodes = 3, .extra_args = {"--drain-timeout", "20", "--batch-timeout", "15s"}});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy());
  constexpr int kForwarder = 0;
  constexpr int kOwner = 2;
  {  // the forwarder's channel to the owner is connected before the owner stops
    pb::gubernator::GetRateLimitsReq req;
    testing::AddRequest(req, "drain", cluster.KeyOwnedBy(kOwner, "drain", "warm"), 1, 10);
    pb::gubernator::GetRateLimitsResp resp;
    ASSERT_TRUE(cluster.GetRateLimits(kForwarder, req, &resp).ok());
    ASSERT_EQ(resp.responses(0).error(), "");
  }
  ASSERT_TRUE(testing::StopProcess(cluster.node(kOwner).pid()));
  std::vector<std::thread> callers;
  std::atomic<int> connected{0};
  std::vector<grpc::Status> statuses(4);
  std::vector<pb::gubernator::GetRateLimitsResp> replies(4);
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      pb::gubernator::GetRateLimitsReq req;
      testing::AddRequest(req, "drain", cluster.KeyOwnedBy(kOwner, "drain", "wait" + std::to_string(c)),
                          1, 10);
      grpc::ChannelArguments args;
      args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
      auto channel = grpc::CreateCustomChannel(cluster.node(kForwarder).grpc_address(),
                                               grpc::InsecureChannelCredentials(), args);
      channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
      connected.fetch_add(1);
      auto stub = pb::gubernator::V1::NewStub(channel);
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      statuses[c] = stub->GetRateLimits(&ctx, req, &replies[c]);
    });
  }
  for (int i = 0; i < 2000 && connected.load() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(connected.load(), 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the calls wait on the owner
  cluster.node(kForwarder).Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // draining, still waiting
  EXPECT_EQ(cluster.node(kForwarder).Wait(0), -1) << "the forwarder exited with calls waiting";
  kill(cluster.node(kOwner).pid(), SIGCONT);
  for (auto& t : callers) t.join();
  EXPECT_EQ(cluster.node(kForwarder).Wait(20'000), 0) << cluster.node(kForwarder).Output();
  for (int c = 0; c < 4; ++c) {
    ASSERT_TRUE(statuses[c].ok()) << c << ": " << statuses[c].error_code() << " "
                                  << statuses[c].error_message() << " (forwarder "
                                  << cluster.node(kForwarder).grpc_address() << ", owner "
                                  << cluster.node(kOwner).grpc_address() << ")\n"
                                  << cluster.node(kForwarder).Output();
    ASSERT_EQ(replies[c].responses_size(), 1);
    EXPECT_EQ(replies[c].responses(0).error(), "") << c;
    EXPECT_EQ(replies[c].responses(0).remaining(), 9) << c;
  }
}

}  // namespace
}  // namespace sluice
