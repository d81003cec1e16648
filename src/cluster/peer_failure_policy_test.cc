#include "cluster/peer_failure_policy.h"

#include <gtest/gtest.h>

namespace sluice::cluster {
namespace {

TEST(PeerFailurePolicyTest, NamesRoundTrip) {
  for (PeerFailurePolicy p : {PeerFailurePolicy::kError, PeerFailurePolicy::kAllow,
                              PeerFailurePolicy::kDeny, PeerFailurePolicy::kLocal}) {
    EXPECT_EQ(ParsePeerFailurePolicy(PeerFailurePolicyName(p)), p);
  }
  EXPECT_FALSE(ParsePeerFailurePolicy("open").has_value());
  EXPECT_FALSE(ParsePeerFailurePolicy("ALLOW").has_value());
}

TEST(PeerFailurePolicyTest, AllowAndDenyAnswerWithoutCounting) {
  const core::RateLimitRequest req{.hits = 3, .limit = 10, .duration = 60'000};
  auto allow = FixedPolicyAnswer(PeerFailurePolicy::kAllow, req, 1000);
  EXPECT_EQ(allow.status, core::Status::kUnderLimit);
  EXPECT_EQ(allow.limit, 10);
  EXPECT_EQ(allow.remaining, 10);
  EXPECT_EQ(allow.reset_time, 61'000);
  auto deny = FixedPolicyAnswer(PeerFailurePolicy::kDeny, req, 1000);
  EXPECT_EQ(deny.status, core::Status::kOverLimit);
  EXPECT_EQ(deny.remaining, 0);
  EXPECT_TRUE(deny.error.empty());
}

TEST(PeerFailurePolicyTest, LocalShareIsTheLimitOverHealthyNodesRoundedUp) {
  EXPECT_EQ(LocalShare(10, 2), 5);
  EXPECT_EQ(LocalShare(10, 3), 4);
  EXPECT_EQ(LocalShare(10, 0), 10);
  EXPECT_EQ(LocalShare(1, 5), 1);
  EXPECT_EQ(LocalShare(0, 5), 0);
}

}  // namespace
}  // namespace sluice::cluster
