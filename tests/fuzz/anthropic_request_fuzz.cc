// libFuzzer target: arbitrary bytes as the body of POST /v1/messages (and of count_tokens): JSON
// parsing, the Anthropic request decoder (and the OpenAI chat and Responses decoders), then the unified request encoded for an OpenAI chat
// upstream and for an Anthropic upstream; the same DOM also through the OpenAI chat decoder.
// Invariants: no crash; every rejection carries a caller_* code and a message quoting the field it
// names (param); every body an encoder produces is a JSON object.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/anthropic_messages.h"
#include "api/openai_chat_codec.h"
#include "api/openai_responses.h"
#include "core/json_parse.h"
#include "providers/anthropic/anthropic_adapter.h"
#include "providers/openai/openai_chat_adapter.h"

namespace {

using sluice::core::ErrorCode;
using sluice::core::GatewayError;

void CheckRejection(const GatewayError& error) {
  bool caller = error.code == ErrorCode::kCallerInvalidRequest ||
                error.code == ErrorCode::kCallerUnsupportedFeature;
  if (!caller || error.message.find("'" + error.param + "'") == std::string::npos) std::abort();
}

void CheckBody(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = sluice::core::ParseJson(body, {}, ec);
  if (ec || !v.is_object()) std::abort();
}

void Encode(const sluice::api::ChatRequest& req) {
  for (int upstream = 0; upstream < 2; ++upstream) {
    std::string body;
    GatewayError error;
    bool ok = upstream == 0
                  ? sluice::providers::openai::EncodeChatRequest(req, "gpt-4o", body, error)
                  : sluice::providers::anthropic::EncodeMessagesRequest(req, "claude", body, error);
    if (ok)
      CheckBody(body);
    else
      CheckRejection(error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  boost::json::value doc = sluice::core::ParseJson(text, {}, ec);
  if (ec || !doc.is_object()) return 0;
  const boost::json::object& body = doc.get_object();
  using Decoder = bool (*)(const boost::json::object&, sluice::api::ChatRequest&, GatewayError&);
  for (Decoder decode : {&sluice::api::DecodeAnthropicRequest, &sluice::api::DecodeAnthropicCountTokens,
                         &sluice::api::DecodeOpenAiChatRequest,
                         &sluice::api::DecodeResponsesRequest}) {
    sluice::api::ChatRequest req;
    GatewayError error;
    if (decode(body, req, error))
      Encode(req);
    else
      CheckRejection(error);
  }
  return 0;
}
