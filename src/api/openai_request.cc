#include "api/openai_request.h"

#include "core/json_parse.h"

namespace sluice::api {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

std::string_view ApiKindOperation(ApiKind kind) {
  switch (kind) {
    case ApiKind::kChatCompletions:
      return "chat";
    case ApiKind::kCompletions:
      return "text_completion";
    case ApiKind::kEmbeddings:
      return "embeddings";
  }
  return "chat";
}

uint32_t EstimateTokens(uint32_t chars) { return chars / 4 + 1; }

namespace {

bool Invalid(GatewayError& error, std::string param, std::string message) {
  error = GatewayError{ErrorCode::kCallerInvalidRequest, std::move(message), std::move(param)};
  return false;
}

// Characters of text in a message `content`: a string, or an array of parts with "text".
uint32_t ContentChars(const json::value& content) {
  if (content.is_string()) return static_cast<uint32_t>(content.get_string().size());
  uint32_t chars = 0;
  if (content.is_array())
    for (const auto& part : content.get_array())
      if (part.is_object())
        if (auto* text = part.get_object().if_contains("text"); text && text->is_string())
          chars += static_cast<uint32_t>(text->get_string().size());
  return chars;
}

bool ValidateMessages(const json::object& body, ParsedRequest& out, GatewayError& error) {
  const json::value* messages = body.if_contains("messages");
  if (!messages) return Invalid(error, "messages", "'messages' is required");
  if (!messages->is_array()) return Invalid(error, "messages", "'messages' must be an array");
  if (messages->get_array().empty())
    return Invalid(error, "messages", "'messages' must contain at least one message");
  size_t i = 0;
  for (const auto& message : messages->get_array()) {
    // The field's name is spelled out only on failure: valid requests allocate nothing here.
    auto where = [i] { return "messages[" + std::to_string(i) + "]"; };
    ++i;
    if (!message.is_object()) return Invalid(error, where(), "'" + where() + "' must be an object");
    const auto& m = message.get_object();
    const json::value* role = m.if_contains("role");
    if (!role) return Invalid(error, where() + ".role", "'" + where() + ".role' is required");
    if (!role->is_string())
      return Invalid(error, where() + ".role", "'" + where() + ".role' must be a string");
    if (const json::value* content = m.if_contains("content"))
      out.prompt_chars += ContentChars(*content);
  }
  return true;
}

// Strings, arrays of strings, or arrays of token ids (and arrays of those for embeddings).
bool ValidateTextInput(const json::object& body, std::string_view field, ParsedRequest& out,
                       GatewayError& error) {
  std::string name(field);
  const json::value* input = body.if_contains(field);
  if (!input) return Invalid(error, name, "'" + name + "' is required");
  if (input->is_string()) {
    out.prompt_chars += static_cast<uint32_t>(input->get_string().size());
    return true;
  }
  if (!input->is_array() || input->get_array().empty())
    return Invalid(error, name, "'" + name + "' must be a string or a non-empty array");
  for (const auto& item : input->get_array()) {
    if (item.is_string())
      out.prompt_chars += static_cast<uint32_t>(item.get_string().size());
    else if (item.is_int64() || item.is_uint64())
      out.prompt_chars += 4;
    else if (item.is_array())
      out.prompt_chars += static_cast<uint32_t>(4 * item.get_array().size());
    else
      return Invalid(error, name, "'" + name + "' items must be strings or token arrays");
  }
  return true;
}

bool ValidateGenerationOptions(const json::object& body, ParsedRequest& out, GatewayError& error) {
  if (const json::value* stream = body.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) return Invalid(error, "stream", "'stream' must be a boolean");
    out.stream = stream->get_bool();
  }
  if (const json::value* opts = body.if_contains("stream_options"); opts && !opts->is_null()) {
    if (!opts->is_object())
      return Invalid(error, "stream_options", "'stream_options' must be an object");
    if (const json::value* usage = opts->get_object().if_contains("include_usage")) {
      if (!usage->is_bool())
        return Invalid(error, "stream_options.include_usage", "'include_usage' must be a boolean");
      out.client_wants_usage = usage->get_bool();
    }
  }
  for (std::string_view field : {"max_tokens", "max_completion_tokens"}) {
    const json::value* v = body.if_contains(field);
    if (!v || v->is_null()) continue;
    std::string name(field);
    if (!(v->is_int64() || v->is_uint64()))
      return Invalid(error, name, "'" + name + "' must be an integer");
    if (v->is_int64() && v->get_int64() < 1)
      return Invalid(error, name, "'" + name + "' must be at least 1");
    out.max_tokens = v->is_int64() ? v->get_int64() : INT64_MAX;
  }
  return true;
}

}  // namespace

json::object& ParsedRequest::body() {
  if (unparsed) {
    boost::system::error_code ec;
    doc_ = core::ParseJson(unparsed->text, doc_.storage(), ec);
    // The scan accepts only what the parse accepts (fuzzed: tests/fuzz/openai_request_fuzz.cc).
    if (ec || !doc_.is_object()) doc_ = json::object(doc_.storage());
    unparsed.reset();  // from now on the DOM is the request
  }
  return doc_.as_object();
}

void EditUpstreamBody(json::object& body, std::string_view model, bool add_include_usage) {
  json::value& name = body["model"];  // per attempt: each target may want its own name
  if (!name.is_string() || name.get_string() != model) name = model;
  if (add_include_usage) {
    json::value& options = body["stream_options"];
    if (!options.is_object()) options = json::object(body.storage());
    options.get_object()["include_usage"] = true;
  }
}

bool ParseOpenAiRequest(ApiKind kind, std::string_view body, ParsedRequest& out,
                        GatewayError& error) {
  out.unparsed.reset();
  return ScanOpenAiRequest(kind, body, out) || ParseOpenAiRequestDom(kind, body, out, error);
}

bool ParseOpenAiRequestDom(ApiKind kind, std::string_view body, ParsedRequest& out,
                           GatewayError& error) {
  out.kind = kind;
  boost::system::error_code ec;
  out.doc_ = core::ParseJson(body, out.doc_.storage(), ec);  // same storage: O(1) move
  if (ec) {
    error = GatewayError{ErrorCode::kCallerInvalidJson,
                         body.empty() ? "request body is empty; a JSON object is expected"
                                      : "request body is not valid JSON: " + ec.message(),
                         ""};
    return false;
  }
  if (!out.doc_.is_object()) {
    error = GatewayError{ErrorCode::kCallerInvalidJson, "request body must be a JSON object", ""};
    out.doc_ = nullptr;
    return false;
  }
  const json::object& obj = out.doc_.get_object();
  const json::value* model = obj.if_contains("model");
  if (!model) return Invalid(error, "model", "'model' is required");
  if (!model->is_string() || model->get_string().empty())
    return Invalid(error, "model", "'model' must be a non-empty string");
  out.model = model->get_string();

  switch (kind) {
    case ApiKind::kChatCompletions:
      return ValidateMessages(obj, out, error) && ValidateGenerationOptions(obj, out, error);
    case ApiKind::kCompletions:
      return ValidateTextInput(obj, "prompt", out, error) &&
             ValidateGenerationOptions(obj, out, error);
    case ApiKind::kEmbeddings:
      return ValidateTextInput(obj, "input", out, error);
  }
  return true;
}

}  // namespace sluice::api
