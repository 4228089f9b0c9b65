#include "core/request_id.h"

namespace sluice::core {

static uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

RequestIdGenerator::RequestIdGenerator(uint64_t seed) : prefix_(SplitMix64(seed)) {}

std::string RequestIdGenerator::Next() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t parts[2] = {prefix_, SplitMix64(prefix_ ^ ++counter_)};
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < 16; ++i) id[p * 16 + i] = kHex[(parts[p] >> (60 - 4 * i)) & 0xf];
  return id;
}

}  // namespace sluice::core
