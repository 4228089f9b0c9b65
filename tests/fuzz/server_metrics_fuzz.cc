// libFuzzer target: arbitrary bytes as a model server's /metrics body, for each engine's names.
// Invariants: no crash; a body that parses gives gauges that are numbers (no NaN), KV usage the
// mean of reported values, and LoRA adapter names without commas.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "routing/server_metrics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using sluice::routing::ServerKind;
  for (ServerKind kind : {ServerKind::kVllm, ServerKind::kSglang, ServerKind::kLlamaCpp}) {
    sluice::routing::EndpointMetrics m;
    bool ok = sluice::routing::ParseServerMetrics(text, kind, m);
    if (ok != m.valid) std::abort();
    if (std::isnan(m.waiting) || std::isnan(m.running) || std::isnan(m.kv_usage)) std::abort();
    for (const auto& name : m.lora.running)
      if (name.empty() || name.find(',') != std::string::npos) std::abort();
  }
  return 0;
}
