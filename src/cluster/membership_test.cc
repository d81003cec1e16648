#include "cluster/membership.h"

#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

TEST(MarkSelfTest, MarksExactlyTheAdvertisedAddress) {
  std::vector<PeerInfo> peers = {{.grpc_address = "10.0.0.1:1051"},
                                 {.grpc_address = "10.0.0.2:1051", .is_self = true},
                                 {.grpc_address = "10.0.0.3:1051"}};
  MarkSelf(peers, "10.0.0.3:1051");
  EXPECT_FALSE(peers[0].is_self);
  EXPECT_FALSE(peers[1].is_self);  // a stale mark is cleared
  EXPECT_TRUE(peers[2].is_self);
}

TEST(MarkSelfTest, BindAddressIsNotSelf) {
  std::vector<PeerInfo> peers = {{.grpc_address = "10.0.0.1:1051"}};
  MarkSelf(peers, "0.0.0.0:1051");
  EXPECT_FALSE(peers[0].is_self);
}

TEST(MarkSelfTest, ComparesTheWholeAddress) {
  std::vector<PeerInfo> peers = {{.grpc_address = "10.0.0.1:1051"},
                                 {.grpc_address = "10.0.0.1:10510"}};
  MarkSelf(peers, "10.0.0.1:1051");
  EXPECT_TRUE(peers[0].is_self);
  EXPECT_FALSE(peers[1].is_self);
}

}  // namespace
}  // namespace sluice::cluster
