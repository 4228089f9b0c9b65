#pragma once
// The approximate prefix-cache index of one pool: which endpoint probably still holds which
// prompt blocks in its KV cache, learnt from where the gateway sent each prompt (no feedback from
// the servers). Per endpoint, an LRU of block hashes sized to the server's KV capacity; across
// endpoints, hash -> bitset of endpoints (a pool has at most 64 endpoints). Sans-I/O, single
// owner (one per worker), no locks.
#include <cstdint>
#include <span>
#include <vector>

#include "routing/block_lru.h"
#include "routing/flat_map.h"

namespace sluice::routing {

class PrefixIndex {
 public:
  static constexpr size_t kMaxEndpoints = 64;
  // GIE's lruCapacityPerServer: ~500k tokens of KV in 16-token blocks.
  static constexpr uint32_t kDefaultCapacity = 31250;

  explicit PrefixIndex(size_t endpoints = 0, uint32_t capacity = kDefaultCapacity);

  size_t endpoints() const { return lrus_.size(); }
  // Capacity of endpoint e in blocks (from the server's reported KV size).
  void SetCapacity(size_t e, uint32_t blocks);
  uint32_t capacity(size_t e) const { return lrus_[e].capacity(); }
  uint32_t size(size_t e) const { return lrus_[e].size(); }
  bool Holds(size_t e, uint64_t hash) const { return lrus_[e].Contains(hash); }

  // Records that endpoint e now caches these blocks. The tail is touched first, so the head of a
  // prompt is the most recent and is evicted last, as vLLM frees a finished request's blocks.
  void Insert(size_t e, std::span<const uint64_t> hashes);
  // matched[e] = how many leading hashes endpoint e holds (its longest cached prefix), for every
  // endpoint; `matched` must have endpoints() entries. Found by bisection (prefix_index.cc).
  void Match(std::span<const uint64_t> hashes, std::span<uint32_t> matched) const;
  // Forgets endpoint e's blocks (server restarted, cache cleared).
  void Clear(size_t e);

 private:
  void Drop(size_t e, uint64_t hash);
  uint64_t Owners(uint64_t hash) const;

  FlatMap64<uint64_t> owners_;  // block hash -> bitset of endpoints
  std::vector<BlockLru> lrus_;
};

}  // namespace sluice::routing
