#include "routing/prefix_hash.h"

#define XXH_STATIC_LINKING_ONLY  // XXH64_state_t on the stack
#include <xxhash.h>

#include <algorithm>
#include <cstring>

namespace sluice::routing {

uint64_t PrefixSeed(std::string_view model, std::string_view salt) {
  XXH64_state_t state;
  XXH64_reset(&state, 0);
  XXH64_update(&state, model.data(), model.size());
  const char zero = 0;  // "ab"+"c" and "a"+"bc" must differ
  XXH64_update(&state, &zero, 1);
  XXH64_update(&state, salt.data(), salt.size());
  return XXH64_digest(&state);
}

void HashPrompt(uint64_t seed, std::string_view text, const PrefixHashOptions& options,
                std::vector<uint64_t>& out) {
  out.clear();
  const size_t block = std::max<size_t>(options.block_chars, 1);
  if (text.size() < block) return;
  size_t blocks = std::min((text.size() + block - 1) / block, options.max_blocks);
  out.reserve(blocks);
  uint64_t h = seed;
  for (size_t i = 0; i < blocks; ++i) {
    size_t len = std::min(block, text.size() - i * block);
    h = XXH64(text.data() + i * block, len, h);
    out.push_back(h);
  }
}

uint64_t ChainHash(uint64_t previous, uint64_t id) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(id >> (8 * i));
  return XXH64(bytes, sizeof bytes, previous);
}

void HashBlockIds(uint64_t seed, std::span<const uint64_t> ids, std::vector<uint64_t>& out) {
  out.clear();
  out.reserve(ids.size());
  uint64_t h = seed;
  for (uint64_t id : ids) {
    h = ChainHash(h, id);
    out.push_back(h);
  }
}

}  // namespace sluice::routing
