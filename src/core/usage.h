#pragma once
#include <cstdint>

namespace sluice::core {

// Token usage of one request, in the unified vocabulary of the metrics (DESIGN.md §1).
struct TokenUsage {
  uint64_t input = 0;
  uint64_t output = 0;
  uint64_t cached_input = 0;          // input tokens read from the provider's prompt cache
  uint64_t cache_creation_input = 0;  // input tokens written to it (Anthropic, Bedrock)
  uint64_t reasoning = 0;
  bool estimated = false;  // the provider never reported it; these are local estimates
};

}  // namespace sluice::core
