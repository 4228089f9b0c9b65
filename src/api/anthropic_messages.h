#pragma once
// The Anthropic Messages dialect on the ingress side (POST /v1/messages): the request body into the
// unified model, and the unified answer back as a message body, as message_start ... message_stop
// events, or as an Anthropic error.
#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "api/stream_encoder.h"
#include "api/unified.h"
#include "core/error.h"

namespace sluice::api {

// Validates and decodes; unknown or untranslatable fields are refused naming the field.
bool DecodeAnthropicRequest(const boost::json::object& body, ChatRequest& out,
                            core::GatewayError& error);
// count_tokens takes the same body without max_tokens.
bool DecodeAnthropicCountTokens(const boost::json::object& body, ChatRequest& out,
                                core::GatewayError& error);

std::string EncodeAnthropicResponse(const ChatResponse& response, const ResponseIds& ids);
std::unique_ptr<StreamEncoder> NewAnthropicStreamEncoder(ResponseIds ids);

// {"type":"error","error":{"type","message","details":{"error_code","param"}}}; and the
// `event: error` of a failed stream.
std::string RenderAnthropicError(const core::GatewayError& error);
std::string RenderAnthropicStreamError(const core::GatewayError& error);
std::string_view AnthropicErrorType(core::ErrorCode code);

// Anthropic's usage object: input_tokens excludes cache reads and writes (unified input counts them).
boost::json::object AnthropicUsageObject(const core::TokenUsage& usage);

}  // namespace sluice::api
