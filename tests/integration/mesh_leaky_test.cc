// A leaky-bucket rule in mesh mode (issue 17): it used to load and then fail every matching
// request with 503. Now the bucket is shared by the mesh (src/mesh/leaky_bucket.h): hits on one
// node fill it for every node.
#include <gtest/gtest.h>

#include <string>

#include "integration/mesh_harness.h"
#include "testing/temp_file.h"

namespace sluice {
namespace {

using testing::Eventually;
using testing::MeshCluster;

constexpr char kRules[] = R"(domain: shop
descriptors:
  - key: user
    rate_limit: {unit: minute, requests_per_unit: 5, algorithm: leaky_bucket}
)";

int Call(MeshCluster& mesh, int node) {
  return testing::HttpPost(
             mesh.process(node).http_url() + "/json",
             R"({"domain":"shop","descriptors":[{"entries":[{"key":"user","value":"ann"}]}]})")
      .status;
}

TEST(MeshLeakyTest, LeakyBucketRuleIsSharedByTheMesh) {
  testing::TempFile rules("leaky.yaml", kRules);
  MeshCluster mesh(2, {"-c", rules.path()});
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(2));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call(mesh, 0), 200) << "hit " << i;
  EXPECT_EQ(Call(mesh, 0), 429) << "the burst is 5; one leaks every 12 s";
  // The other node sees the full bucket once gossip has carried the five hits.
  EXPECT_TRUE(Eventually([&] { return Call(mesh, 1) == 429; }, 3'000));
  EXPECT_EQ(mesh.Stat(1, "errors"), 0);
  EXPECT_EQ(mesh.Stat(0, "errors"), 0);
}

}  // namespace
}  // namespace sluice
