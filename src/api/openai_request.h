#pragma once
// OpenAI ingress: parse and validate a request body once into a Boost.JSON DOM. Routing, policy and
// the upstream body all use this same DOM (DESIGN.md §2: never route on a raw peek).
#include <boost/json/value.hpp>
#include <cstdint>
#include <string_view>

#include "core/error.h"

namespace sluice::api {

enum class ApiKind { kChatCompletions, kCompletions, kEmbeddings };

std::string_view ApiKindOperation(ApiKind kind);  // "chat", "text_completion", "embeddings"

struct ParsedRequest {
  // The DOM and everything later added to it are allocated from `storage` (a per-request arena).
  explicit ParsedRequest(boost::json::storage_ptr storage = {}) : doc(std::move(storage)) {}

  ApiKind kind = ApiKind::kChatCompletions;
  boost::json::value doc;  // always an object after a successful parse
  std::string_view model;  // view into doc
  bool stream = false;
  bool client_wants_usage = false;  // stream_options.include_usage was true
  int64_t max_tokens = -1;          // max_tokens / max_completion_tokens; -1 if absent
  uint32_t prompt_chars = 0;        // characters of prompt text, for token estimates

  boost::json::object& body() { return doc.as_object(); }
};

// Parses `body` into `out` (using out.doc's storage). On failure fills `error`
// (caller_invalid_json, or caller_invalid_request with `param` naming the field) and returns false.
bool ParseOpenAiRequest(ApiKind kind, std::string_view body, ParsedRequest& out,
                        core::GatewayError& error);

// A cheap local estimate of prompt tokens (about four characters per token), never zero.
uint32_t EstimateTokens(uint32_t chars);

}  // namespace sluice::api
