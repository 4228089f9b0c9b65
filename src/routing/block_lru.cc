#include "routing/block_lru.h"

namespace sluice::routing {

BlockLru::BlockLru(uint32_t capacity) : capacity_(capacity ? capacity : 1) {}

void BlockLru::Unlink(uint32_t n) {
  Node& node = nodes_[n];
  if (node.prev != kNone)
    nodes_[node.prev].next = node.next;
  else
    head_ = node.next;
  if (node.next != kNone)
    nodes_[node.next].prev = node.prev;
  else
    tail_ = node.prev;
  node.prev = node.next = kNone;
}

void BlockLru::PushFront(uint32_t n) {
  nodes_[n].prev = kNone;
  nodes_[n].next = head_;
  if (head_ != kNone) nodes_[head_].prev = n;
  head_ = n;
  if (tail_ == kNone) tail_ = n;
}

uint64_t BlockLru::EvictTail() {
  uint32_t n = tail_;
  uint64_t hash = nodes_[n].hash;
  Unlink(n);
  map_.Erase(hash);
  free_.push_back(n);
  return hash;
}

std::optional<uint64_t> BlockLru::Touch(uint64_t hash) {
  if (uint32_t* n = map_.Find(hash)) {
    if (*n != head_) {
      uint32_t node = *n;
      Unlink(node);
      PushFront(node);
    }
    return std::nullopt;
  }
  std::optional<uint64_t> evicted;
  if (map_.size() >= capacity_) evicted = EvictTail();
  uint32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    n = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  nodes_[n].hash = hash;
  PushFront(n);
  map_.Upsert(hash, n);
  return evicted;
}

std::vector<uint64_t> BlockLru::Resize(uint32_t capacity) {
  capacity_ = capacity ? capacity : 1;
  std::vector<uint64_t> evicted;
  while (map_.size() > capacity_) evicted.push_back(EvictTail());
  return evicted;
}

}  // namespace sluice::routing
