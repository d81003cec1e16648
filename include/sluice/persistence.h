// Persistence: the two interfaces through which a limiter's state outlives its process, with the
// meaning of Gubernator's Loader and Store.
//
// - A Loader moves the whole state at once: Load() once at start, before the first decision;
//   Save() at a graceful stop (and, in the server, every --snapshot-interval). A process that
//   dies without stopping keeps what the last Save() wrote.
// - A Store is told of every change of a key's state (OnChange, OnRemove) and asked for a key
//   the limiter does not hold in memory (Get). It survives a crash as far as its writes do.
//
// An item's `state` is opaque bytes produced by Sluice (core/bucket_codec.h): a Store or Loader
// keeps them as they are and hands them back. Bytes a Sluice of another format version wrote
// are refused on read (counted, and the key starts afresh); they are never misread.
//
// Contracts for implementations:
// - Threads. Store methods are called from the threads that make decisions, concurrently, with
//   the key's shard lock held: calls for one key never overlap and arrive in the order the
//   changes happened; calls for other keys do. Loader methods are called from one thread, never
//   concurrently with each other.
// - Blocking. Store methods block the decision that caused them and every other key of the
//   same shard (1/64 of the keys): they must be quick (a local write or lookup, microseconds),
//   never a network round trip. Loader methods may block for as long as the I/O takes.
// - Errors. A Store cannot fail a decision: on an I/O error it logs, counts and returns (Get:
//   std::nullopt); decisions go on from memory. A Loader returns a Status; the server stops
//   start-up on a Load error unless told to ignore it (--snapshot-ignore-errors).
// - Expiry. Items carry expire_at (epoch ms). The limiter never uses an item whose expire_at is
//   before now; a Store may drop such items at any time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/status.h"

namespace sluice {

// One key's state, as views valid for the duration of the call that passes it.
struct StoredItemView {
  std::string_view key;   // name + "_" + unique_key
  int64_t expire_at = 0;  // epoch ms; the item is dead once expire_at < now
  // The window length in ms of the request that last changed the item (a Gregorian interval's
  // real length); a Store may skip short-lived keys by it (the server's --store-min-duration).
  int64_t duration = 0;
  std::string_view state;  // opaque, versioned bytes
};

// The same, owning its bytes.
struct StoredItem {
  std::string key;
  int64_t expire_at = 0;
  int64_t duration = 0;
  std::string state;

  StoredItemView view() const { return {key, expire_at, duration, state}; }
};

class Store {
 public:
  virtual ~Store() = default;

  // The key's state changed (a decision consumed, created or renewed it).
  virtual void OnChange(const StoredItemView& item) = 0;

  // The key's state was deleted (RESET_REMAINING on a token bucket).
  virtual void OnRemove(std::string_view key) = 0;

  // The key is not in memory: its stored item, or std::nullopt. `duration` is the requesting
  // call's window length in ms, so a Store that keeps only long windows answers short ones
  // without a lookup.
  virtual std::optional<StoredItem> Get(std::string_view key, int64_t duration) = 0;
};

class Loader {
 public:
  using ItemSink = std::function<void(const StoredItemView&)>;

  virtual ~Loader() = default;

  // Calls `add` for every saved item. A missing file or database is OK (a first start); a
  // corrupt, foreign, truncated or unreadable one is an error naming it.
  virtual Status Load(const ItemSink& add) = 0;

  // Saves every item `for_each` passes to its sink, replacing what was saved before; all or
  // nothing (a failed save leaves the previous one intact).
  virtual Status Save(const std::function<void(const ItemSink&)>& for_each) = 0;
};

}  // namespace sluice
