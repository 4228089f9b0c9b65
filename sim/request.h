#pragma once
// One simulated request: arrival time, lengths, and its prompt as 16-token blocks.
#include <cstdint>
#include <vector>

namespace sluice::sim {

struct SimRequest {
  double arrival = 0;  // seconds
  uint32_t prompt_tokens = 0;
  uint32_t output_tokens = 1;
  // Content id per prompt block (kBlockTokens tokens; the last may be partial). Equal ids at
  // equal positions after equal prefixes are equal blocks.
  std::vector<uint64_t> prompt_blocks;
  // Content ids of the answer's blocks when a later prompt repeats the answer (multi-turn);
  // only meaningful when prompt_tokens is a multiple of kBlockTokens.
  std::vector<uint64_t> output_blocks;
  uint64_t session = 0;
  uint32_t tenant = 0;  // index into the fairness workload's tenants (sim/tenants.h)
  // Filled by the fleet: chained hashes of prompt_blocks, then of output_blocks.
  std::vector<uint64_t> hashes;
  std::vector<uint64_t> output_hashes;
};

constexpr uint32_t kBlockTokens = 16;

inline uint64_t Mix(uint64_t x) {  // splitmix64 finaliser: content ids from small integers
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace sluice::sim
