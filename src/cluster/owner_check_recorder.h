// OwnerCheckRecorder: what the peer handler reports of each item it checks as a key's owner
// (PeersV1 GetPeerRateLimits). The door counts are the doors' (api/door_metrics.h, which
// implements this), but the owner's half of a forwarded item is only known here, below the
// doors: this seam lets cluster report it without depending on api.
//
// Thread safety: implementations must accept calls from any thread concurrently, and must not
// block or allocate on the hot path.
#pragma once

namespace sluice::cluster {

class OwnerCheckRecorder {
 public:
  virtual ~OwnerCheckRecorder() = default;

  // One forwarded item passed (or failed) core/admission.h here: rejected for its key length or
  // a value's range, or admitted with its created_at clamped to the allowed skew.
  virtual void RecordAdmission(bool key_too_long, bool out_of_range, bool clamped) const = 0;

  // One admitted forwarded item was checked here, as its owner (over_limit: the answer was
  // OVER_LIMIT). The forwarder counts the item's outcome; the owner counts the check.
  virtual void RecordOwnerCheck(bool over_limit) const = 0;
};

}  // namespace sluice::cluster
