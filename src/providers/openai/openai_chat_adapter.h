#pragma once
// The OpenAI chat API on the egress side, for requests that arrive in another dialect (an Anthropic
// client reaching vLLM, say): the unified request as a chat/completions body, and the answer, whole
// or streamed, back into the unified model.
#include <memory>
#include <string>
#include <string_view>

#include "api/unified.h"
#include "core/error.h"
#include "providers/stream_decoder.h"

namespace sluice::providers::openai {

// Earlier turns' reasoning is not sent (OpenAI-compatible APIs take no reasoning input);
// thinking_budget becomes reasoning_effort (≤2048 low, ≤8192 medium, else high).
bool EncodeChatRequest(const api::ChatRequest& request, std::string_view model, std::string& body,
                       core::GatewayError& error);
bool DecodeChatResponse(std::string_view body, api::ChatResponse& out, core::GatewayError& error);
// `scan`: content chunks are scanned without a DOM (the default); false parses every event into a
// DOM, the reference the tests compare the scan with.
std::unique_ptr<StreamDecoder> NewChatStreamDecoder(bool scan = true);

}  // namespace sluice::providers::openai
