#include "cluster/ring.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sluice::cluster {
namespace {

// Lowercase hex MD5 of `data` (32 characters), as Go's fmt.Sprintf("%x", md5.Sum(data)).
absl::StatusOr<std::string> Md5Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_md5(), nullptr) != 1) {
    return absl::InternalError("MD5 digest failed (is MD5 disabled in OpenSSL?)");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

}  // namespace

absl::StatusOr<Ring> Ring::Build(std::vector<PeerInfo> peers, RingOptions options) {
  if (options.replicas < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ring replicas must be >= 1, got ", options.replicas));
  }
  absl::flat_hash_set<std::string_view> seen;
  size_t selves = 0;
  for (const PeerInfo& peer : peers) {
    if (peer.grpc_address.empty()) {
      return absl::InvalidArgumentError("ring peer has an empty grpc_address");
    }
    if (!seen.insert(peer.grpc_address).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("ring peer \"", peer.grpc_address, "\" is listed more than once"));
    }
    if (peer.is_self) ++selves;
  }
  if (selves > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ring has ", selves, " peers marked as self; at most one allowed"));
  }

  Ring ring;
  ring.options_ = options;
  ring.points_.reserve(peers.size() * static_cast<size_t>(options.replicas));
  for (size_t i = 0; i < peers.size(); ++i) {
    absl::StatusOr<std::string> md5 = Md5Hex(peers[i].grpc_address);
    if (!md5.ok()) return md5.status();
    for (int replica = 0; replica < options.replicas; ++replica) {
      ring.points_.push_back(Point{Hash64(options.hash, absl::StrCat(replica, *md5)), i});
    }
  }
  // Ties between points of different peers are astronomically unlikely; breaking them by address
  // keeps ownership independent of the input order even then.
  std::sort(ring.points_.begin(), ring.points_.end(), [&peers](const Point& a, const Point& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    return peers[a.peer].grpc_address < peers[b.peer].grpc_address;
  });
  ring.peers_ = std::move(peers);
  return ring;
}

const PeerInfo* Ring::Owner(uint64_t key_hash) const {
  if (points_.empty()) return nullptr;
  auto it = std::lower_bound(points_.begin(), points_.end(), key_hash,
                             [](const Point& point, uint64_t hash) { return point.hash < hash; });
  if (it == points_.end()) it = points_.begin();  // past the largest point: wrap around
  return &peers_[it->peer];
}

const PeerInfo* Ring::Owner(std::string_view key) const { return Owner(HashKey(key)); }

std::vector<double> Ring::OwnershipShares() const {
  std::vector<double> shares(peers_.size(), 0.0);
  if (points_.empty()) return shares;
  constexpr double kSpace = 18446744073709551616.0;  // 2^64
  for (size_t i = 0; i < points_.size(); ++i) {
    // A point owns the hashes after its predecessor up to itself; the first one also the wrap.
    const uint64_t from = points_[i == 0 ? points_.size() - 1 : i - 1].hash;
    const uint64_t arc = points_[i].hash - from;  // modulo 2^64
    shares[points_[i].peer] += points_.size() == 1 ? kSpace : static_cast<double>(arc);
  }
  for (double& share : shares) share /= kSpace;
  return shares;
}

const PeerInfo* Ring::self() const {
  for (const PeerInfo& peer : peers_) {
    if (peer.is_self) return &peer;
  }
  return nullptr;
}

}  // namespace sluice::cluster
