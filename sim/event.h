#pragma once
// The simulators' event queue: replica step ends, scrapes and arrivals, earliest first; at equal
// times in that order, then in the order they were pushed (deterministic runs).
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace sluice::sim {

struct Event {
  enum Kind { kStepEnd, kScrape, kArrival } kind;
  double time;
  uint64_t seq;    // push order
  uint32_t index;  // replica or request
  bool operator>(const Event& o) const {
    if (time != o.time) return time > o.time;
    if (kind != o.kind) return kind > o.kind;
    return seq > o.seq;
  }
};

using EventQueue = std::priority_queue<Event, std::vector<Event>, std::greater<>>;

}  // namespace sluice::sim
