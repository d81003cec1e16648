#include "cluster/peer_client_options.h"

#include "absl/strings/str_cat.h"

namespace sluice::cluster {

absl::Status ValidatePeerClientOptions(const PeerClientOptions& o) {
  if (o.batch_limit < 1 || o.batch_limit > kMaxPeerBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch limit must be in 1..", kMaxPeerBatch, ", got ", o.batch_limit));
  }
  if (o.batch_wait < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("batch wait must not be negative");
  }
  if (o.batch_timeout <= absl::ZeroDuration() || o.global_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("batch and global timeouts must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace sluice::cluster
