#include "cluster/peer_info.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

TEST(PeerInfoTest, EqualityComparesEveryField) {
  PeerInfo a{.grpc_address = "a:1", .http_address = "a:2", .data_center = "dc1"};
  PeerInfo b = a;
  EXPECT_EQ(a, b);
  b.is_self = true;
  EXPECT_NE(a, b);
  b = a;
  b.data_center = "dc2";
  EXPECT_NE(a, b);
}

TEST(PeerInfoTest, PrintsReadably) {
  std::ostringstream os;
  os << PeerInfo{.grpc_address = "a:1", .is_self = true};
  EXPECT_EQ(os.str(), "{grpc=a:1, http=, dc=, self}");
}

TEST(SplitHostPortTest, AcceptsNamesIpv4AndBracketedIpv6) {
  EXPECT_EQ(*SplitHostPort("peer-1.svc.local:1051"), (HostPort{"peer-1.svc.local", 1051}));
  EXPECT_EQ(*SplitHostPort("10.0.0.7:1"), (HostPort{"10.0.0.7", 1}));
  EXPECT_EQ(*SplitHostPort("[::1]:65535"), (HostPort{"::1", 65535}));
  EXPECT_EQ(*SplitHostPort("[fd00::7]:1051"), (HostPort{"fd00::7", 1051}));
}

TEST(SplitHostPortTest, RejectsMalformedAddressesQuotingThem) {
  for (const char* bad : {"", "host", "host:", ":1051", "host:0", "host:65536", "host:-1",
                          "host:+80", "host:80x", "host:123456", "::1:1051", "[::1]", "[::1:1051",
                          "[nothost]:1051", "[::1]1051", "ho st:1051", "host/x:1051"}) {
    absl::StatusOr<HostPort> parsed = SplitHostPort(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(parsed.status().message().find(absl::StrCat("\"", bad, "\"")), std::string_view::npos)
        << parsed.status();
  }
}

TEST(JoinHostPortTest, BracketsIpv6Only) {
  EXPECT_EQ(JoinHostPort("10.0.0.7", 1051), "10.0.0.7:1051");
  EXPECT_EQ(JoinHostPort("peer.local", 80), "peer.local:80");
  EXPECT_EQ(JoinHostPort("fd00::7", 1051), "[fd00::7]:1051");
}

TEST(JoinHostPortTest, RoundTripsThroughSplit) {
  for (const char* address : {"10.0.0.7:1051", "[fd00::7]:1051", "a.b:9"}) {
    absl::StatusOr<HostPort> parsed = SplitHostPort(address);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(JoinHostPort(parsed->host, parsed->port), address);
  }
}

}  // namespace
}  // namespace sluice::cluster
