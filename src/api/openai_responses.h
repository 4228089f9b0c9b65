#pragma once
// The OpenAI Responses dialect on the ingress side (POST /v1/responses), served statelessly through
// the unified model by any provider: the request's input items into a ChatRequest, and the answer
// back as a `response` object or as the response.* event stream (created, output items, text and
// function-call argument deltas, completed).
//
// Stateless: previous_response_id, store: true, conversation and the built-in tools (web search,
// file search, code interpreter, MCP, computer use) are refused with caller_unsupported_feature.
// Reasoning items given as input become unsigned reasoning (see docs/providers.md on how each
// provider treats earlier reasoning).
#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "api/stream_encoder.h"
#include "api/unified.h"
#include "core/error.h"

namespace sluice::api {

bool DecodeResponsesRequest(const boost::json::object& body, ChatRequest& out,
                            core::GatewayError& error);

// `ids.id` is the response id ("resp_..."); item ids are derived from it.
std::string EncodeResponsesResponse(const ChatResponse& response, const ResponseIds& ids);
std::unique_ptr<StreamEncoder> NewResponsesStreamEncoder(ResponseIds ids);

// The `event: error` that ends a failed Responses stream.
std::string RenderResponsesStreamError(const core::GatewayError& error, uint64_t sequence_number);

}  // namespace sluice::api
