#include "cluster/k8s_objects.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::cluster {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The shape `kubectl get endpointslices -l kubernetes.io/service-name=sluice -o json` prints
// (API server 1.29), trimmed of nothing that discovery must ignore: one ready endpoint, one not
// ready, one without conditions, and an empty slice whose endpoints are null.
constexpr char kEndpointSliceList[] = R"json({
  "kind": "EndpointSliceList",
  "apiVersion": "discovery.k8s.io/v1",
  "metadata": {"resourceVersion": "5531"},
  "items": [
    {
      "kind": "EndpointSlice",
      "apiVersion": "discovery.k8s.io/v1",
      "metadata": {
        "name": "sluice-7xk2p", "generateName": "sluice-", "namespace": "default",
        "uid": "5d1c0a3e-7a51-4b8e-9a0c-2f5c8e1f9b11", "resourceVersion": "5530", "generation": 4,
        "creationTimestamp": "2024-03-01T10:00:00Z",
        "labels": {"app": "sluice", "endpointslice.kubernetes.io/managed-by":
                   "endpointslice-controller.k8s.io", "kubernetes.io/service-name": "sluice"},
        "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "2024-03-01T10:01:00Z"},
        "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": "sluice",
                             "uid": "0b5e", "controller": true, "blockOwnerDeletion": true}],
        "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                           "apiVersion": "discovery.k8s.io/v1", "fieldsType": "FieldsV1",
                           "fieldsV1": {"f:addressType": {}}}]
      },
      "addressType": "IPv4",
      "endpoints": [
        {"addresses": ["10.244.1.5"], "conditions": {"ready": true, "serving": true,
         "terminating": false}, "targetRef": {"kind": "Pod", "namespace": "default",
         "name": "sluice-0", "uid": "a1"}, "nodeName": "node-1"},
        {"addresses": ["10.244.2.7"], "conditions": {"ready": false, "serving": false,
         "terminating": true}, "targetRef": {"kind": "Pod", "namespace": "default",
         "name": "sluice-1", "uid": "a2"}, "nodeName": "node-2"},
        {"addresses": ["10.244.3.9"], "conditions": {}, "nodeName": "node-3"}
      ],
      "ports": [{"name": "grpc", "protocol": "TCP", "port": 1051}]
    },
    {
      "kind": "EndpointSlice",
      "apiVersion": "discovery.k8s.io/v1",
      "metadata": {"name": "sluice-empty", "namespace": "default", "resourceVersion": "5001"},
      "addressType": "IPv4",
      "endpoints": null,
      "ports": null
    },
    {
      "metadata": {"name": "sluice-v6", "resourceVersion": "5002"},
      "addressType": "IPv6",
      "endpoints": [{"addresses": ["fd00::5"], "conditions": {"ready": true}}]
    }
  ]
})json";

// `kubectl get pods -l app=sluice -o json`: a running ready pod, a pod whose container is not
// ready, a pending pod without an IP.
constexpr char kPodList[] = R"json({
  "kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "812"},
  "items": [
    {"kind": "Pod", "apiVersion": "v1",
     "metadata": {"name": "sluice-0", "namespace": "default", "resourceVersion": "800",
                  "labels": {"app": "sluice"}},
     "spec": {"containers": [{"name": "sluice", "image": "sluice:0.1.0"}]},
     "status": {"phase": "Running", "hostIP": "172.18.0.2", "podIP": "10.244.1.5",
                "podIPs": [{"ip": "10.244.1.5"}],
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "sluice", "ready": true, "restartCount": 0,
                  "started": true, "state": {"running": {"startedAt": "2024-03-01T10:00:05Z"}},
                  "image": "sluice:0.1.0", "containerID": "containerd://9f"}]}},
    {"kind": "Pod", "apiVersion": "v1",
     "metadata": {"name": "sluice-1", "namespace": "default", "resourceVersion": "805"},
     "status": {"phase": "Running", "podIP": "10.244.2.7",
                "containerStatuses": [{"name": "sluice", "ready": false,
                  "state": {"running": {"startedAt": "2024-03-01T10:00:09Z"}}}]}},
    {"kind": "Pod", "apiVersion": "v1",
     "metadata": {"name": "sluice-2", "namespace": "default", "resourceVersion": "811"},
     "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False"}]}}
  ]
})json";

TEST(K8sObjectsTest, ParsesAnEndpointSliceListAsTheApiServerSendsIt) {
  auto list = ParseK8sList(K8sResource::kEndpointSlices, kEndpointSliceList);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->resource_version, "5531");
  ASSERT_EQ(list->items.size(), 3u);
  EXPECT_EQ(list->items[0].name, "sluice-7xk2p");
  EXPECT_EQ(list->items[0].resource_version, "5530");
  EXPECT_THAT(list->items[0].addresses,
              ElementsAre(K8sAddress{"10.244.1.5", true}, K8sAddress{"10.244.2.7", false},
                          K8sAddress{"10.244.3.9", true}));
  EXPECT_TRUE(list->items[1].addresses.empty());  // endpoints: null
  EXPECT_TRUE(list->items[2].addresses.empty());  // IPv6 slices are skipped, as Gubernator
}

TEST(K8sObjectsTest, ParsesAPodList) {
  auto list = ParseK8sList(K8sResource::kPods, kPodList);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->resource_version, "812");
  ASSERT_EQ(list->items.size(), 3u);
  EXPECT_THAT(list->items[0].addresses, ElementsAre(K8sAddress{"10.244.1.5", true}));
  EXPECT_THAT(list->items[1].addresses, ElementsAre(K8sAddress{"10.244.2.7", false}));
  EXPECT_TRUE(list->items[2].addresses.empty());
}

TEST(K8sObjectsTest, AnEmptyListHasNullItems) {
  auto list = ParseK8sList(K8sResource::kPods,
                           R"j({"kind":"PodList","metadata":{"resourceVersion":"9"},"items":null})j");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->items.empty());
}

TEST(K8sObjectsTest, RejectsWhatIsNotAList) {
  EXPECT_THAT(ParseK8sList(K8sResource::kPods, "<html>").status().message(),
              HasSubstr("not JSON"));
  EXPECT_THAT(ParseK8sList(K8sResource::kPods, R"j({"items":[]})j").status().message(),
              HasSubstr("resourceVersion"));
}

TEST(K8sObjectsTest, ParsesWatchEvents) {
  auto added = ParseK8sWatchEvent(
      K8sResource::kEndpointSlices,
      R"j({"type":"ADDED","object":{"kind":"EndpointSlice","metadata":{"name":"s1",)j"
      R"j("resourceVersion":"7"},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"],)j"
      R"j("conditions":{"ready":true}}]}})j");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->type, K8sWatchEvent::Type::kAdded);
  EXPECT_EQ(added->object.name, "s1");
  EXPECT_EQ(added->object.resource_version, "7");
  EXPECT_THAT(added->object.addresses, ElementsAre(K8sAddress{"10.0.0.1", true}));

  auto bookmark = ParseK8sWatchEvent(
      K8sResource::kPods,
      R"j({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1",)j"
      R"j("metadata":{"resourceVersion":"12746","creationTimestamp":null},"spec":)j"
      R"j({"containers":null},"status":{}}})j");
  ASSERT_TRUE(bookmark.ok()) << bookmark.status();
  EXPECT_EQ(bookmark->type, K8sWatchEvent::Type::kBookmark);
  EXPECT_EQ(bookmark->object.resource_version, "12746");

  auto gone = ParseK8sWatchEvent(
      K8sResource::kPods,
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)j"
      R"j("status":"Failure","message":"too old resource version: 5 (5530)",)j"
      R"j("reason":"Expired","code":410}})j");
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->type, K8sWatchEvent::Type::kError);
  EXPECT_EQ(gone->error_code, 410);
  EXPECT_EQ(gone->error_message, "too old resource version: 5 (5530)");

  EXPECT_FALSE(ParseK8sWatchEvent(K8sResource::kPods, R"j({"type":"SYNC","object":{}})j").ok());
  EXPECT_FALSE(ParseK8sWatchEvent(K8sResource::kPods, R"j({"type":"ADDED"})j").ok());
}

TEST(K8sObjectsTest, DescribesStatusBodies) {
  EXPECT_EQ(DescribeK8sStatus(
                R"j({"kind":"Status","apiVersion":"v1","status":"Failure","message":"endpointslices.)j"
                R"j(discovery.k8s.io is forbidden: User \"system:serviceaccount:default:default\")j"
                R"j( cannot list resource","reason":"Forbidden","code":403})j"),
            "endpointslices.discovery.k8s.io is forbidden: User "
            "\"system:serviceaccount:default:default\" cannot list resource");
  EXPECT_EQ(DescribeK8sStatus("upstream connect error"), "upstream connect error");
}

TEST(K8sObjectsTest, PeersSkipNotReadyAddressesButNeverSelf) {
  std::vector<K8sObject> objects = {
      {.name = "a", .addresses = {{"10.0.0.2", true}, {"10.0.0.3", false}, {"10.0.0.1", false}}},
      {.name = "b", .addresses = {{"10.0.0.2", true}, {"10.0.0.4", true}}},
  };
  EXPECT_THAT(K8sPeers(objects, "10.0.0.1", 1051),
              ElementsAre(PeerInfo{.grpc_address = "10.0.0.1:1051", .is_self = true},
                          PeerInfo{.grpc_address = "10.0.0.2:1051"},
                          PeerInfo{.grpc_address = "10.0.0.4:1051"}));
}

}  // namespace
}  // namespace sluice::cluster
