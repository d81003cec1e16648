// PortReservation: a free TCP port held for a listener that binds it a moment later. A node
// asked to listen on port 0 must know its port before the listener starts (peers and the mesh
// are told the advertise address first), and gRPC 1.51 can neither take an already bound socket
// nor report its port before BuildAndStart. Binding port 0 and closing the socket again left a
// window in which another process could take the port. A reservation instead keeps its socket
// bound, with SO_REUSEPORT, until the listener has bound the same port (the node lets gRPC set
// SO_REUSEPORT for a reserved port only, so it may share it); meanwhile no other socket can bind
// it unless it also sets SO_REUSEPORT under the same user. The reserved socket never listens, so
// it accepts no connection. An explicit port gets no reservation and no SO_REUSEPORT: a second
// process asking for it fails to start instead of sharing its connections.
//
// Thread safety: a value owned by one thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace sluice::server {

class PortReservation {
 public:
  // Binds `host` (an IP literal, a name, or a wildcard: "", "0.0.0.0", "::") on a port the
  // kernel picks. Fails when the host does not resolve or nothing can be bound.
  static absl::StatusOr<PortReservation> Reserve(const std::string& host);
  // Whether a listener that does not share ports could bind `host`:`port` now: OK, or the
  // reason it cannot ("Address already in use"). Explains a listener that failed to start.
  static absl::Status CheckBindable(const std::string& host, int port);

  PortReservation(PortReservation&& other) noexcept;
  PortReservation& operator=(PortReservation&& other) noexcept;
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;
  ~PortReservation();  // Release()

  int port() const { return port_; }
  // Closes the socket; call once the listener holds the port. Idempotent.
  void Release();

 private:
  PortReservation(int fd, int port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace sluice::server
