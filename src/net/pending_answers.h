// PendingAnswers: the requests of one HttpServer whose handler has not answered yet, and the
// only way an answer gets back to its connection.
//
// A handler may keep its Respond, call it or drop it from any thread at any time — a peer's
// reply can arrive while the server shuts down, or after. So a Respond does not own its
// connection (whose socket belongs to the server's io_context and whose counters are the
// server's): it holds a ticket to a waiting Deliver kept here. The server calls Close() after
// its I/O threads ended and before it frees anything; Close releases every waiting Deliver while
// the server still exists, and from then on a Respond is a no-op and dropping one frees nothing
// of the server's.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "net/http_server.h"

namespace sluice::net {

class PendingAnswers : public std::enable_shared_from_this<PendingAnswers> {
 public:
  // Hands the answer to its connection (posts it onto the connection's strand). Runs at most
  // once, under this object's lock: it must not block or call back into PendingAnswers.
  using Deliver = std::function<void(HttpResponse)>;

  static std::shared_ptr<PendingAnswers> Create();

  // Keeps `deliver` until the returned Respond is called (once; later calls are no-ops), the
  // last copy of it is dropped (then `deliver` is released unanswered), or Close(). After
  // Close, `deliver` is released at once and the Respond does nothing.
  HttpRespond Wait(Deliver deliver);

  // Releases every waiting Deliver unanswered; every Respond does nothing from now on.
  void Close();

  // Requests waiting for their handler's answer.
  size_t waiting() const;

 private:
  class Ticket;
  PendingAnswers() = default;

  // Calls (with an answer) or just releases (without) the Deliver of `id`, if still waiting.
  void Finish(uint64_t id, HttpResponse* answer);

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<uint64_t, Deliver> waiting_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::net
