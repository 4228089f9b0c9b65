#pragma once
// OpenAI ingress: parse and validate a request body once. Routing, policy and the upstream body all
// read what this parse read (DESIGN.md §2: never route on a raw peek).
//
// Most requests are read by a one-pass scan (openai_request_scan.cc) that builds no DOM: it reads
// the fields below, and the upstream body is the client's text with the model name spliced in.
// The scan accepts only texts that every JSON parser reads alike where it reads them (no duplicate
// or escaped keys there, see core::JsonReader); anything else, and so every error, goes through
// the Boost.JSON DOM, which is re-serialised for the upstream. Code that needs more of the body
// calls body(), which builds the DOM from the client's text on first use.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluice::api {

enum class ApiKind { kChatCompletions, kCompletions, kEmbeddings };

std::string_view ApiKindOperation(ApiKind kind);  // "chat", "text_completion", "embeddings"

struct ParsedRequest {
  // The DOM and everything later added to it are allocated from `storage` (a per-request arena).
  explicit ParsedRequest(boost::json::storage_ptr storage = {}) : doc_(std::move(storage)) {}

  ApiKind kind = ApiKind::kChatCompletions;
  std::string_view model;  // a view into the client's body or the DOM
  bool stream = false;
  bool client_wants_usage = false;  // stream_options.include_usage was true
  int64_t max_tokens = -1;          // max_tokens / max_completion_tokens; -1 if absent
  uint32_t prompt_chars = 0;        // characters of prompt text, for token estimates

  // What the scan found, while no DOM is built: the client's body (owned by the exchange) and
  // where in it the model's string literal and the object's closing brace are.
  struct Unparsed {
    std::string_view text;
    size_t model_begin = 0, model_end = 0;  // the model's literal, quotes included
    size_t object_end = 0;                  // the top-level '}'
    bool has_stream_options = false;
  };
  std::optional<Unparsed> unparsed;

  bool has_body() const { return unparsed || doc_.is_object(); }  // after a successful parse
  // The request as a DOM, built from the client's text on first use after a scan (so the const
  // overload, logically const, may build it too).
  boost::json::object& body();
  const boost::json::object& body() const { return const_cast<ParsedRequest*>(this)->body(); }
  const boost::json::storage_ptr& storage() const { return doc_.storage(); }

 private:
  friend bool ParseOpenAiRequestDom(ApiKind, std::string_view, ParsedRequest&, core::GatewayError&);
  boost::json::value doc_;  // an object after a DOM parse
};

// Parses `body` into `out` (a DOM, if one is needed, in out's storage). On failure fills `error`
// (caller_invalid_json, or caller_invalid_request with `param` naming the field) and returns false.
bool ParseOpenAiRequest(ApiKind kind, std::string_view body, ParsedRequest& out,
                        core::GatewayError& error);

// The DOM path alone (what ParseOpenAiRequest does when the scan declines), for tests.
bool ParseOpenAiRequestDom(ApiKind kind, std::string_view body, ParsedRequest& out,
                           core::GatewayError& error);

// The one-pass scan: true if it read `body` whole as a valid request (out filled, out.unparsed
// set); false if the text is not for it, valid or not (out untouched).
bool ScanOpenAiRequest(ApiKind kind, std::string_view body, ParsedRequest& out);

// The upstream body of a scanned request: the client's text with `model` as the model and, if
// `add_include_usage`, "stream_options":{"include_usage":true} added. Nullopt when the splice
// cannot express it (stream_options is already there): build the DOM and serialise it instead.
std::optional<std::string> SpliceUpstreamBody(const ParsedRequest::Unparsed& raw,
                                              std::string_view model, bool add_include_usage);

// The same edits on a DOM (for a request the scan declined, or whose DOM was built since).
void EditUpstreamBody(boost::json::object& body, std::string_view model, bool add_include_usage);

// A cheap local estimate of prompt tokens (about four characters per token), never zero.
uint32_t EstimateTokens(uint32_t chars);

}  // namespace sluice::api
