#include "cluster/cluster_view.h"

#include "testing/fake_peer_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

std::vector<PeerInfo> Peers(std::vector<std::string> addresses, const std::string& self) {
  std::vector<PeerInfo> out;
  for (auto& a : addresses) out.push_back(PeerInfo{.grpc_address = a, .is_self = a == self});
  return out;
}

TEST(ClusterViewTest, EveryLocalPeerButSelfGetsAClient) {
  FakePeerClient::Registry fakes;
  auto change = BuildClusterView(Peers({"a:1", "b:1", "c:1"}, "a:1"), nullptr, fakes.Factory(), {});
  ASSERT_TRUE(change.ok()) << change.status();
  const ClusterView& view = *change->view;
  EXPECT_EQ(view.ring.size(), 3u);
  EXPECT_EQ(view.clients.size(), 2u);
  EXPECT_EQ(view.ClientFor("a:1"), nullptr);
  EXPECT_NE(view.ClientFor("b:1"), nullptr);
  EXPECT_TRUE(change->removed.empty());
}

TEST(ClusterViewTest, ClientsOfRemainingPeersAreReusedAndLeaversReturned) {
  FakePeerClient::Registry fakes;
  auto first = BuildClusterView(Peers({"a:1", "b:1", "c:1"}, "a:1"), nullptr, fakes.Factory(), {});
  ASSERT_TRUE(first.ok());
  PeerClient* b = first->view->ClientFor("b:1");
  PeerClient* c = first->view->ClientFor("c:1");
  auto second =
      BuildClusterView(Peers({"a:1", "b:1", "d:1"}, "a:1"), first->view.get(), fakes.Factory(), {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->view->ClientFor("b:1"), b);
  EXPECT_NE(second->view->ClientFor("d:1"), nullptr);
  ASSERT_EQ(second->removed.size(), 1u);
  EXPECT_EQ(second->removed[0].get(), c);
  EXPECT_EQ(fakes.made.size(), 3u);  // b, c, then d
}

TEST(ClusterViewTest, OtherDataCentersStayOffTheRing) {
  FakePeerClient::Registry fakes;
  auto peers = Peers({"a:1", "b:1", "x:1"}, "a:1");
  peers[2].data_center = "eu";
  auto change = BuildClusterView(peers, nullptr, fakes.Factory(), {});
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->view->ring.size(), 2u);
  ASSERT_EQ(change->view->region_peers.size(), 1u);
  EXPECT_EQ(change->view->region_peers[0].grpc_address, "x:1");
  EXPECT_EQ(change->view->ClientFor("x:1"), nullptr);
}

TEST(ClusterViewTest, InvalidListsAreRejected) {
  FakePeerClient::Registry fakes;
  EXPECT_FALSE(BuildClusterView(Peers({"a:1", "a:1"}, "a:1"), nullptr, fakes.Factory(), {}).ok());
}

}  // namespace
}  // namespace sluice::cluster
