#include "server/advertise_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::server {
namespace {

using ::testing::HasSubstr;

const std::vector<InterfaceAddress> kInterfaces = {
    {"lo", "127.0.0.1", true},   {"lo", "::1", true},          {"eth0", "fe80::1", false},
    {"eth0", "fd00::2", false},  {"eth0", "192.0.2.2", false}, {"eth1", "10.20.0.1", false},
};

// Routes as a kernel would for the interfaces above.
std::string Route(const std::string& host) {
  if (host.rfind("10.20.", 0) == 0) return "10.20.0.1";
  if (host.rfind("192.0.2.", 0) == 0) return "192.0.2.2";
  return "";  // no route
}

AdvertiseChoice Choose(const std::string& bind, std::vector<std::string> peers,
                       std::vector<InterfaceAddress> interfaces = kInterfaces) {
  return ChooseAdvertiseHost({.bind_host = bind,
                              .peer_hosts = std::move(peers),
                              .interfaces = std::move(interfaces),
                              .route_source = Route});
}

TEST(AdvertiseAddressTest, ABoundHostIsAdvertisedAsIs) {
  EXPECT_EQ(Choose("10.9.9.9", {"10.20.0.7"}).host, "10.9.9.9");
  EXPECT_EQ(Choose("127.0.0.1", {}).host, "127.0.0.1");
}

TEST(AdvertiseAddressTest, AWildcardAdvertisesTheInterfaceThatReachesThePeers) {
  auto choice = Choose("0.0.0.0", {"127.0.0.1", "10.20.0.7", "192.0.2.9"});
  EXPECT_EQ(choice.host, "10.20.0.1");
  EXPECT_EQ(choice.reason, "the address of interface eth1, which routes to 10.20.0.7");
  EXPECT_EQ(Choose("::", {"192.0.2.9"}).host, "192.0.2.2");
}

TEST(AdvertiseAddressTest, PeersAllOnLoopbackKeepLoopback) {
  auto choice = Choose("0.0.0.0", {"127.0.0.1", "localhost"});
  EXPECT_EQ(choice.host, "127.0.0.1");
  EXPECT_EQ(choice.reason, "every peer is on loopback");
}

TEST(AdvertiseAddressTest, WithoutARouteTheFirstNonLoopbackIPv4Address) {
  auto choice = Choose("0.0.0.0", {"203.0.113.1"});  // no route
  EXPECT_EQ(choice.host, "192.0.2.2");
  EXPECT_THAT(choice.reason, HasSubstr("first non-loopback address (interface eth0)"));
  EXPECT_EQ(Choose("", {}).host, "192.0.2.2");
  // IPv6 only when there is no IPv4 address; link-local never.
  EXPECT_EQ(Choose("", {}, {{"lo", "127.0.0.1", true}, {"eth0", "fe80::1", false},
                            {"eth0", "fd00::2", false}})
                .host,
            "fd00::2");
  auto nothing = Choose("0.0.0.0", {}, {{"lo", "127.0.0.1", true}});
  EXPECT_EQ(nothing.host, "127.0.0.1");
  EXPECT_EQ(nothing.reason, "this machine has no non-loopback address");
}

TEST(AdvertiseAddressTest, LoopbackIsRefusedWhenAPeerIsElsewhere) {
  EXPECT_TRUE(CheckAdvertiseReachable("--addr", "127.0.0.1:1051", "--peers",
                                      {"127.0.0.1:1052", "localhost:1053"})
                  .ok());
  EXPECT_TRUE(CheckAdvertiseReachable("--addr", "10.0.0.1:1051", "--peers", {"10.0.0.2:1051"}).ok());
  auto refused = CheckAdvertiseReachable("--addr", "127.0.0.1:1051", "--peers",
                                         {"127.0.0.1:1052", "10.0.0.2:1051"});
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(),
              HasSubstr("--addr: this node would advertise 127.0.0.1:1051, a loopback address, "
                        "but --peers lists 10.0.0.2:1051"));
}

TEST(AdvertiseAddressTest, HostClasses) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.2"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
}

TEST(AdvertiseAddressTest, TheKernelAnswersForLoopback) {
  EXPECT_EQ(SourceAddressTowards("127.0.0.1"), "127.0.0.1");
  bool has_loopback = false;
  for (const auto& address : LocalAddresses()) has_loopback |= address.loopback;
  EXPECT_TRUE(has_loopback);
}

}  // namespace
}  // namespace sluice::server
