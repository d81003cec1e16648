#include "common/host_port.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sluice::common {
namespace {

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

TEST(SplitHostPortTest, PortZeroOnlyWhereAllowed) {
  EXPECT_FALSE(SplitHostPort("127.0.0.1:0").ok());
  EXPECT_EQ(*SplitHostPort("127.0.0.1:0", PortZero::kAllowed), (HostPort{"127.0.0.1", 0}));
  EXPECT_EQ(*SplitHostPort("[::]:0", PortZero::kAllowed), (HostPort{"::", 0}));
  EXPECT_FALSE(SplitHostPort("h:65536", PortZero::kAllowed).ok());
}

// The listener parser and the peer parser were once two: "::1:7946" passed one and failed the
// other at start. One parser refuses it everywhere.
TEST(SplitHostPortTest, RefusesUnbracketedIpv6EvenForListeners) {
  absl::StatusOr<HostPort> parsed = SplitHostPort("::1:7946", PortZero::kAllowed);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("brackets"), std::string_view::npos);
}

// The listener form (once api::SplitHostPort) keeps its assertions.
TEST(SplitHostPortTest, ListenerAddressesParseAndReject) {
  EXPECT_EQ(SplitHostPort("127.0.0.1:80", PortZero::kAllowed).value(), (HostPort{"127.0.0.1", 80}));
  EXPECT_EQ(SplitHostPort("[::1]:80", PortZero::kAllowed).value().host, "::1");
  EXPECT_FALSE(SplitHostPort("nope", PortZero::kAllowed).ok());
  EXPECT_FALSE(SplitHostPort(":80", PortZero::kAllowed).ok());
  EXPECT_FALSE(SplitHostPort("h:99999", PortZero::kAllowed).ok());
  EXPECT_FALSE(SplitHostPort("h:8x", PortZero::kAllowed).ok());
}

TEST(IsWildcardHostTest, BindEverywhereHostsOnly) {
  EXPECT_TRUE(IsWildcardHost("0.0.0.0"));
  EXPECT_TRUE(IsWildcardHost("::"));
  EXPECT_TRUE(IsWildcardHost(""));
  EXPECT_FALSE(IsWildcardHost("127.0.0.1"));
  EXPECT_FALSE(IsWildcardHost("::1"));
  EXPECT_FALSE(IsWildcardHost("localhost"));
}

}  // namespace
}  // namespace sluice::common
