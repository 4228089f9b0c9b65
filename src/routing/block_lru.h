#pragma once
// A fixed-capacity LRU set of block hashes: one model server's KV cache as the gateway imagines
// it. Nodes live in one array linked by index; a FlatMap64 finds them by hash.
#include <cstdint>
#include <optional>
#include <vector>

#include "routing/flat_map.h"

namespace sluice::routing {

class BlockLru {
 public:
  explicit BlockLru(uint32_t capacity);

  uint32_t capacity() const { return capacity_; }
  uint32_t size() const { return static_cast<uint32_t>(map_.size()); }
  bool Contains(uint64_t hash) const { return map_.Find(hash) != nullptr; }

  // Marks `hash` most recently used, inserting it when absent. Returns the hash evicted to make
  // room, if any.
  std::optional<uint64_t> Touch(uint64_t hash);
  // Shrinks or grows; returns the hashes evicted by shrinking.
  std::vector<uint64_t> Resize(uint32_t capacity);
  template <typename F>
  void ForEach(F&& f) const {
    for (uint32_t n = head_; n != kNone; n = nodes_[n].next) f(nodes_[n].hash);
  }

 private:
  static constexpr uint32_t kNone = 0xffffffffu;
  struct Node {
    uint64_t hash = 0;
    uint32_t prev = kNone;
    uint32_t next = kNone;
  };
  void Unlink(uint32_t n);
  void PushFront(uint32_t n);
  uint64_t EvictTail();

  uint32_t capacity_;
  std::vector<Node> nodes_;
  std::vector<uint32_t> free_;
  FlatMap64<uint32_t> map_;
  uint32_t head_ = kNone;  // most recent
  uint32_t tail_ = kNone;  // least recent
};

}  // namespace sluice::routing
