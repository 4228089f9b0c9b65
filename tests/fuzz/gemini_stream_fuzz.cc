// libFuzzer target: arbitrary bytes as one SSE data payload of a Gemini streamGenerateContent
// stream, then the same bytes through whole-response decoding. Invariants: no crash; a rejection
// always carries a provider_* code and a message; a rejected chunk emits no delta; tool call
// indices count up from 0 without gaps; every delta's views are readable during the call.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "providers/gemini/gemini_codec.h"

namespace {

using sluice::core::ErrorCode;

bool ProviderCode(ErrorCode code) {
  return code >= ErrorCode::kProviderInvalidRequest && code <= ErrorCode::kProviderBadResponse;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  sluice::providers::gemini::GeminiStreamDecoder decoder;
  size_t deltas = 0;
  int next_tool = 0;
  size_t touched = 0;
  auto emit = [&](const sluice::api::StreamDelta& d) {
    ++deltas;
    // Touch every byte the views promise, so ASan sees a dangling one.
    for (std::string_view v : {d.text, d.id, d.name, d.model})
      for (char c : v) touched += static_cast<unsigned char>(c);
    if (d.kind == sluice::api::StreamDelta::Kind::kToolCallStart) {
      if (d.index != next_tool) std::abort();
      ++next_tool;
    }
  };
  sluice::core::GatewayError error;
  // Twice through one decoder: the second chunk sees the state the first one left.
  for (int round = 0; round < 2; ++round) {
    deltas = 0;
    if (!decoder.OnEvent("", payload, emit, error)) {
      if (!ProviderCode(error.code) || error.message.empty() || deltas != 0) std::abort();
      break;
    }
  }
  sluice::api::ChatResponse response;
  sluice::core::GatewayError response_error;
  if (!sluice::providers::gemini::DecodeGeminiResponse(payload, response, response_error) &&
      (!ProviderCode(response_error.code) || response_error.message.empty()))
    std::abort();
  static volatile size_t sink;
  sink = touched;  // keeps the reads above from being optimised away
  return 0;
}
