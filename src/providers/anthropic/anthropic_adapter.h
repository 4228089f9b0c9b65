#pragma once
// The Anthropic Messages API on the egress side: the unified request as a /v1/messages body, and
// the answer, whole or as message_start ... message_stop events, back into the unified model.
//
// Mappings worth knowing: max_tokens is required by Anthropic, so a request without one gets
// kDefaultMaxTokens (plus the thinking budget, which must stay below max_tokens); reasoning_effort
// becomes a thinking budget (low 1024, medium 4096, high 16384); parallel_tool_calls=false becomes
// disable_parallel_tool_use (not with tool_choice none); empty text parts are not sent. Unified
// input tokens count cache reads and writes (Anthropic's input_tokens does not).
#include <memory>
#include <string>
#include <string_view>

#include "api/unified.h"
#include "core/error.h"
#include "providers/stream_decoder.h"

namespace sluice::providers::anthropic {

constexpr int64_t kDefaultMaxTokens = 4096;
constexpr std::string_view kApiVersion = "2023-06-01";  // sent as anthropic-version

bool EncodeMessagesRequest(const api::ChatRequest& request, std::string_view model,
                           std::string& body, core::GatewayError& error);
bool DecodeMessagesResponse(std::string_view body, api::ChatResponse& out,
                            core::GatewayError& error);
std::unique_ptr<StreamDecoder> NewMessagesStreamDecoder();

// Anthropic usage (message or message_delta usage object) into unified counts.
core::TokenUsage UsageFrom(const boost::json::object& usage);

}  // namespace sluice::providers::anthropic
