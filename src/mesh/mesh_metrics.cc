#include "mesh/mesh_metrics.h"

#include <string>
#include <string_view>

namespace sluice::mesh {
namespace {

constexpr std::string_view kPackets = "Mesh gossip packets, by direction (sent or received).";
constexpr std::string_view kBytes = "Mesh gossip payload bytes, by direction (sent or received).";
constexpr std::string_view kDropped =
    "Mesh gossip packets discarded, by reason (denied: the test hooks' deny list).";

constexpr std::string_view kUnsent =
    "Mesh gossip packets not sent, by reason (send_error: the socket refused it; unresolved: the "
    "peer's host name is still being resolved).";
constexpr std::string_view kDecisions =
    "Rate-limit items the mesh decided from local state, by result (admitted, rejected: over the "
    "limit, error). The doors count the same items in sluice_decisions_total.";
constexpr std::string_view kHandled =
    "Mesh gossip packets the protocol handled, by type (syn: digest requests answered; digest: "
    "digest replies answered; delta: slot updates applied; leave: leave announcements; own: "
    "packets from this very node).";
constexpr std::string_view kSlots =
    "Mesh slot updates received, by result (applied: raised a count; unchanged: duplicate or "
    "stale; expired: for a window already deleted; invalid: malformed; rejected_full: a new "
    "window refused, the table is full; rejected_key_full: a new slot refused, the key's window "
    "is full).";
constexpr std::string_view kChallenges =
    "Mesh address-verification challenges, by result (sent: an unverified packet answered with "
    "a challenge; withheld: not answered, too small or over the round's budget; accepted: a "
    "challenge answering this node's packet).";
constexpr std::string_view kMemberTable =
    "Mesh member table full, by action (evicted: an unconfirmed or gone entry dropped to make "
    "room; refused: a new node refused).";

obs::CounterRef Labeled(obs::Registry& r, std::string_view family, std::string_view help,
                        std::string_view label, std::string_view value) {
  return obs::CounterRef(
      r.AddCounter(family, help, {{std::string(label), std::string(value)}}));
}

obs::Counter* Dropped(obs::Registry& r, std::string_view reason) {
  return r.AddCounter("sluice_gossip_dropped_packets_total", kDropped,
                      {{"reason", std::string(reason)}});
}

}  // namespace

MeshMetrics::MeshMetrics(obs::Registry& r)
    : packets_sent(r.AddCounter("sluice_gossip_packets_total", kPackets, {{"direction", "sent"}})),
      packets_received(
          r.AddCounter("sluice_gossip_packets_total", kPackets, {{"direction", "received"}})),
      bytes_sent(r.AddCounter("sluice_gossip_bytes_total", kBytes, {{"direction", "sent"}})),
      bytes_received(
          r.AddCounter("sluice_gossip_bytes_total", kBytes, {{"direction", "received"}})),
      dropped_denied(Dropped(r, "denied")),
      send_errors(r.AddCounter("sluice_gossip_unsent_packets_total", kUnsent,
                               {{"reason", "send_error"}})),
      unresolved(r.AddCounter("sluice_gossip_unsent_packets_total", kUnsent,
                              {{"reason", "unresolved"}})),
      admitted(r.AddCounter("sluice_mesh_local_decisions_total", kDecisions,
                            {{"result", "admitted"}})),
      rejected(r.AddCounter("sluice_mesh_local_decisions_total", kDecisions,
                            {{"result", "rejected"}})),
      errors(
          r.AddCounter("sluice_mesh_local_decisions_total", kDecisions, {{"result", "error"}})),
      engine(r) {
  // Every reason's series exists, at 0, from the first scrape.
  for (size_t i = 0; i < dropped.size(); ++i) {
    dropped[i] = Dropped(r, DropReasonName(static_cast<DropReason>(i)));
  }
}

void MeshMetrics::RecordDecision(bool error, bool over_limit) const {
  (error ? errors : over_limit ? rejected : admitted)->Increment();
}

void MeshMetrics::RecordSent(size_t bytes) const {
  packets_sent->Increment();
  bytes_sent->Increment(bytes);
}

void MeshMetrics::RecordReceived(size_t bytes) const {
  packets_received->Increment();
  bytes_received->Increment(bytes);
}

EngineStats::EngineStats(obs::Registry& r)
    : rounds(r.AddCounter("sluice_gossip_rounds_total", "Mesh anti-entropy gossip rounds run.")),
      pushes(r.AddCounter("sluice_gossip_pushes_total",
                          "Mesh push batches sent (this node's new slot updates to every member).")),
      syns_received(Labeled(r, "sluice_gossip_handled_packets_total", kHandled, "type", "syn")),
      digests_received(
          Labeled(r, "sluice_gossip_handled_packets_total", kHandled, "type", "digest")),
      deltas_received(Labeled(r, "sluice_gossip_handled_packets_total", kHandled, "type", "delta")),
      leaves_received(Labeled(r, "sluice_gossip_handled_packets_total", kHandled, "type", "leave")),
      own_packets(Labeled(r, "sluice_gossip_handled_packets_total", kHandled, "type", "own")),
      slots_applied(Labeled(r, "sluice_gossip_slot_updates_total", kSlots, "result", "applied")),
      slots_unchanged(
          Labeled(r, "sluice_gossip_slot_updates_total", kSlots, "result", "unchanged")),
      slots_expired(Labeled(r, "sluice_gossip_slot_updates_total", kSlots, "result", "expired")),
      slots_invalid(Labeled(r, "sluice_gossip_slot_updates_total", kSlots, "result", "invalid")),
      slots_rejected_full(
          Labeled(r, "sluice_gossip_slot_updates_total", kSlots, "result", "rejected_full")),
      windows_collected(r.AddCounter("sluice_gossip_windows_collected_total",
                                     "Mesh counter windows deleted after they ended.")),
      nodes_forgotten(r.AddCounter("sluice_gossip_nodes_forgotten_total",
                                   "Dead or left mesh nodes dropped from the member table.")),
      challenges_sent(Labeled(r, "sluice_gossip_challenges_total", kChallenges, "result", "sent")),
      challenges_withheld(
          Labeled(r, "sluice_gossip_challenges_total", kChallenges, "result", "withheld")),
      challenges_accepted(
          Labeled(r, "sluice_gossip_challenges_total", kChallenges, "result", "accepted")),
      sends_withheld(r.AddCounter(
          "sluice_gossip_sends_withheld_total",
          "Mesh packets not sent because the receiver has not given this node its cookie yet, "
          "so it would drop them unread; the first packet to each receiver still goes, to earn "
          "the Challenge.")),
      members_evicted(
          Labeled(r, "sluice_gossip_member_table_full_total", kMemberTable, "action", "evicted")),
      members_refused(
          Labeled(r, "sluice_gossip_member_table_full_total", kMemberTable, "action", "refused")),
      slots_rejected_key_full(Labeled(r, "sluice_gossip_slot_updates_total", kSlots, "result",
                                      "rejected_key_full")) {}

}  // namespace sluice::mesh
