#pragma once
// The simulated provider's content, sans-I/O: deterministic answers, chunks and embeddings for a
// parsed OpenAI request. The same request always yields the same text, so tests can compare
// answers; timing (token rate) is applied by the caller (proxy/sim_backend).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/openai_request.h"
#include "api/unified.h"
#include "config/config.h"

namespace sluice::providers::sim {

struct SimAnswer {
  std::vector<std::string_view> tokens;  // each one completion token of text
  uint32_t prompt_tokens = 0;
  bool truncated = false;  // stopped by max_tokens: finish_reason "length"
  // Acting as a model-server replica: prompt tokens served from its prefix cache, reported as
  // usage.prompt_tokens_details.cached_tokens.
  bool report_cached = false;
  uint32_t cached_tokens = 0;
};

struct ResponseIds {
  std::string_view id;     // e.g. "chatcmpl-<request id>"
  std::string_view model;  // the model name reported back
  int64_t created = 0;     // unix seconds
};

SimAnswer PlanAnswer(const api::ParsedRequest& request, const config::SimSettings& settings);
// The same for a request of another dialect, in the unified model.
SimAnswer PlanAnswer(const api::ChatRequest& request, const config::SimSettings& settings);
SimAnswer PlanAnswer(uint64_t seed, uint32_t prompt_chars, int64_t max_tokens,
                     const config::SimSettings& settings);

// Whole non-streaming body for chat or text completions.
std::string RenderCompletion(api::ApiKind kind, const ResponseIds& ids, const SimAnswer& answer);
// One streamed chunk's JSON (without "data: "). `token` empty and `finish` true: the final chunk.
// `role_chunk`: the first chat chunk announcing the assistant role.
std::string RenderChunk(api::ApiKind kind, const ResponseIds& ids, std::string_view token,
                        bool role_chunk, bool finish, const SimAnswer& answer);
// The usage-only chunk sent last when the client asked for stream usage.
std::string RenderUsageChunk(api::ApiKind kind, const ResponseIds& ids, const SimAnswer& answer);
// Embeddings response: one unit vector of `settings.embedding_dims` per input.
std::string RenderEmbeddings(const api::ParsedRequest& request, const ResponseIds& ids,
                             const config::SimSettings& settings, uint32_t* prompt_tokens);

}  // namespace sluice::providers::sim
