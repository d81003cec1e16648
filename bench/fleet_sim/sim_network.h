// SimNetwork: the fleet simulator's network — datagrams between numbered nodes, each link with a
// latency, a jitter and a loss rate, and partitions that cut the fleet into groups. Time is the
// simulated clock in ms, passed in; the network only decides *when* (or whether) a datagram
// arrives, and hands arrivals back in time order. Seeded: the same sends give the same arrivals.
//
// Delivery: a datagram sent at `now` over a link {latency, jitter, loss} is lost with probability
// `loss`, else arrives at now + latency + U{0..jitter} (whole ms, so it may overtake an earlier
// one: reordering). Across a partition it is always lost. Arrivals at the same ms come out in
// send order.
//
// Not thread-safe; pure otherwise (no clock, no I/O).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace sluice::fleet {

struct LinkModel {
  int64_t latency_ms = 1;
  int64_t jitter_ms = 1;  // uniform extra delay in [0, jitter_ms]
  double loss = 0;        // probability in [0, 1]
};

template <typename Payload>
class SimNetwork {
 public:
  struct Arrival {
    int64_t at = 0;
    size_t from = 0;
    size_t to = 0;
    Payload payload;
  };

  SimNetwork(LinkModel default_link, uint64_t seed) : default_(default_link), rng_(seed) {}

  // Overrides the link from `a` to `b` (one direction).
  void SetLink(size_t a, size_t b, LinkModel link) { links_[{a, b}] = link; }
  // `group[i]` names node i's side: datagrams between different groups are lost. Nodes beyond
  // the vector are in group 0.
  void Partition(std::vector<int> group) { group_ = std::move(group); }
  void Heal() { group_.clear(); }

  // Sends; returns whether the datagram will arrive (false: lost or partitioned).
  bool Send(size_t from, size_t to, Payload payload, int64_t now) {
    ++sent_;
    if (GroupOf(from) != GroupOf(to)) {
      ++lost_;
      return false;
    }
    const LinkModel& link = LinkOf(from, to);
    if (link.loss > 0 && uniform_(rng_) < link.loss) {
      ++lost_;
      return false;
    }
    int64_t delay = link.latency_ms;
    if (link.jitter_ms > 0) {
      delay += std::uniform_int_distribution<int64_t>(0, link.jitter_ms)(rng_);
    }
    queue_.push_back(Queued{seq_++, Arrival{now + delay, from, to, std::move(payload)}});
    std::push_heap(queue_.begin(), queue_.end());
    return true;
  }

  // The time of the next arrival, if any.
  std::optional<int64_t> NextAt() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.front().arrival.at;
  }
  // Removes and returns the next arrival at or before `now`.
  std::optional<Arrival> Pop(int64_t now) {
    if (queue_.empty() || queue_.front().arrival.at > now) return std::nullopt;
    std::pop_heap(queue_.begin(), queue_.end());
    Arrival a = std::move(queue_.back().arrival);
    queue_.pop_back();
    return a;
  }

  size_t in_flight() const { return queue_.size(); }
  uint64_t sent() const { return sent_; }
  uint64_t lost() const { return lost_; }

 private:
  struct Queued {
    uint64_t seq;
    Arrival arrival;
    // A max-heap on this order pops the earliest arrival first; same ms: send order.
    bool operator<(const Queued& o) const {
      return arrival.at != o.arrival.at ? arrival.at > o.arrival.at : seq > o.seq;
    }
  };

  int GroupOf(size_t node) const { return node < group_.size() ? group_[node] : 0; }
  const LinkModel& LinkOf(size_t a, size_t b) const {
    if (links_.empty()) return default_;
    auto it = links_.find({a, b});
    return it == links_.end() ? default_ : it->second;
  }

  LinkModel default_;
  std::map<std::pair<size_t, size_t>, LinkModel> links_;
  std::vector<int> group_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  std::vector<Queued> queue_;  // a heap
  uint64_t seq_ = 0;
  uint64_t sent_ = 0;
  uint64_t lost_ = 0;
};

}  // namespace sluice::fleet
