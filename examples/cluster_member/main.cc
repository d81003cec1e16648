// A small gRPC service that is also a member of a Sluice cluster: its own server carries its own
// service (here the standard grpc.health.v1, standing in for the program's API) and Sluice's
// services (Gubernator V1 and PeersV1, Envoy's RateLimitService) registered by a
// sluice::ClusterMember. The program decides its own callers' limits with ClusterMember::Check,
// which counts each key at its owner in the cluster, as a call to any Sluice node would.
//
// Run:
//   cluster_member serve ADDRESS [SLUICE FLAGS...]   serve on ADDRESS (host:port) until SIGINT or
//       SIGTERM, e.g. cluster_member serve 127.0.0.1:9001 --peers=127.0.0.1:9001,127.0.0.1:9002
//   cluster_member demo    two members on 127.0.0.1 form a cluster; the first checks 40 keys,
//       those the second owns are forwarded to it, and the second's counts are checked.
// Exits 0 when every decision is the one expected.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <netinet/in.h>
#include <signal.h>
#include <sluice/cluster_member.h>
#include <sluice/version.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

// One process's server: the program's own services and a cluster member's, on one listener.
class Service {
 public:
  // Builds the member, registers everything on one builder and starts serving; then joins.
  static std::unique_ptr<Service> Start(const std::string& address,
                                        std::vector<std::string> settings) {
    auto service = std::unique_ptr<Service>(new Service);
    sluice::Status created = sluice::ClusterMember::Create(
        {.advertise_address = address, .settings = std::move(settings)}, &service->member_);
    if (!created.ok()) {
      std::fprintf(stderr, "member on %s: %s\n", address.c_str(), created.message().c_str());
      return nullptr;
    }
    grpc::EnableDefaultHealthCheckService(true);  // the program's own service
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    service->member_->RegisterServices(builder);
    service->server_ = builder.BuildAndStart();
    if (!service->server_) {
      std::fprintf(stderr, "cannot listen on %s\n", address.c_str());
      return nullptr;
    }
    if (sluice::Status joined = service->member_->Join(); !joined.ok()) {
      std::fprintf(stderr, "join: %s\n", joined.message().c_str());
      return nullptr;
    }
    return service;
  }

  ~Service() {
    if (!member_) return;
    member_->Leave();
    if (server_) server_->Shutdown();
    member_->Stop();
  }

  sluice::ClusterMember& member() { return *member_; }

 private:
  Service() = default;
  std::unique_ptr<sluice::ClusterMember> member_;
  std::unique_ptr<grpc::Server> server_;
};

// A port no one listens on now (the kernel's choice for a socket bound to port 0).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

sluice::Request Hit(const std::string& key, int64_t hits) {
  return {.name = "api_calls", .unique_key = key, .hits = hits, .limit = 10,
          .duration = 60'000};
}

int Demo() {
  const std::string a = "127.0.0.1:" + std::to_string(FreePort());
  const std::string b = "127.0.0.1:" + std::to_string(FreePort());
  // fnv1a: Gubernator's default fnv1 can give one of two loopback ports almost no keys.
  const std::vector<std::string> settings = {"--peers=" + a + "," + b, "--peer-picker-hash=fnv1a"};
  auto first = Service::Start(a, settings);
  auto second = Service::Start(b, settings);
  if (!first || !second) return 1;

  // Three hits on each of 40 keys, asked of the first member only; more batches of fresh keys
  // while the second owns none yet (the ring over two loopback ports can be very uneven).
  int forwarded = 0;
  int wrong = 0;
  int asked = 0;
  for (int batch = 0; batch < 25 && forwarded == 0; ++batch) {
    std::vector<sluice::Request> requests;
    for (int i = 0; i < 40; ++i) {
      requests.push_back(Hit("customer-" + std::to_string(batch * 40 + i), 3));
    }
    std::vector<sluice::RoutedAnswer> answers = first->member().Check(requests);
    asked += static_cast<int>(answers.size());
    for (size_t i = 0; i < answers.size(); ++i) {
      const sluice::RoutedAnswer& routed = answers[i];
      if (!routed.answer.error.empty() || routed.answer.remaining != 7) {
        std::fprintf(stderr, "%s: unexpected answer (remaining %lld, error '%s')\n",
                     requests[i].unique_key.c_str(),
                     static_cast<long long>(routed.answer.remaining),
                     routed.answer.error.c_str());
        ++wrong;
        continue;
      }
      if (routed.owner != b) continue;  // the first member owns it
      ++forwarded;
      // The second member owns the key, so it holds the count: a read there sees the 3 hits.
      const std::vector<sluice::Request> read = {Hit(requests[i].unique_key, 0)};
      const sluice::RoutedAnswer there = second->member().Check(read)[0];
      if (!there.owner.empty() || there.answer.remaining != 7) {
        std::fprintf(stderr, "%s: the owner %s does not hold the count (remaining %lld)\n",
                     requests[i].unique_key.c_str(), b.c_str(),
                     static_cast<long long>(there.answer.remaining));
        ++wrong;
      }
    }
  }
  std::printf("sluice %s: members %s and %s; %d of %d keys forwarded to %s and counted there\n",
              SLUICE_VERSION, a.c_str(), b.c_str(), forwarded, asked, b.c_str());
  if (forwarded == 0) {
    std::fprintf(stderr, "no key was forwarded: the members do not form a cluster\n");
    return 1;
  }
  return wrong == 0 ? 0 : 1;
}

int Serve(const std::string& address, std::vector<std::string> settings) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
  auto service = Service::Start(address, std::move(settings));
  if (!service) return 1;
  std::printf("serving on %s\n", address.c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "demo") return Demo();
  if (command == "serve" && argc > 2) {
    return Serve(argv[2], std::vector<std::string>(argv + 3, argv + argc));
  }
  std::fprintf(stderr, "usage: cluster_member demo | serve ADDRESS [SLUICE FLAGS...]\n");
  return 2;
}
