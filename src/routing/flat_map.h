#pragma once
// Open-addressing hash map from 64-bit keys to a small value, for the prefix index's hot path:
// one probe sequence in one array (std::unordered_map chases a pointer per lookup). Keys are
// already well-mixed hashes, so the slot is the key's low bits. Key 0 is the empty marker and is
// remapped on the way in. Deletion shifts later entries back, so no tombstones accumulate.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::routing {

template <typename V>
class FlatMap64 {
 public:
  explicit FlatMap64(size_t expected = 16) { Rehash(Capacity(expected)); }

  size_t size() const { return size_; }

  V* Find(uint64_t key) {
    key = Fix(key);
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == 0) return nullptr;
    }
  }
  const V* Find(uint64_t key) const { return const_cast<FlatMap64*>(this)->Find(key); }

  // Returns the value for key, inserting `init` when absent.
  V& Upsert(uint64_t key, V init) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Rehash(slots_.size() * 2);
    key = Fix(key);
    size_t i = key & mask_;
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].value;
      if (slots_[i].key == 0) break;
    }
    slots_[i] = Slot{key, init};
    ++size_;
    return slots_[i].value;
  }

  bool Erase(uint64_t key) {
    key = Fix(key);
    size_t i = key & mask_;
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) break;
      if (slots_[i].key == 0) return false;
    }
    // Backward-shift: move later entries of the probe run into the hole when that keeps them
    // reachable from their home slot.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; slots_[j].key != 0; j = (j + 1) & mask_) {
      size_t home = slots_[j].key & mask_;
      bool movable = (hole <= j) ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --size_;
    return true;
  }

  void Clear() {
    for (auto& s : slots_) s = Slot{};
    size_ = 0;
  }

 private:
  struct Slot {
    uint64_t key = 0;
    V value{};
  };
  static uint64_t Fix(uint64_t key) { return key ? key : 0x9e3779b97f4a7c15ull; }
  static size_t Capacity(size_t expected) {
    size_t c = 16;
    while (c * 3 < expected * 4 + 4) c *= 2;
    return c;
  }
  void Rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_ = 0;
    for (const auto& s : old) {
      if (s.key == 0) continue;
      size_t i = s.key & mask_;
      while (slots_[i].key != 0) i = (i + 1) & mask_;
      slots_[i] = s;
      ++size_;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace sluice::routing
