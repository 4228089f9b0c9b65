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

void PrefixIndex::Match(std::span<const uint64_t> hashes, std::span<uint32_t> matched) const {
  const size_t n = lrus_.size();
  std::fill(matched.begin(), matched.begin() + n, 0);
  if (n == 0) return;
  uint64_t alive = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  // Lookups are independent cache misses: start a few ahead so they overlap.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(kAhead, hashes.size()); ++i) owners_.Prefetch(hashes[i]);
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i + kAhead < hashes.size()) owners_.Prefetch(hashes[i + kAhead]);
    const uint64_t* owners = owners_.Find(hashes[i]);
    uint64_t now = owners ? (*owners & alive) : 0;
    for (uint64_t dead = alive & ~now; dead; dead &= dead - 1)
      matched[__builtin_ctzll(dead)] = static_cast<uint32_t>(i);
    alive = now;
    if (!alive) return;
  }
  for (; alive; alive &= alive - 1)
    matched[__builtin_ctzll(alive)] = static_cast<uint32_t>(hashes.size());
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
