#pragma once
// The OpenAI chat dialect on the ingress side, for requests served by a provider with another API:
// the parsed request DOM into the unified model, and the unified answer back as a chat.completion
// body or chat.completion.chunk events. (OpenAI in, OpenAI-compatible out never comes here: it is
// relayed from the DOM as is.)
#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "api/stream_encoder.h"
#include "api/unified.h"
#include "core/error.h"

namespace sluice::api {

// Fields the unified model cannot carry are refused (caller_unsupported_feature, naming the field).
bool DecodeOpenAiChatRequest(const boost::json::object& body, ChatRequest& out,
                             core::GatewayError& error);

std::string EncodeOpenAiChatResponse(const ChatResponse& response, const ResponseIds& ids);

// `include_usage`: the client asked for the usage chunk (stream_options.include_usage).
std::unique_ptr<StreamEncoder> NewOpenAiChatStreamEncoder(ResponseIds ids, bool include_usage);

// Reads a JSON-schema response format ({name, schema, strict}: chat's response_format.json_schema,
// the Responses API's text.format) into `out`.
void ReadSchemaFormat(const boost::json::object& spec, ResponseFormat& out);

// OpenAI's usage object for unified counts.
boost::json::object OpenAiUsageObject(const core::TokenUsage& usage);

}  // namespace sluice::api
