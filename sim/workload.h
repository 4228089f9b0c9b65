#pragma once
// Request generators for the fleet simulator (docs/routing.md describes each). Every prompt is
// a sequence of 16-token blocks with content ids, so sharing is explicit; arrivals are Poisson
// unless said otherwise. Deterministic for a given seed.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/request.h"

namespace sluice::sim {

// inference-perf's shared_prefix: groups x prompts, each prompt = the group's system prompt +
// its own question; requests draw prompts uniformly. Defaults: GIE/llm-d's "high cache
// pressure" configuration (150 x 5, 6000/1200/1000).
struct SharedPrefixOptions {
  uint32_t groups = 150;
  uint32_t prompts_per_group = 5;
  uint32_t system_tokens = 6000;
  uint32_t question_tokens = 1200;
  uint32_t output_tokens = 1000;
};
std::vector<SimRequest> SharedPrefix(const SharedPrefixOptions& o, double rate, size_t requests,
                                     uint64_t seed);

// production-stack's multi-round QA: users each hold a conversation; every turn's prompt is the
// previous prompt + the answer + a new question, behind one shared system prompt. Turns of a
// user are `users / rate` seconds apart, users staggered.
struct MultiTurnOptions {
  uint32_t users = 64;
  uint32_t system_tokens = 1024;
  uint32_t user_context_tokens = 2048;
  uint32_t question_tokens = 96;
  uint32_t answer_tokens = 128;
};
std::vector<SimRequest> MultiTurn(const MultiTurnOptions& o, double rate, size_t requests,
                                  uint64_t seed);

// Few-shot templates: K long prefixes with Zipf(s) popularity, each request a short new query.
struct FewShotOptions {
  uint32_t templates = 32;
  uint32_t min_template_tokens = 2048;
  uint32_t max_template_tokens = 8192;
  double zipf_s = 1.0;
  uint32_t query_tokens = 128;
  uint32_t output_tokens = 128;
};
std::vector<SimRequest> FewShot(const FewShotOptions& o, double rate, size_t requests,
                                uint64_t seed);

// No sharing at all: unique prompts of uniform length, uniform output lengths.
struct NoSharingOptions {
  uint32_t min_prompt_tokens = 256;
  uint32_t max_prompt_tokens = 4096;
  uint32_t min_output_tokens = 32;
  uint32_t max_output_tokens = 512;
};
std::vector<SimRequest> NoSharing(const NoSharingOptions& o, double rate, size_t requests,
                                  uint64_t seed);

// Mooncake-format trace replay: JSONL lines {timestamp (ms), input_length, output_length,
// hash_ids (one per 512-token block; equal ids = equal blocks after equal prefixes)}.
// Arrivals are divided by `speedup`. Returns false with `error` set on a malformed file.
bool LoadMooncakeTrace(const std::string& path, double speedup, size_t max_requests,
                       std::vector<SimRequest>& out, std::string& error);
// Writes a small synthetic trace in that format: shared system prompts and multi-turn sessions.
bool WriteSyntheticTrace(const std::string& path, size_t requests, uint64_t seed);

}  // namespace sluice::sim
