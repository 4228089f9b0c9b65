#include "providers/dashscope/dashscope_native.h"

#include <boost/json/serialize.hpp>
#include <optional>

#include "api/json_fields.h"
#include "core/json_parse.h"

namespace sluice::providers::dashscope {

namespace json = boost::json;
using api::Part;
using core::ErrorCode;
using core::GatewayError;

namespace {

bool Unsupported(GatewayError& error, std::string param, std::string_view why) {
  return api::UnsupportedField(error, std::move(param),
                               "cannot be expressed in DashScope's text-generation API: " +
                                   std::string(why));
}

bool BadResponse(GatewayError& error, std::string_view what) {
  error = GatewayError{ErrorCode::kProviderBadResponse,
                       "malformed DashScope response: " + std::string(what)};
  return false;
}

std::string At(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

void Join(std::string& into, std::string_view text) {
  if (!into.empty()) into += '\n';
  into += text;
}

int64_t BudgetForEffort(std::string_view effort) {
  if (effort == "minimal" || effort == "low") return 1024;
  if (effort == "medium") return 4096;
  return 16384;
}

// ---- request ---------------------------------------------------------------------------------

bool AssistantMessage(const api::Message& m, const std::string& where, json::array& out,
                      GatewayError& error) {
  std::string content;
  json::array calls;
  for (size_t j = 0; j < m.parts.size(); ++j) {
    const Part& p = m.parts[j];
    std::string part_where = At(where + ".content", j);
    switch (p.kind) {
      case Part::Kind::kText:
        if (!p.text.empty()) Join(content, p.text);
        break;
      case Part::Kind::kThinking:
      case Part::Kind::kRedactedThinking:
        break;  // earlier-turn reasoning is not an input here
      case Part::Kind::kToolCall:
        if (p.name.empty()) return api::InvalidField(error, part_where + ".name", "is required");
        calls.push_back(json::object{
            {"id", p.id},
            {"type", "function"},
            {"function", json::object{{"name", p.name},
                                      {"arguments", p.arguments.empty() ? "{}" : p.arguments}}}});
        break;
      case Part::Kind::kImage:
        return Unsupported(error, part_where, "assistant messages carry no images");
      case Part::Kind::kToolResult:
        return api::InvalidField(error, part_where, "is a tool result in an assistant message");
    }
  }
  json::object msg{{"role", "assistant"}, {"content", content}};
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  out.push_back(std::move(msg));
  return true;
}

bool UserOrToolMessage(const api::Message& m, const std::string& where, json::array& out,
                       GatewayError& error) {
  bool tool_role = m.role == api::Role::kTool;
  std::string content;
  bool pending = !tool_role && m.parts.empty();
  auto flush = [&] {
    if (!pending) return;
    out.push_back(json::object{{"role", "user"}, {"content", content}});
    content.clear();
    pending = false;
  };
  for (size_t j = 0; j < m.parts.size(); ++j) {
    const Part& p = m.parts[j];
    std::string part_where = At(where + ".content", j);
    if (tool_role && p.kind != Part::Kind::kToolResult)
      return api::InvalidField(error, part_where, "must be a tool result in a tool message");
    switch (p.kind) {
      case Part::Kind::kText:
        Join(content, p.text);
        pending = true;
        break;
      case Part::Kind::kImage:
        return Unsupported(error, part_where,
                           "the text-generation endpoint takes text only (Qwen-VL models are "
                           "served by the multimodal-generation endpoint)");
      case Part::Kind::kToolResult:
        flush();
        out.push_back(json::object{
            {"role", "tool"}, {"content", p.text}, {"tool_call_id", p.tool_call_id}});
        break;
      case Part::Kind::kToolCall:
      case Part::Kind::kThinking:
      case Part::Kind::kRedactedThinking:
        return api::InvalidField(error, part_where, "belongs in an assistant message");
    }
  }
  flush();
  return true;
}

// ---- response --------------------------------------------------------------------------------

struct CallDelta {
  int64_t index = 0;
  std::string_view id;
  std::string_view name;
  std::string arguments;
};

// One response object (a whole answer, or one stream event), checked; views point into `doc`.
struct Decoded {
  std::string_view request_id;
  std::string content;  // a string, or an array of {"text"} objects joined
  std::string_view reasoning;
  std::vector<CallDelta> calls;
  std::string_view finish;  // empty when absent, null or "null"
  core::TokenUsage usage;
  bool has_usage = false;
};

core::TokenUsage UsageFrom(const json::object& u) {
  core::TokenUsage usage;
  usage.input = api::UintAt(u, "input_tokens");
  usage.output = api::UintAt(u, "output_tokens");
  if (const json::object* details = api::ObjectAt(u, "prompt_tokens_details"))
    usage.cached_input = api::UintAt(*details, "cached_tokens");
  else
    usage.cached_input = api::UintAt(u, "cached_tokens");
  if (const json::object* details = api::ObjectAt(u, "output_tokens_details"))
    usage.reasoning = api::UintAt(*details, "reasoning_tokens");
  return usage;
}

bool OptionalString(const json::object& o, std::string_view key, std::string_view& out,
                    GatewayError& error) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return BadResponse(error, std::string(key) + " is not a string");
  out = v->get_string();
  return true;
}

bool Content(const json::object& message, std::string& out, GatewayError& error) {
  const json::value* v = message.if_contains("content");
  if (!v || v->is_null()) return true;
  if (v->is_string()) {
    out = v->get_string();
    return true;
  }
  if (!v->is_array()) return BadResponse(error, "message.content is not a string");
  for (const json::value& item : v->get_array()) {
    if (!item.is_object()) return BadResponse(error, "a content item is not an object");
    out += api::StringAt(item.get_object(), "text");
  }
  return true;
}

bool ToolCalls(const json::object& message, std::vector<CallDelta>& out, GatewayError& error) {
  const json::value* v = message.if_contains("tool_calls");
  if (!v || v->is_null()) return true;
  if (!v->is_array()) return BadResponse(error, "tool_calls is not an array");
  const json::array& calls = v->get_array();
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!calls[i].is_object()) return BadResponse(error, "a tool call is not an object");
    const json::object& c = calls[i].get_object();
    CallDelta d;
    d.index = static_cast<int64_t>(i);
    if (const json::value* index = c.if_contains("index"); index && !index->is_null()) {
      if (index->is_int64() && index->get_int64() >= 0)
        d.index = index->get_int64();
      else if (index->is_uint64() && index->get_uint64() <= INT64_MAX)
        d.index = static_cast<int64_t>(index->get_uint64());
      else
        return BadResponse(error, "a tool call index is not a non-negative integer");
    }
    if (!OptionalString(c, "id", d.id, error)) return false;
    if (const json::value* fn = c.if_contains("function"); fn && !fn->is_null()) {
      if (!fn->is_object()) return BadResponse(error, "a tool call's function is not an object");
      const json::object& f = fn->get_object();
      if (!OptionalString(f, "name", d.name, error)) return false;
      if (const json::value* args = f.if_contains("arguments"); args && !args->is_null()) {
        if (args->is_string())
          d.arguments = std::string(args->get_string());
        else if (args->is_object())
          d.arguments = json::serialize(*args);
        else
          return BadResponse(error, "tool call arguments are not JSON text");
      }
    }
    out.push_back(std::move(d));
  }
  return true;
}

// Parses and checks a body or event; an error report becomes the mapped error.
bool Decode(std::string_view data, bool error_event, json::value& doc, Decoded& out,
            GatewayError& error) {
  boost::system::error_code ec;
  doc = core::ParseJson(data, {}, ec);
  if (ec) return BadResponse(error, "not JSON");
  if (!doc.is_object()) return BadResponse(error, "not a JSON object");
  const json::object& o = doc.get_object();
  std::string_view code = api::StringAt(o, "code");
  const json::object* output = api::ObjectAt(o, "output");
  if (error_event || (!code.empty() && !output)) {
    error = DashScopeError(code.empty() ? std::string_view("UnknownError") : code,
                           api::StringAt(o, "message"));
    return false;
  }
  if (!output) return BadResponse(error, "no output");
  if (!OptionalString(o, "request_id", out.request_id, error)) return false;
  if (const json::object* usage = api::ObjectAt(o, "usage")) {
    out.usage = UsageFrom(*usage);
    out.has_usage = true;
  }
  const json::value* choices = output->if_contains("choices");
  if (!choices || choices->is_null()) {
    // result_format "text": output.text and output.finish_reason.
    std::string_view text;
    if (!OptionalString(*output, "text", text, error)) return false;
    out.content = text;
    if (!OptionalString(*output, "finish_reason", out.finish, error)) return false;
  } else {
    if (!choices->is_array()) return BadResponse(error, "output.choices is not an array");
    if (choices->get_array().empty()) return true;
    const json::value& first = choices->get_array()[0];
    if (!first.is_object()) return BadResponse(error, "a choice is not an object");
    const json::object& choice = first.get_object();
    if (!OptionalString(choice, "finish_reason", out.finish, error)) return false;
    if (const json::value* message = choice.if_contains("message");
        message && !message->is_null()) {
      if (!message->is_object()) return BadResponse(error, "message is not an object");
      const json::object& m = message->get_object();
      if (!Content(m, out.content, error)) return false;
      if (!OptionalString(m, "reasoning_content", out.reasoning, error)) return false;
      if (!ToolCalls(m, out.calls, error)) return false;
    }
  }
  if (out.finish == "null") out.finish = {};
  return true;
}

api::FinishReason MapFinish(std::string_view reason, bool tool_calls) {
  if (reason == "length") return api::FinishReason::kLength;
  if (reason == "content_filter") return api::FinishReason::kContentFilter;
  if (reason == "tool_calls" || tool_calls) return api::FinishReason::kToolCalls;
  return api::FinishReason::kStop;
}

}  // namespace

bool EncodeDashScopeRequest(const api::ChatRequest& r, std::string_view model, std::string& body,
                            GatewayError& error) {
  using TK = api::ToolChoice::Kind;
  if (r.tool_choice.kind == TK::kRequired)
    return Unsupported(error, "tool_choice",
                       "DashScope takes auto, none or a named function, not required");
  if (r.response_format.kind == api::ResponseFormat::Kind::kJsonSchema)
    return Unsupported(error, "response_format",
                       "the native API takes json_object, not json_schema");
  if (r.frequency_penalty)
    return Unsupported(error, "frequency_penalty", "only presence_penalty is available");
  if (!r.user.empty()) return Unsupported(error, "user", "DashScope has no end-user id field");

  json::array messages;
  if (!r.system.empty()) {
    std::string text;
    for (size_t i = 0; i < r.system.size(); ++i) {
      if (r.system[i].kind != Part::Kind::kText)
        return Unsupported(error, At("system", i), "system instructions take text only");
      Join(text, r.system[i].text);
    }
    messages.push_back(json::object{{"role", "system"}, {"content", text}});
  }
  for (size_t i = 0; i < r.messages.size(); ++i) {
    const api::Message& m = r.messages[i];
    bool ok = m.role == api::Role::kAssistant
                  ? AssistantMessage(m, At("messages", i), messages, error)
                  : UserOrToolMessage(m, At("messages", i), messages, error);
    if (!ok) return false;
  }

  json::object p{{"result_format", "message"}};
  if (r.stream) p["incremental_output"] = true;
  if (r.max_tokens) p["max_tokens"] = *r.max_tokens;
  if (r.temperature) p["temperature"] = *r.temperature;
  if (r.top_p) p["top_p"] = *r.top_p;
  if (r.top_k) p["top_k"] = *r.top_k;
  if (!r.stop.empty()) {
    json::array stop;
    for (const auto& s : r.stop) stop.push_back(json::string(s));
    p["stop"] = std::move(stop);
  }
  if (r.seed) p["seed"] = *r.seed;
  if (r.presence_penalty) p["presence_penalty"] = *r.presence_penalty;
  if (!r.tools.empty()) {
    json::array tools;
    for (size_t i = 0; i < r.tools.size(); ++i) {
      const api::Tool& t = r.tools[i];
      if (t.name.empty()) return api::InvalidField(error, At("tools", i) + ".name", "is required");
      if (!t.parameters.is_null() && !t.parameters.is_object())
        return api::InvalidField(error, At("tools", i) + ".parameters", "must be an object");
      json::object fn{{"name", t.name}};
      if (!t.description.empty()) fn["description"] = t.description;
      fn["parameters"] =
          t.parameters.is_object()
              ? t.parameters
              : json::value(json::object{{"type", "object"}, {"properties", json::object{}}});
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    p["tools"] = std::move(tools);
  }
  switch (r.tool_choice.kind) {
    case TK::kUnset:
    case TK::kRequired:
      break;
    case TK::kAuto:
      p["tool_choice"] = "auto";
      break;
    case TK::kNone:
      p["tool_choice"] = "none";
      break;
    case TK::kNamed:
      if (r.tool_choice.name.empty())
        return api::InvalidField(error, "tool_choice", "names no function");
      p["tool_choice"] = json::object{{"type", "function"},
                                      {"function", json::object{{"name", r.tool_choice.name}}}};
      break;
  }
  if (r.parallel_tool_calls) p["parallel_tool_calls"] = *r.parallel_tool_calls;
  std::optional<int64_t> budget = r.thinking_budget;
  if (!budget && !r.reasoning_effort.empty()) budget = BudgetForEffort(r.reasoning_effort);
  if (budget) {
    p["enable_thinking"] = true;
    p["thinking_budget"] = *budget;
  }
  if (r.response_format.kind == api::ResponseFormat::Kind::kJsonObject)
    p["response_format"] = json::object{{"type", "json_object"}};

  json::object o{{"model", model},
                 {"input", json::object{{"messages", std::move(messages)}}},
                 {"parameters", std::move(p)}};
  body = json::serialize(o);
  return true;
}

GatewayError DashScopeError(std::string_view code, std::string_view message) {
  GatewayError error{ErrorCode::kProviderServerError,
                     "DashScope reported " + std::string(code) +
                         (message.empty() ? "" : ": " + std::string(message))};
  if (code.starts_with("Throttling")) {
    error.code = ErrorCode::kProviderRateLimited;
  } else if (code.starts_with("InvalidParameter") || code == "DataInspectionFailed") {
    error.code = ErrorCode::kProviderInvalidRequest;
    error.status = 400;
  } else if (code == "InvalidApiKey" || code.starts_with("AccessDenied")) {
    error.code = ErrorCode::kProviderAuthFailed;
  }
  return error;
}

bool DecodeDashScopeResponse(std::string_view body, api::ChatResponse& out, GatewayError& error) {
  json::value doc;
  Decoded d;
  if (!Decode(body, false, doc, d, error)) return false;
  out = api::ChatResponse{};
  out.id = std::string(d.request_id);
  if (!d.reasoning.empty()) {
    Part p;
    p.kind = Part::Kind::kThinking;
    p.text = std::string(d.reasoning);
    out.content.push_back(std::move(p));
  }
  if (!d.content.empty()) {
    Part p;
    p.text = std::move(d.content);
    out.content.push_back(std::move(p));
  }
  for (size_t i = 0; i < d.calls.size(); ++i) {
    CallDelta& c = d.calls[i];
    if (c.name.empty()) return BadResponse(error, "a tool call has no name");
    Part p;
    p.kind = Part::Kind::kToolCall;
    p.id = c.id.empty() ? "call_" + std::to_string(i) : std::string(c.id);
    p.name = std::string(c.name);
    p.arguments = c.arguments.empty() ? "{}" : std::move(c.arguments);
    out.content.push_back(std::move(p));
  }
  out.finish = MapFinish(d.finish, !d.calls.empty());
  out.usage = d.usage;
  out.has_usage = d.has_usage;
  return true;
}

int DashScopeStreamDecoder::ToolIndex(int64_t upstream_index, bool& is_new) {
  for (size_t i = 0; i < tool_indices_.size(); ++i)
    if (tool_indices_[i] == upstream_index) {
      is_new = false;
      return static_cast<int>(i);
    }
  is_new = true;
  tool_indices_.push_back(upstream_index);
  return static_cast<int>(tool_indices_.size() - 1);
}

bool DashScopeStreamDecoder::OnEvent(std::string_view name, std::string_view data,
                                     const DeltaSink& emit, GatewayError& error) {
  if (finished_) return true;
  if (data.empty() && name != "error") return true;
  json::value doc;
  Decoded d;
  if (!Decode(data, name == "error", doc, d, error)) return false;  // checked whole: emits nothing
  using K = api::StreamDelta::Kind;
  if (!started_) {
    started_ = true;
    api::StreamDelta s;
    s.kind = K::kStart;
    s.id = d.request_id;
    emit(s);
  }
  EmitText(emit, K::kThinking, d.reasoning);
  EmitText(emit, K::kText, d.content);
  for (const CallDelta& c : d.calls) {
    bool is_new = false;
    int index = ToolIndex(c.index, is_new);
    if (is_new) {
      std::string id = c.id.empty() ? "call_" + std::to_string(index) : std::string(c.id);
      api::StreamDelta s;
      s.kind = K::kToolCallStart;
      s.index = index;
      s.id = id;
      s.name = c.name;
      emit(s);
      saw_tool_call_ = true;
    }
    if (!c.arguments.empty()) {
      api::StreamDelta a;
      a.kind = K::kToolCallArgs;
      a.index = index;
      a.text = c.arguments;
      emit(a);
    }
  }
  if (!d.finish.empty()) {
    finished_ = true;
    api::StreamDelta f;
    f.kind = K::kFinish;
    f.finish = MapFinish(d.finish, saw_tool_call_);
    emit(f);
  }
  if (d.has_usage) {
    api::StreamDelta u;
    u.kind = K::kUsage;
    u.usage = d.usage;
    emit(u);
  }
  return true;
}

}  // namespace sluice::providers::dashscope
