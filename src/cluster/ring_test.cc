#include "cluster/ring.h"

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

std::vector<PeerInfo> Peers(std::initializer_list<const char*> addresses) {
  std::vector<PeerInfo> peers;
  for (const char* address : addresses) peers.push_back(PeerInfo{.grpc_address = address});
  return peers;
}

Ring MustBuild(std::vector<PeerInfo> peers, RingOptions options = {}) {
  absl::StatusOr<Ring> ring = Ring::Build(std::move(peers), options);
  EXPECT_TRUE(ring.ok()) << ring.status();
  return ring.ok() ? *std::move(ring) : Ring();
}

// The 10,000 keys of Gubernator's verification test: 192.168.(i>>8 & 255).(i & 255).
std::vector<std::string> VerificationKeys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 10000; ++i)
    keys.push_back(absl::StrCat("192.168.", (i >> 8) & 255, ".", i & 255));
  return keys;
}

std::map<std::string, int> CountOwners(const Ring& ring, const std::vector<std::string>& keys) {
  std::map<std::string, int> counts;
  for (const std::string& key : keys) {
    const PeerInfo* owner = ring.Owner(key);
    if (owner != nullptr) ++counts[owner->grpc_address];
  }
  return counts;
}

TEST(RingTest, ReproducesGubernatorVerificationVectorFnv1) {
  Ring ring = MustBuild(Peers({"a.svc.local", "b.svc.local", "c.svc.local"}),
                        {.replicas = 512, .hash = HashFunction::kFnv1});
  EXPECT_EQ(CountOwners(ring, VerificationKeys()),
            (std::map<std::string, int>{
                {"a.svc.local", 2948}, {"b.svc.local", 3592}, {"c.svc.local", 3460}}));
}

TEST(RingTest, ReproducesGubernatorVerificationVectorFnv1a) {
  Ring ring = MustBuild(Peers({"a.svc.local", "b.svc.local", "c.svc.local"}),
                        {.replicas = 512, .hash = HashFunction::kFnv1a});
  EXPECT_EQ(CountOwners(ring, VerificationKeys()),
            (std::map<std::string, int>{
                {"a.svc.local", 3110}, {"b.svc.local", 3856}, {"c.svc.local", 3034}}));
}

// Issue 18 #11: the ownership of key0..key999 over three peers, for each hash and a replica
// count, with the counts and an FNV-1a digest of the owner sequence that the real Gubernator
// v2.13.0 ring gives (interop/gubernator/ring/ring_test.go computes and checks the same
// vectors). The balance is Gubernator's, uneven as it is: docs/cluster.md, "Ring balance".
TEST(RingTest, OwnershipVectorsOfKey0To999MatchGubernator) {
  struct Vector {
    HashFunction hash;
    int replicas;
    std::vector<int> counts;
    uint64_t digest;
  };
  const std::vector<Vector> vectors = {
      {HashFunction::kFnv1, 512, {700, 0, 300}, 0x8cf7cd9e993c78d5},
      {HashFunction::kFnv1a, 512, {200, 510, 290}, 0xfc8c727db1de6a53},
      {HashFunction::kFnv1a, 1024, {390, 290, 320}, 0x2478ad51aa68216f},
  };
  const std::vector<std::string> addresses = {"10.0.0.1:1051", "10.0.0.2:1051", "10.0.0.3:1051"};
  for (const Vector& v : vectors) {
    Ring ring = MustBuild(Peers({"10.0.0.1:1051", "10.0.0.2:1051", "10.0.0.3:1051"}),
                          {.replicas = v.replicas, .hash = v.hash});
    std::vector<int> counts(3);
    std::string sequence;
    for (int k = 0; k < 1000; ++k) {
      const PeerInfo* owner = ring.Owner(absl::StrCat("key", k));
      ASSERT_NE(owner, nullptr);
      const auto index = std::find(addresses.begin(), addresses.end(), owner->grpc_address) -
                         addresses.begin();
      ++counts[static_cast<size_t>(index)];
      sequence.push_back(static_cast<char>('0' + index));
    }
    EXPECT_EQ(counts, v.counts) << HashFunctionName(v.hash) << " x" << v.replicas;
    EXPECT_EQ(Fnv1aHash64(sequence), v.digest) << HashFunctionName(v.hash) << " x" << v.replicas;
  }
}

TEST(RingTest, DefaultsAreGubernatorDefaults) {
  RingOptions options;
  EXPECT_EQ(options.replicas, 512);
  EXPECT_EQ(options.hash, HashFunction::kFnv1);
}

TEST(RingTest, OwnershipDoesNotDependOnPeerOrder) {
  Ring forward = MustBuild(Peers({"a.svc.local", "b.svc.local", "c.svc.local"}));
  Ring backward = MustBuild(Peers({"c.svc.local", "b.svc.local", "a.svc.local"}));
  for (const std::string& key : VerificationKeys()) {
    ASSERT_EQ(forward.Owner(key)->grpc_address, backward.Owner(key)->grpc_address) << key;
  }
}

TEST(RingTest, AddingAPeerMovesAboutOneNthOfKeysAllToTheNewPeer) {
  Ring before = MustBuild(Peers({"10.0.0.1:1051", "10.0.0.2:1051", "10.0.0.3:1051"}));
  Ring after =
      MustBuild(Peers({"10.0.0.1:1051", "10.0.0.2:1051", "10.0.0.3:1051", "10.0.0.4:1051"}));
  const std::vector<std::string> keys = VerificationKeys();
  int moved = 0;
  for (const std::string& key : keys) {
    const std::string& old_owner = before.Owner(key)->grpc_address;
    const std::string& new_owner = after.Owner(key)->grpc_address;
    if (old_owner != new_owner) {
      ++moved;
      EXPECT_EQ(new_owner, "10.0.0.4:1051") << key << " moved between old peers";
    }
  }
  // Ideal is 1/4 = 2500 of 10000; 512 replicas keep it close.
  EXPECT_GT(moved, 1750);
  EXPECT_LT(moved, 3250);
}

TEST(RingTest, RemovingAPeerMovesOnlyItsKeys) {
  Ring before = MustBuild(Peers({"a:1", "b:1", "c:1", "d:1"}));
  Ring after = MustBuild(Peers({"a:1", "b:1", "c:1"}));
  for (const std::string& key : VerificationKeys()) {
    const std::string& old_owner = before.Owner(key)->grpc_address;
    if (old_owner != "d:1") {
      EXPECT_EQ(after.Owner(key)->grpc_address, old_owner) << key;
    }
  }
}

TEST(RingTest, EmptyRingOwnsNothing) {
  Ring empty = MustBuild({});
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.Owner("key"), nullptr);
  EXPECT_EQ(empty.Owner(uint64_t{0}), nullptr);
  EXPECT_EQ(empty.self(), nullptr);
  EXPECT_EQ(Ring().Owner("key"), nullptr);
}

TEST(RingTest, SinglePeerOwnsEverythingIncludingWrapAround) {
  Ring ring = MustBuild(Peers({"only:1"}), {.replicas = 1});
  for (uint64_t hash : {uint64_t{0}, uint64_t{1}, std::numeric_limits<uint64_t>::max()}) {
    ASSERT_NE(ring.Owner(hash), nullptr);
    EXPECT_EQ(ring.Owner(hash)->grpc_address, "only:1");
  }
}

TEST(RingTest, OwnerIsFirstPointAtOrAboveHashWrappingToTheFirst) {
  // One replica each, so the points are fnv1("0" + md5hex(address)), computed independently:
  // md5hex("a:1") = 9ef12b2e76052ea01bf394a79518fe90, md5hex("b:1") =
  // 64c4606fef2cc740cd4485898746eeaa.
  constexpr uint64_t kPointA = 0xef1853282b8958a5ULL;
  constexpr uint64_t kPointB = 0xa035012aae880b04ULL;
  static_assert(Fnv1Hash64("09ef12b2e76052ea01bf394a79518fe90") == kPointA);
  static_assert(Fnv1Hash64("064c4606fef2cc740cd4485898746eeaa") == kPointB);
  Ring ring = MustBuild(Peers({"a:1", "b:1"}), {.replicas = 1});
  auto owner = [&ring](uint64_t hash) { return ring.Owner(hash)->grpc_address; };
  EXPECT_EQ(owner(0), "b:1");
  EXPECT_EQ(owner(kPointB), "b:1");  // a point owns its own hash (>=)
  EXPECT_EQ(owner(kPointB + 1), "a:1");
  EXPECT_EQ(owner(kPointA), "a:1");
  EXPECT_EQ(owner(kPointA + 1), "b:1");  // past the largest point: wrap to the smallest
  EXPECT_EQ(owner(std::numeric_limits<uint64_t>::max()), "b:1");
}

TEST(RingTest, OwnerOfKeyUsesTheRingsHash) {
  Ring fnv1 = MustBuild(Peers({"a:1", "b:1", "c:1"}), {.hash = HashFunction::kFnv1});
  Ring fnv1a = MustBuild(Peers({"a:1", "b:1", "c:1"}), {.hash = HashFunction::kFnv1a});
  EXPECT_EQ(fnv1.HashKey("name_key"), Fnv1Hash64("name_key"));
  EXPECT_EQ(fnv1a.HashKey("name_key"), Fnv1aHash64("name_key"));
  for (const std::string& key : VerificationKeys()) {
    ASSERT_EQ(fnv1.Owner(key), fnv1.Owner(Fnv1Hash64(key)));
    ASSERT_EQ(fnv1a.Owner(key), fnv1a.Owner(Fnv1aHash64(key)));
  }
}

TEST(RingTest, KeepsPeersAndFindsSelf) {
  std::vector<PeerInfo> peers = Peers({"a:1", "b:1", "c:1"});
  peers[1].is_self = true;
  peers[1].http_address = "b:2";
  Ring ring = MustBuild(peers);
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.peers(), peers);
  ASSERT_NE(ring.self(), nullptr);
  EXPECT_EQ(*ring.self(), peers[1]);
  EXPECT_EQ(MustBuild(Peers({"a:1"})).self(), nullptr);
}

TEST(RingTest, OwnerPointsIntoTheRingsPeers) {
  Ring ring = MustBuild(Peers({"a:1", "b:1"}));
  const PeerInfo* owner = ring.Owner("k");
  ASSERT_NE(owner, nullptr);
  EXPECT_TRUE(owner == &ring.peers()[0] || owner == &ring.peers()[1]);
}

TEST(RingTest, RejectsInvalidInput) {
  EXPECT_EQ(Ring::Build(Peers({"a:1"}), {.replicas = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Ring::Build(Peers({"a:1", ""})).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Ring> duplicate = Ring::Build(Peers({"a:1", "b:1", "a:1"}));
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(duplicate.status().message().find("a:1"), std::string_view::npos);
  std::vector<PeerInfo> two_selves = Peers({"a:1", "b:1"});
  two_selves[0].is_self = two_selves[1].is_self = true;
  EXPECT_EQ(Ring::Build(two_selves).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RingTest, OwnershipSharesMatchWhereKeysGo) {
  auto ring = Ring::Build({{.grpc_address = "10.0.0.1:81"},
                           {.grpc_address = "10.0.0.2:81"},
                           {.grpc_address = "10.0.0.3:81"}});
  ASSERT_TRUE(ring.ok());
  const std::vector<double> shares = ring->OwnershipShares();
  ASSERT_EQ(shares.size(), 3u);
  EXPECT_NEAR(shares[0] + shares[1] + shares[2], 1.0, 1e-9);
  // The shares predict where 30000 uniformly drawn key hashes land, within sampling noise.
  std::mt19937_64 random(17);
  std::map<std::string, int> owned;
  for (int i = 0; i < 30000; ++i) ++owned[ring->Owner(random())->grpc_address];
  for (size_t p = 0; p < 3; ++p) {
    EXPECT_NEAR(owned[ring->peers()[p].grpc_address] / 30000.0, shares[p], 0.02) << p;
  }
  EXPECT_TRUE(Ring().OwnershipShares().empty());
}

}  // namespace
}  // namespace sluice::cluster
