#include "server/port_reservation.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "gtest/gtest.h"

namespace sluice::server {
namespace {

// Binds 127.0.0.1:port with or without SO_REUSEPORT; 0 on success, else errno.
int BindLoopback(int port, bool reuse_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  const int on = 1;
  if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 0 : errno;
  close(fd);
  return rc;
}

TEST(PortReservationTest, HoldsThePortUntilReleased) {
  auto reservation = PortReservation::Reserve("127.0.0.1");
  ASSERT_TRUE(reservation.ok()) << reservation.status();
  const int port = reservation->port();
  ASSERT_GT(port, 0);
  // While reserved, a socket without SO_REUSEPORT (another program) cannot take the port ...
  EXPECT_EQ(BindLoopback(port, /*reuse_port=*/false), EADDRINUSE);
  // ... while the listener it is reserved for (gRPC sets SO_REUSEPORT) can bind it.
  EXPECT_EQ(BindLoopback(port, /*reuse_port=*/true), 0);
  reservation->Release();
  EXPECT_EQ(BindLoopback(port, /*reuse_port=*/false), 0);
}

TEST(PortReservationTest, MovedReservationKeepsThePort) {
  auto reservation = PortReservation::Reserve("127.0.0.1");
  ASSERT_TRUE(reservation.ok()) << reservation.status();
  PortReservation moved = std::move(*reservation);
  EXPECT_EQ(BindLoopback(moved.port(), /*reuse_port=*/false), EADDRINUSE);
}

TEST(PortReservationTest, WildcardAndIpv6Hosts) {
  for (const char* host : {"", "0.0.0.0"}) {
    auto reservation = PortReservation::Reserve(host);
    ASSERT_TRUE(reservation.ok()) << host << ": " << reservation.status();
    EXPECT_GT(reservation->port(), 0) << host;
  }
  auto v6 = PortReservation::Reserve("::1");
  if (v6.ok()) {  // hosts without IPv6 loopback refuse it: fine
    EXPECT_GT(v6->port(), 0);
  }
}

TEST(PortReservationTest, CheckBindableGivesTheReasonAPortIsTaken) {
  auto reservation = PortReservation::Reserve("127.0.0.1");
  ASSERT_TRUE(reservation.ok()) << reservation.status();
  absl::Status taken = PortReservation::CheckBindable("127.0.0.1", reservation->port());
  EXPECT_EQ(taken.message(), "Address already in use") << taken;
  const int port = reservation->port();
  reservation->Release();
  EXPECT_TRUE(PortReservation::CheckBindable("127.0.0.1", port).ok());
  EXPECT_EQ(BindLoopback(port, /*reuse_port=*/false), 0) << "the check does not keep the port";
}

TEST(PortReservationTest, UnresolvableHostIsAnErrorNamingIt) {
  auto reservation = PortReservation::Reserve("no-such-host.invalid");
  ASSERT_FALSE(reservation.ok());
  EXPECT_NE(reservation.status().message().find("no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace sluice::server
