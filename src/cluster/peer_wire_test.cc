#include "cluster/peer_wire.h"

#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

TEST(PeerWireTest, RequestRoundTripsAndKeepsUnsetCreatedAtUnset) {
  core::RateLimitRequest in{.name = "n",
                            .unique_key = "k",
                            .hits = 3,
                            .limit = 10,
                            .duration = 1000,
                            .algorithm = 1,
                            .behavior = 2 | 32,
                            .burst = 20};
  pb::gubernator::RateLimitReq wire;
  ToProto(in, &wire);
  EXPECT_FALSE(wire.has_created_at());
  core::RateLimitRequest out = FromProto(wire);
  EXPECT_EQ(out.name, "n");
  EXPECT_EQ(out.unique_key, "k");
  EXPECT_EQ(out.hits, 3);
  EXPECT_EQ(out.limit, 10);
  EXPECT_EQ(out.duration, 1000);
  EXPECT_EQ(out.algorithm, 1);
  EXPECT_EQ(out.behavior, 34);
  EXPECT_EQ(out.burst, 20);
  EXPECT_EQ(out.created_at, 0);

  in.created_at = 1234;
  ToProto(in, &wire);
  EXPECT_EQ(FromProto(wire).created_at, 1234);
}

TEST(PeerWireTest, UnknownAlgorithmNumbersPassThrough) {
  core::RateLimitRequest in{.name = "n", .unique_key = "k", .algorithm = 2};
  pb::gubernator::RateLimitReq wire;
  ToProto(in, &wire);
  EXPECT_EQ(FromProto(wire).algorithm, 2);
}

TEST(PeerWireTest, GlobalUpdateCarriesBurstInStatusMetadata) {
  GlobalUpdate in{
      .key = "n_k",
      .status = {.status = core::Status::kOverLimit, .limit = 10, .remaining = 0, .reset_time = 99},
      .algorithm = 1,
      .duration = 1000,
      .created_at = 50,
      .burst = 25};
  pb::gubernator::UpdatePeerGlobal wire;
  ToProto(in, &wire);
  EXPECT_EQ(wire.status().metadata().at("burst"), "25");
  GlobalUpdate out = FromProto(wire);
  EXPECT_EQ(out.key, "n_k");
  EXPECT_EQ(out.status.status, core::Status::kOverLimit);
  EXPECT_EQ(out.status.limit, 10);
  EXPECT_EQ(out.status.reset_time, 99);
  EXPECT_EQ(out.algorithm, 1);
  EXPECT_EQ(out.duration, 1000);
  EXPECT_EQ(out.created_at, 50);
  EXPECT_EQ(out.burst, 25);

  // From a Gubernator owner: no metadata, burst unknown.
  wire.mutable_status()->clear_metadata();
  EXPECT_EQ(FromProto(wire).burst, 0);
}

}  // namespace
}  // namespace sluice::cluster
