#include "cluster/peer_info.h"

#include <sstream>

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

}  // namespace
}  // namespace sluice::cluster
