#include "routing/prefix_index.h"

#include <algorithm>

namespace sluice::routing {

PrefixIndex::PrefixIndex(size_t endpoints, uint32_t capacity)
    : owners_(1024), lrus_(std::min(endpoints, kMaxEndpoints), BlockLru(capacity)) {}

void PrefixIndex::SetCapacity(size_t e, uint32_t blocks) {
  if (e >= lrus_.size() || blocks == lrus_[e].capacity()) return;
  for (uint64_t h : lrus_[e].Resize(blocks)) Drop(e, h);
}

void PrefixIndex::Drop(size_t e, uint64_t hash) {
  uint64_t* owners = owners_.Find(hash);
  if (!owners) return;
  *owners &= ~(uint64_t{1} << e);
  if (*owners == 0) owners_.Erase(hash);
}

void PrefixIndex::Insert(size_t e, std::span<const uint64_t> hashes) {
  if (e >= lrus_.size()) return;
  const uint64_t bit = uint64_t{1} << e;
  for (size_t i = hashes.size(); i-- > 0;) {
    if (auto evicted = lrus_[e].Touch(hashes[i])) Drop(e, *evicted);
    owners_.Upsert(hashes[i], 0) |= bit;
  }
}

uint64_t PrefixIndex::Owners(uint64_t hash) const {
  const uint64_t* owners = owners_.Find(hash);
  return owners ? *owners : 0;
}

void PrefixIndex::Match(std::span<const uint64_t> hashes, std::span<uint32_t> matched) const {
  const size_t n = lrus_.size();
  std::fill(matched.begin(), matched.begin() + n, 0);
  if (n == 0 || hashes.empty()) return;
  // An endpoint holding block i holds blocks 0..i-1 too: a prompt's blocks are touched tail
  // first, so along a chain recency never increases and the LRU never evicts a block before its
  // successors. Owner sets therefore shrink along the chain and each endpoint's boundary is found
  // by bisection: a few lookups for a 256-block prompt instead of 256 cache misses.
  const uint64_t first = Owners(hashes[0]);
  if (!first) return;
  const size_t last = hashes.size() - 1;
  const uint64_t tail = last == 0 ? first : Owners(hashes[last]) & first;
  for (uint64_t m = tail; m; m &= m - 1) matched[__builtin_ctzll(m)] = uint32_t(hashes.size());
  // Invariant: endpoints in `in` hold block lo, those in `in & ~out` not block hi.
  struct Range {
    size_t lo, hi;
    uint64_t in, out;
  };
  Range stack[72];
  size_t depth = 0;
  stack[depth++] = {0, last, first, tail};
  while (depth) {
    Range r = stack[--depth];
    uint64_t leaving = r.in & ~r.out;
    if (!leaving) continue;
    if (r.hi - r.lo <= 1) {
      for (uint64_t m = leaving; m; m &= m - 1) matched[__builtin_ctzll(m)] = uint32_t(r.hi);
      continue;
    }
    size_t mid = r.lo + (r.hi - r.lo) / 2;
    uint64_t at_mid = Owners(hashes[mid]) & r.in;
    stack[depth++] = {r.lo, mid, r.in, at_mid};
    stack[depth++] = {mid, r.hi, at_mid, r.out & at_mid};
  }
}

void PrefixIndex::Clear(size_t e) {
  if (e >= lrus_.size()) return;
  std::vector<uint64_t> held;
  held.reserve(lrus_[e].size());
  lrus_[e].ForEach([&](uint64_t h) { held.push_back(h); });
  for (uint64_t h : held) Drop(e, h);
  lrus_[e] = BlockLru(lrus_[e].capacity());
}

}  // namespace sluice::routing
