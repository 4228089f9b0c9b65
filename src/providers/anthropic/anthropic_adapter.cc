#include "providers/anthropic/anthropic_adapter.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "core/json_parse.h"

namespace sluice::providers::anthropic {

namespace json = boost::json;
using api::Part;
using core::ErrorCode;
using core::GatewayError;

namespace {

void AddCacheControl(json::object& block, const api::CacheControl& cc) {
  if (!cc.set) return;
  json::object c{{"type", "ephemeral"}};
  if (!cc.ttl.empty()) c["ttl"] = cc.ttl;
  block["cache_control"] = std::move(c);
}

bool Unsupported(GatewayError& error, std::string param) {
  return api::UnsupportedField(error, std::move(param),
                               "cannot be expressed in the Anthropic Messages API");
}

bool BlockFor(const Part& p, const std::string& where, json::array& out, GatewayError& error) {
  json::object b;
  switch (p.kind) {
    case Part::Kind::kText:
      // The Messages API refuses empty text blocks ("text content blocks must be non-empty");
      // OpenAI clients send content "" beside tool_calls.
      if (p.text.empty()) return true;
      b = {{"type", "text"}, {"text", p.text}};
      break;
    case Part::Kind::kImage: {
      json::object source;
      if (!p.data.empty())
        source = {{"type", "base64"}, {"media_type", p.media_type}, {"data", p.data}};
      else
        source = {{"type", "url"}, {"url", p.url}};
      b = {{"type", "image"}, {"source", std::move(source)}};
      break;
    }
    case Part::Kind::kToolCall: {
      boost::system::error_code ec;
      json::value input = core::ParseJson(p.arguments, {}, ec);
      if (ec || !input.is_object())
        return api::InvalidField(error, where + ".arguments", "must be a JSON object");
      b = {{"type", "tool_use"}, {"id", p.id}, {"name", p.name}, {"input", std::move(input)}};
      break;
    }
    case Part::Kind::kToolResult:
      b = {{"type", "tool_result"}, {"tool_use_id", p.tool_call_id}, {"content", p.text}};
      if (p.is_error) b["is_error"] = true;
      break;
    case Part::Kind::kThinking:
      // Anthropic verifies the signature of earlier turns' thinking; unsigned reasoning (from an
      // OpenAI-compatible history) cannot be sent back as thinking.
      if (p.signature.empty()) return true;
      b = {{"type", "thinking"}, {"thinking", p.text}, {"signature", p.signature}};
      break;
    case Part::Kind::kRedactedThinking:
      b = {{"type", "redacted_thinking"}, {"data", p.text}};
      break;
  }
  AddCacheControl(b, p.cache_control);
  out.push_back(std::move(b));
  return true;
}

int64_t BudgetForEffort(std::string_view effort) {
  if (effort == "minimal" || effort == "low") return 1024;
  if (effort == "medium") return 4096;
  return 16384;
}

}  // namespace

bool EncodeMessagesRequest(const api::ChatRequest& r, std::string_view model, std::string& body,
                           GatewayError& error) {
  json::array messages;
  std::string last_role;
  for (size_t i = 0; i < r.messages.size(); ++i) {
    const auto& m = r.messages[i];
    std::string where = "messages[" + std::to_string(i) + "]";
    // Tool results travel in a user turn; consecutive turns of one role are merged, as
    // Anthropic requires the roles to alternate.
    std::string role = m.role == api::Role::kAssistant ? "assistant" : "user";
    json::array blocks;
    for (const auto& p : m.parts)
      if (!BlockFor(p, where, blocks, error)) return false;
    if (blocks.empty()) continue;
    if (role == last_role) {
      json::array& prev = messages.back().as_object()["content"].as_array();
      for (auto& b : blocks) prev.push_back(std::move(b));
    } else {
      messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
      last_role = role;
    }
  }
  json::object o{{"model", model}, {"messages", std::move(messages)}};
  std::optional<int64_t> budget = r.thinking_budget;
  if (!budget && !r.reasoning_effort.empty()) budget = BudgetForEffort(r.reasoning_effort);
  // max_tokens includes the thinking budget, which must stay below it: a default leaves the
  // answer kDefaultMaxTokens beyond the budget (4096 alone would refuse "medium" and "high").
  o["max_tokens"] = r.max_tokens ? *r.max_tokens : kDefaultMaxTokens + budget.value_or(0);
  if (!r.system.empty()) {
    bool plain = true;
    for (const auto& p : r.system) plain = plain && !p.cache_control.set;
    if (plain) {
      std::string text;
      for (const auto& p : r.system) text += (text.empty() ? "" : "\n") + p.text;
      o["system"] = text;
    } else {
      json::array blocks;
      for (const auto& p : r.system)
        if (!BlockFor(p, "system", blocks, error)) return false;
      o["system"] = std::move(blocks);
    }
  }
  if (!r.tools.empty()) {
    json::array tools;
    for (const auto& t : r.tools) {
      json::object tool{{"name", t.name}};
      if (!t.description.empty()) tool["description"] = t.description;
      tool["input_schema"] =
          t.parameters.is_object()
              ? t.parameters
              : json::value(json::object{{"type", "object"}, {"properties", json::object{}}});
      AddCacheControl(tool, t.cache_control);
      tools.push_back(std::move(tool));
    }
    o["tools"] = std::move(tools);
  }
  using TK = api::ToolChoice::Kind;
  json::object choice;
  switch (r.tool_choice.kind) {
    case TK::kUnset:
      break;
    case TK::kAuto:
      choice = {{"type", "auto"}};
      break;
    case TK::kNone:
      choice = {{"type", "none"}};
      break;
    case TK::kRequired:
      choice = {{"type", "any"}};
      break;
    case TK::kNamed:
      choice = {{"type", "tool"}, {"name", r.tool_choice.name}};
      break;
  }
  // tool_choice "none" takes no disable_parallel_tool_use (only auto, any and tool do).
  if (r.parallel_tool_calls && !*r.parallel_tool_calls && r.tool_choice.kind != TK::kNone) {
    if (choice.empty()) choice = {{"type", "auto"}};
    choice["disable_parallel_tool_use"] = true;
  }
  if (!choice.empty()) o["tool_choice"] = std::move(choice);
  if (r.temperature) o["temperature"] = *r.temperature;
  if (r.top_p) o["top_p"] = *r.top_p;
  if (r.top_k) o["top_k"] = *r.top_k;
  if (!r.stop.empty()) {
    json::array stop;
    for (const auto& s : r.stop) stop.push_back(json::value(s));
    o["stop_sequences"] = std::move(stop);
  }
  if (budget) o["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", *budget}};
  if (!r.user.empty()) o["metadata"] = json::object{{"user_id", r.user}};
  if (r.response_format.kind == api::ResponseFormat::Kind::kJsonObject ||
      r.response_format.kind == api::ResponseFormat::Kind::kJsonSchema)
    return Unsupported(error, "response_format");
  if (r.presence_penalty) return Unsupported(error, "presence_penalty");
  if (r.frequency_penalty) return Unsupported(error, "frequency_penalty");
  if (r.seed) return Unsupported(error, "seed");
  if (r.stream) o["stream"] = true;
  body = json::serialize(o);
  return true;
}

core::TokenUsage UsageFrom(const json::object& u) {
  core::TokenUsage usage;
  usage.cached_input = api::UintAt(u, "cache_read_input_tokens");
  usage.cache_creation_input = api::UintAt(u, "cache_creation_input_tokens");
  usage.input = api::UintAt(u, "input_tokens") + usage.cached_input + usage.cache_creation_input;
  usage.output = api::UintAt(u, "output_tokens");
  return usage;
}

namespace {

GatewayError BadResponse(std::string what) {
  return GatewayError{ErrorCode::kProviderBadResponse, "upstream " + std::move(what)};
}

api::FinishReason ParseStopReason(std::string_view s) {
  if (s == "end_turn" || s == "pause_turn") return api::FinishReason::kStop;
  if (s == "max_tokens" || s == "model_context_window_exceeded") return api::FinishReason::kLength;
  if (s == "tool_use") return api::FinishReason::kToolCalls;
  if (s == "stop_sequence") return api::FinishReason::kStopSequence;
  if (s == "refusal") return api::FinishReason::kContentFilter;
  return s.empty() ? api::FinishReason::kUnset : api::FinishReason::kStop;
}

// An Anthropic error object ({"type":"overloaded_error","message":...}) as a gateway error.
GatewayError InBandError(const json::object& e) {
  std::string_view type = api::StringAt(e, "type");
  ErrorCode code = ErrorCode::kProviderServerError;
  if (type == "overloaded_error") code = ErrorCode::kProviderOverloaded;
  else if (type == "rate_limit_error") code = ErrorCode::kProviderRateLimited;
  else if (type == "invalid_request_error") code = ErrorCode::kProviderInvalidRequest;
  else if (type == "authentication_error" || type == "permission_error")
    code = ErrorCode::kProviderAuthFailed;
  return GatewayError{code, "upstream reported " + std::string(type) + ": " +
                                std::string(api::StringAt(e, "message"))};
}

}  // namespace

bool DecodeMessagesResponse(std::string_view body, api::ChatResponse& out, GatewayError& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(body, {}, ec);
  if (ec || !doc.is_object()) return error = BadResponse("body is not a JSON object"), false;
  const json::object& o = doc.get_object();
  const json::array* content = api::ArrayAt(o, "content");
  if (!content) return error = BadResponse("message has no content"), false;
  out.id = api::StringAt(o, "id");
  out.model = api::StringAt(o, "model");
  for (const auto& item : *content) {
    if (!item.is_object()) continue;
    const json::object& b = item.get_object();
    std::string_view type = api::StringAt(b, "type");
    Part p;
    if (type == "text") {
      p.text = api::StringAt(b, "text");
    } else if (type == "thinking") {
      p.kind = Part::Kind::kThinking;
      p.text = api::StringAt(b, "thinking");
      p.signature = api::StringAt(b, "signature");
    } else if (type == "redacted_thinking") {
      p.kind = Part::Kind::kRedactedThinking;
      p.text = api::StringAt(b, "data");
    } else if (type == "tool_use") {
      p.kind = Part::Kind::kToolCall;
      p.id = api::StringAt(b, "id");
      p.name = api::StringAt(b, "name");
      const json::value* input = b.if_contains("input");
      p.arguments = input ? json::serialize(*input) : "{}";
    } else {
      continue;  // server-tool blocks and the like have no unified form
    }
    out.content.push_back(std::move(p));
  }
  out.finish = ParseStopReason(api::StringAt(o, "stop_reason"));
  out.stop_sequence = api::StringAt(o, "stop_sequence");
  if (const json::object* usage = api::ObjectAt(o, "usage")) {
    out.usage = UsageFrom(*usage);
    out.has_usage = true;
  }
  return true;
}

namespace {

class MessagesStreamDecoder final : public StreamDecoder {
 public:
  bool OnEvent(std::string_view name, std::string_view data, const DeltaSink& emit,
               GatewayError& error) override {
    if (data.empty() || name == "ping") return true;
    boost::system::error_code ec;
    json::value doc = core::ParseJson(data, arena_.Reset(), ec);
    if (ec || !doc.is_object()) return error = BadResponse("stream event is not JSON"), false;
    const json::object& o = doc.get_object();
    std::string_view type = api::StringAt(o, "type");
    using K = api::StreamDelta::Kind;
    api::StreamDelta d;
    if (type == "message_start") {
      const json::object* msg = api::ObjectAt(o, "message");
      if (!msg) return error = BadResponse("message_start has no message"), false;
      d.kind = K::kStart;
      d.id = api::StringAt(*msg, "id");
      d.model = api::StringAt(*msg, "model");
      emit(d);
      if (const json::object* usage = api::ObjectAt(*msg, "usage")) {
        usage_ = UsageFrom(*usage);
        d = {};
        d.kind = K::kUsage;
        d.usage = usage_;
        emit(d);
      }
    } else if (type == "content_block_start") {
      const json::object* block = api::ObjectAt(o, "content_block");
      if (!block) return error = BadResponse("content_block_start has no block"), false;
      block_is_tool_ = api::StringAt(*block, "type") == "tool_use";
      if (block_is_tool_) {
        d.kind = K::kToolCallStart;
        d.index = tool_calls_++;
        d.id = api::StringAt(*block, "id");
        d.name = api::StringAt(*block, "name");
        emit(d);
      } else if (std::string_view text = api::StringAt(*block, "text"); !text.empty()) {
        d.kind = K::kText;
        d.text = text;
        emit(d);
      }
    } else if (type == "content_block_delta") {
      const json::object* delta = api::ObjectAt(o, "delta");
      if (!delta) return error = BadResponse("content_block_delta has no delta"), false;
      std::string_view dtype = api::StringAt(*delta, "type");
      if (dtype == "text_delta") {
        d.kind = K::kText;
        d.text = api::StringAt(*delta, "text");
      } else if (dtype == "input_json_delta") {
        d.kind = K::kToolCallArgs;
        d.index = tool_calls_ - 1;
        d.text = api::StringAt(*delta, "partial_json");
      } else if (dtype == "thinking_delta") {
        d.kind = K::kThinking;
        d.text = api::StringAt(*delta, "thinking");
      } else if (dtype == "signature_delta") {
        d.kind = K::kThinkingSignature;
        d.text = api::StringAt(*delta, "signature");
      } else {
        return true;  // citations and other deltas without a unified form
      }
      // input_json_delta also streams the input of server tools (server_tool_use blocks), which
      // are no unified tool call: only the open tool_use block's fragments are arguments.
      if (!d.text.empty() && (d.kind != K::kToolCallArgs || block_is_tool_)) emit(d);
    } else if (type == "message_delta") {
      if (const json::object* delta = api::ObjectAt(o, "delta")) {
        std::string_view reason = api::StringAt(*delta, "stop_reason");
        if (!reason.empty()) {
          d.kind = K::kFinish;
          d.finish = ParseStopReason(reason);
          d.text = api::StringAt(*delta, "stop_sequence");
          emit(d);
        }
      }
      if (const json::object* usage = api::ObjectAt(o, "usage")) {
        // Cumulative output; input fields appear here only in newer API versions.
        core::TokenUsage later = UsageFrom(*usage);
        usage_.output = later.output;
        if (usage->contains("input_tokens")) {
          usage_.input = later.input;
          usage_.cached_input = later.cached_input;
          usage_.cache_creation_input = later.cache_creation_input;
        }
        d = {};
        d.kind = K::kUsage;
        d.usage = usage_;
        emit(d);
      }
    } else if (type == "message_stop") {
      finished_ = true;
    } else if (type == "error") {
      const json::object* e = api::ObjectAt(o, "error");
      error = e ? InBandError(*e) : BadResponse("error event without an error");
      return false;
    }
    return true;
  }
  bool finished() const override { return finished_; }

 private:
  core::JsonArena arena_;  // each event's DOM: no heap allocation per event
  core::TokenUsage usage_;
  int tool_calls_ = 0;
  bool block_is_tool_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> NewMessagesStreamDecoder() {
  return std::make_unique<MessagesStreamDecoder>();
}

}  // namespace sluice::providers::anthropic
