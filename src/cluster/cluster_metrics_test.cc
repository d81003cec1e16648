#include "cluster/cluster_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

using ::testing::HasSubstr;

class ClusterMetricsTest : public ::testing::Test {
 protected:
  obs::Registry registry_;
  ClusterMetrics metrics_{registry_};
};

// Every cluster family exists, at 0, before anything is counted (the node registers them in
// every mode, so alerts need no special case per mode).
TEST_F(ClusterMetricsTest, EveryFamilyIsExportedAtZero) {
  const std::string text = registry_.Render();
  for (const char* line : {
           "gubernator_global_send_duration_count 0",
           "gubernator_global_send_duration_sum 0",
           "gubernator_broadcast_duration_count 0",
           "gubernator_broadcast_duration_sum 0",
           "gubernator_global_send_queue_length 0",
           "gubernator_global_queue_length 0",
           "gubernator_global_send_errors 0",
           "gubernator_broadcast_errors 0",
           "gubernator_updatepeerglobals_counter 0",
           "sluice_routed_items_total{route=\"owner\"} 0",
           "sluice_peer_failure_answers_total{policy=\"local\"} 0",
           "sluice_ring_changes_total 0",
           "sluice_global_keys_total{op=\"dropped\"} 0",
           "sluice_discovery_polls_total{result=\"failed\"} 0",
           "sluice_discovery_changes_total 0",
           "sluice_etcd_registrations_total 0",
           "sluice_etcd_keepalives_total 0",
       }) {
    EXPECT_THAT(text, HasSubstr(std::string(line) + "\n")) << line;
  }
  for (const char* family : {
           "sluice_peer_forwarded_items_total counter",
           "sluice_peer_batch_size histogram",
           "sluice_peer_errors_total counter",
           "sluice_peer_retries_total counter",
           "sluice_routed_items_total counter",
           "sluice_peer_failure_answers_total counter",
           "sluice_global_sends_total counter",
           "sluice_global_broadcasts_total counter",
           "sluice_global_errors_total counter",
           "sluice_global_updates_received_total counter",
           "sluice_global_keys_total counter",
           "sluice_global_queue_keys gauge",
           "sluice_discovery_polls_total counter",
       }) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + family + "\n")) << family;
  }
}

TEST_F(ClusterMetricsTest, PeersAndGlobalKeepBothNamingsInStep) {
  metrics_.peer_client.RecordBatch(10, true);
  metrics_.peer_client.RecordBatch(1, false);
  metrics_.router.RecordRetry("requests_per_sec");
  metrics_.global.RecordSend(true, 3, 0.5);
  metrics_.global.RecordSend(false, 1, 0.25);
  metrics_.global.RecordBroadcast(false, 1);
  metrics_.global.RecordUpdatesReceived(3);
  metrics_.global.SetQueueLengths(4, 6);

  const std::string text = registry_.Render();
  for (const char* line : {
           "sluice_peer_forwarded_items_total 11",
           "sluice_peer_batch_size_count 2",
           "sluice_peer_batch_size_bucket{le=\"1\"} 1",
           "sluice_peer_batch_size_bucket{le=\"10\"} 2",
           "sluice_peer_errors_total 1",
           "sluice_peer_retries_total 1",
           "gubernator_batch_send_retries{name=\"requests_per_sec\"} 1",
           "sluice_global_sends_total 2",
           "sluice_global_keys_total{op=\"sent\"} 4",
           "gubernator_global_send_duration_count 2",
           "gubernator_global_send_duration_sum 0.75",
           "sluice_global_errors_total{op=\"send\"} 1",
           "gubernator_global_send_errors 1",
           "sluice_global_broadcasts_total 1",
           "gubernator_broadcast_duration_count 1",
           "sluice_global_errors_total{op=\"broadcast\"} 1",
           "gubernator_broadcast_errors 1",
           "sluice_global_updates_received_total 3",
           "gubernator_updatepeerglobals_counter 3",
           "sluice_global_queue_keys{queue=\"send\"} 4",
           "gubernator_global_send_queue_length 4",
           "sluice_global_queue_keys{queue=\"broadcast\"} 6",
           "gubernator_global_queue_length 6",
       }) {
    EXPECT_THAT(text, HasSubstr(std::string(line) + "\n")) << line;
  }
}

TEST_F(ClusterMetricsTest, PolicyAnswersByPolicy) {
  metrics_.router.RecordPolicyAnswer(PeerFailurePolicy::kAllow);
  metrics_.router.RecordPolicyAnswer(PeerFailurePolicy::kLocal);
  metrics_.router.RecordPolicyAnswer(PeerFailurePolicy::kLocal);
  metrics_.router.RecordPolicyAnswer(PeerFailurePolicy::kError);  // the per-item error
  const std::string text = registry_.Render();
  EXPECT_THAT(text, HasSubstr("sluice_peer_failure_answers_total{policy=\"allow\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("sluice_peer_failure_answers_total{policy=\"deny\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("sluice_peer_failure_answers_total{policy=\"local\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("sluice_peer_failure_answers_total{policy=\"error\"} 1\n"));
}

// Two structs on one Registry share their series (get-or-create), so every peer client of a
// node counts into the same sluice_peer_* series.
TEST_F(ClusterMetricsTest, StructsOnOneRegistryShareSeries) {
  PeerClientMetrics another(registry_);
  another.RecordBatch(2, true);
  metrics_.peer_client.RecordBatch(3, true);
  EXPECT_THAT(registry_.Render(), HasSubstr("sluice_peer_forwarded_items_total 5\n"));
}

}  // namespace
}  // namespace sluice::cluster
