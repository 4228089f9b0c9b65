#pragma once
// Chained block hashes of a prompt, the keys of the approximate prefix-cache index (as GIE's
// approximate prefix producer): h0 = xxh64(model ‖ 0 ‖ salt), h_i = xxh64(block_i, seed = h_{i-1}).
// Each hash stands for the whole prefix up to its block, so two prompts share hash i exactly when
// they share blocks 0..i; model and salt (tenant, cache_salt) in the seed keep pools apart.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::routing {

struct PrefixHashOptions {
  // 16 tokens (vLLM's default block) at ~4 characters per token.
  size_t block_chars = 64;
  // 256 blocks ≈ 4k tokens: beyond that the extra precision is not worth the hashing.
  size_t max_blocks = 256;
};

uint64_t PrefixSeed(std::string_view model, std::string_view salt);

// Hashes of the canonical prompt text, one per block; a trailing partial block is hashed too,
// a text shorter than one block gives none. Appends to `out` (cleared first).
void HashPrompt(uint64_t seed, std::string_view text, const PrefixHashOptions& options,
                std::vector<uint64_t>& out);

// The same chain over blocks already identified by 64-bit content ids (the simulator's blocks,
// trace hash ids): h_i = xxh64(le64(id_i), seed = h_{i-1}).
void HashBlockIds(uint64_t seed, std::span<const uint64_t> ids, std::vector<uint64_t>& out);
uint64_t ChainHash(uint64_t previous, uint64_t id);

}  // namespace sluice::routing
