#include "server/port_reservation.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/host_port.h"

namespace sluice::server {

namespace {

struct BoundSocket {
  int fd;
  int port;
};

// Binds a TCP socket to the first address `host` resolves to that can be bound on `port` (0: a
// port the kernel picks), with SO_REUSEPORT when `reuse_port`. An error's message is the reason
// alone ("Address already in use"); callers name what they were doing.
absl::StatusOr<BoundSocket> BindFirst(const std::string& host, int port, bool reuse_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  // A wildcard host is null for getaddrinfo (AI_PASSIVE then gives the wildcard address).
  const bool wildcard = common::IsWildcardHost(host);
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(wildcard ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot resolve it: ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    const int on = 1;
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    if ((!reuse_port || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == 0) &&
        bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
      const int bound_port = bound.ss_family == AF_INET6
                                 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                 : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      freeaddrinfo(found);
      return BoundSocket{fd, bound_port};
    }
    last_error = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return absl::UnavailableError(last_error);
}

}  // namespace

absl::StatusOr<PortReservation> PortReservation::Reserve(const std::string& host) {
  auto bound = BindFirst(host, 0, /*reuse_port=*/true);
  if (!bound.ok()) {
    return absl::Status(bound.status().code(), absl::StrCat("cannot reserve a port on '", host,
                                                            "': ", bound.status().message()));
  }
  return PortReservation(bound->fd, bound->port);
}

absl::Status PortReservation::CheckBindable(const std::string& host, int port) {
  auto bound = BindFirst(host, port, /*reuse_port=*/false);
  if (!bound.ok()) return bound.status();
  close(bound->fd);
  return absl::OkStatus();
}

PortReservation::PortReservation(PortReservation&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

PortReservation& PortReservation::operator=(PortReservation&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
  }
  return *this;
}

PortReservation::~PortReservation() { Release(); }

void PortReservation::Release() {
  if (fd_ >= 0) close(std::exchange(fd_, -1));
}

}  // namespace sluice::server
