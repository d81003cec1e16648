// FakeK8sApiServer: a small stand-in for the Kubernetes API server, for testing Kubernetes
// discovery where no real API server can be installed. It speaks the parts of the real API that
// discovery uses, in the real JSON shapes:
//   GET <collection>?labelSelector=...                      → a List (kind, apiVersion,
//       metadata.resourceVersion, items) of the objects whose labels match
//   GET <collection>?labelSelector=...&watch=true&resourceVersion=N[&timeoutSeconds=T]
//       → 200, Transfer-Encoding: chunked, one {"type":..,"object":..} event per line: every
//         event after N, then live ones (each line split over two chunks, as a proxy may), until
//         timeoutSeconds pass (the stream then ends properly)
// over HTTPS (certificate and key from the test's CA) with a bearer token checked on every
// request (401 Status otherwise). Faults on demand: Compact() makes older versions gone (410 as
// an HTTP status or as an ERROR event, as the real server does for each case), DropWatches()
// cuts open watch connections mid-stream, FailNext() answers the next requests with an error.
//
// A collection is a path such as /apis/discovery.k8s.io/v1/namespaces/default/endpointslices or
// /api/v1/namespaces/default/pods; objects are JSON texts (EndpointSliceJson, PodJson) whose
// metadata.resourceVersion the server sets, as the real one does.
//
// Listens on 127.0.0.1 (a free port). Thread safety: every method from any thread; one thread
// per connection inside.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::testing {

class FakeK8sApiServer {
 public:
  struct Options {
    std::string cert_file;  // PEM, SAN 127.0.0.1
    std::string key_file;
    std::string token = "test-token";
  };

  explicit FakeK8sApiServer(Options options);
  ~FakeK8sApiServer();
  FakeK8sApiServer(const FakeK8sApiServer&) = delete;
  FakeK8sApiServer& operator=(const FakeK8sApiServer&) = delete;

  int port() const { return port_; }

  // Adds or replaces object `json` (its metadata.name names it) in `collection`: a new
  // resourceVersion, an ADDED or MODIFIED event for the watches.
  void Put(const std::string& collection, const std::string& json);
  void Delete(const std::string& collection, const std::string& name);
  // Sends a BOOKMARK event with the current resourceVersion to every open watch.
  void Bookmark();
  // Forgets every event so far: a watch from an older version is answered 410 — with an HTTP
  // 410 Status when `as_http_status`, else with a 200 stream holding one ERROR event.
  void Compact(bool as_http_status);
  // Closes every open watch connection without ending its chunked stream.
  void DropWatches();
  // The next `count` requests are answered `status` with a Status body.
  void FailNext(int count, int status);
  // While on, every watch is answered 200 with an empty stream that ends at once.
  void EndWatchesAtOnce(bool on);

  // The request targets served so far, in order.
  std::vector<std::string> Requests() const;
  int OpenWatches() const;

  // Real-shaped objects. `endpoints`: {ip, ready} pairs.
  static std::string EndpointSliceJson(const std::string& name, const std::string& service,
                                       const std::vector<std::pair<std::string, bool>>& endpoints);
  static std::string PodJson(const std::string& name, const std::string& app,
                             const std::string& ip, bool ready);

 private:
  struct Event {
    long version;
    std::string collection;
    std::string object;  // the object's JSON
    std::string line;    // the whole event, newline included
  };
  struct Impl;

  void AcceptLoop();
  void Serve(int fd);
  void Record(const std::string& collection, const std::string& type, const std::string& json);

  Options options_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  long version_ = 100;
  long compacted_ = 0;  // versions below this are gone
  bool gone_as_http_ = true;
  long drops_ = 0;      // DropWatches() calls; watches opened before a drop close
  long bookmarks_ = 0;
  int fail_count_ = 0;
  int fail_status_ = 500;
  bool end_watches_at_once_ = false;
  bool stopping_ = false;
  int open_watches_ = 0;
  std::map<std::string, std::map<std::string, std::string>> objects_;  // collection → name → JSON
  std::vector<Event> events_;
  std::vector<std::string> requests_;
  std::vector<int> connections_;  // fds, shut down on destruction
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

}  // namespace sluice::testing
