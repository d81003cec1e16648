// FreeLoopbackPort: a port on 127.0.0.1 that was free a moment ago, for TCP or UDP. Header-only:
// unit tests in src/ and the integration tests share it.
//
// Why not the kernel's pick for port 0: that lies in the ephemeral range, where every outgoing
// connection on the machine takes its local port too, so between the moment a test learns the
// port and the moment sluice binds it any connect() may take it ("Address already in use" at
// start-up, seen in parallel test runs on a busy machine). Ports below the ephemeral range are
// only ever taken by an explicit bind, so the port is picked there at random and checked to bind
// over both TCP and UDP (mesh nodes use both). interop/freeport does the same for the Go suites.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>

namespace sluice::testing {

namespace free_port_internal {

// Binds 127.0.0.1:`port` (0: the kernel's pick) with `type`; the bound port, or 0.
inline int Bind(int type, int port) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  int bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  }
  close(fd);
  return bound;
}

// The first port of the kernel's ephemeral range (Linux's default when unreadable).
inline int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  int high = 0;
  if (range >> low >> high && low > 0) return low;
  return 32768;
}

}  // namespace free_port_internal

inline int FreeLoopbackPort(int type = SOCK_STREAM) {
  using free_port_internal::Bind;
  constexpr int kLow = 10000;
  const int high = free_port_internal::EphemeralLow();
  if (high - kLow >= 1000) {
    static thread_local std::mt19937 random{std::random_device{}()};
    std::uniform_int_distribution<int> pick(kLow, high - 1);
    for (int attempt = 0; attempt < 200; ++attempt) {
      const int port = pick(random);
      if (Bind(SOCK_STREAM, port) == port && Bind(SOCK_DGRAM, port) == port) return port;
    }
  }
  return Bind(type, 0);
}

}  // namespace sluice::testing
