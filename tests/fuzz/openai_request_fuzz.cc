// libFuzzer target: arbitrary request bodies through OpenAI request parsing and validation, for
// each endpoint kind. Invariant: no crash; a rejection always carries a code and a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "api/openai_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (auto kind : {sluice::api::ApiKind::kChatCompletions, sluice::api::ApiKind::kCompletions,
                    sluice::api::ApiKind::kEmbeddings}) {
    sluice::api::ParsedRequest out;
    sluice::core::GatewayError error;
    if (!sluice::api::ParseOpenAiRequest(kind, body, out, error) && error.message.empty())
      std::abort();
  }
  return 0;
}
