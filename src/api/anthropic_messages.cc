#include "api/anthropic_messages.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "core/json_parse.h"
#include "telemetry/json_text.h"

namespace sluice::api {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

namespace {

bool OnlyKeys(const json::object& o, std::initializer_list<std::string_view> allowed,
              const std::string& where, GatewayError& error) {
  for (const auto& [key, value] : o) {
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (!ok && !value.is_null())
      return UnsupportedField(error, FieldPath(where, key),
                              "cannot be translated to this model's provider");
  }
  return true;
}

bool ReadCacheControl(const json::object& o, const std::string& where, CacheControl& out,
                      GatewayError& error) {
  const json::value* cc = o.if_contains("cache_control");
  if (!cc || cc->is_null()) return true;
  if (!cc->is_object() || StringAt(cc->get_object(), "type") != "ephemeral")
    return InvalidField(error, FieldPath(where, "cache_control"),
                        "must be {\"type\":\"ephemeral\"}");
  out.set = true;
  out.ttl = StringAt(cc->get_object(), "ttl");
  return true;
}

bool ReadImage(const json::object& block, const std::string& where, Part& p, GatewayError& error) {
  const json::object* source = ObjectAt(block, "source");
  if (!source) return InvalidField(error, FieldPath(where, "source"), "must be an object");
  std::string_view type = StringAt(*source, "type");
  p.kind = Part::Kind::kImage;
  if (type == "base64") {
    p.media_type = StringAt(*source, "media_type");
    p.data = StringAt(*source, "data");
    if (p.media_type.empty() || p.data.empty())
      return InvalidField(error, FieldPath(where, "source"), "needs media_type and data");
  } else if (type == "url") {
    p.url = StringAt(*source, "url");
    if (p.url.empty()) return InvalidField(error, FieldPath(where, "source.url"), "is required");
  } else {
    return UnsupportedField(error, FieldPath(where, "source.type"),
                            "only base64 and url images can be translated");
  }
  return true;
}

// A tool_result's content: a string or text blocks.
bool ReadToolResult(const json::object& block, const std::string& where, Part& p, uint32_t& chars,
                    GatewayError& error) {
  if (!OnlyKeys(block, {"type", "tool_use_id", "content", "is_error", "cache_control"}, where,
                error))
    return false;
  p.kind = Part::Kind::kToolResult;
  p.tool_call_id = StringAt(block, "tool_use_id");
  if (p.tool_call_id.empty())
    return InvalidField(error, FieldPath(where, "tool_use_id"), "is required");
  std::optional<bool> is_error;
  if (!ReadBool(block, "is_error", FieldPath(where, "is_error"), is_error, error)) return false;
  p.is_error = is_error.value_or(false);
  if (!ReadCacheControl(block, where, p.cache_control, error)) return false;
  const json::value* content = block.if_contains("content");
  if (!content || content->is_null()) return true;
  if (content->is_string()) {
    p.text = content->get_string();
  } else if (content->is_array()) {
    size_t i = 0;
    for (const auto& item : content->get_array()) {
      std::string at = IndexPath(FieldPath(where, "content"), i++);
      if (!item.is_object() || StringAt(item.get_object(), "type") != "text")
        return UnsupportedField(error, at, "only text tool results can be translated");
      if (i > 1) p.text += '\n';  // one block per line, not run together
      p.text += StringAt(item.get_object(), "text");
    }
  } else {
    return InvalidField(error, FieldPath(where, "content"), "must be a string or an array");
  }
  chars += static_cast<uint32_t>(p.text.size());
  return true;
}

// One message's content. Tool results of a user message become unified tool messages placed
// before the rest of its content (Anthropic requires them first anyway).
bool ReadMessage(const json::object& m, const std::string& where, ChatRequest& out,
                 GatewayError& error) {
  if (!OnlyKeys(m, {"role", "content"}, where, error)) return false;
  std::string_view role = StringAt(m, "role");
  Message msg;
  if (role == "user")
    msg.role = Role::kUser;
  else if (role == "assistant")
    msg.role = Role::kAssistant;
  else
    return InvalidField(error, FieldPath(where, "role"), "must be \"user\" or \"assistant\"");
  const json::value* content = m.if_contains("content");
  std::string content_param = FieldPath(where, "content");
  if (!content) return InvalidField(error, content_param, "is required");
  if (content->is_string()) {
    Part p;
    p.text = content->get_string();
    out.prompt_chars += static_cast<uint32_t>(p.text.size());
    msg.parts.push_back(std::move(p));
    out.messages.push_back(std::move(msg));
    return true;
  }
  if (!content->is_array())
    return InvalidField(error, content_param, "must be a string or an array");
  Message results;
  results.role = Role::kTool;
  size_t i = 0;
  for (const auto& item : content->get_array()) {
    std::string at = IndexPath(content_param, i++);
    if (!item.is_object()) return InvalidField(error, at, "must be an object");
    const json::object& block = item.get_object();
    std::string_view type = StringAt(block, "type");
    Part p;
    bool assistant = msg.role == Role::kAssistant;
    if (type == "text") {
      if (!OnlyKeys(block, {"type", "text", "cache_control", "citations"}, at, error) ||
          !ReadString(block, "text", FieldPath(at, "text"), p.text, error) ||
          !ReadCacheControl(block, at, p.cache_control, error))
        return false;
      out.prompt_chars += static_cast<uint32_t>(p.text.size());
    } else if (type == "image" && !assistant) {
      if (!OnlyKeys(block, {"type", "source", "cache_control"}, at, error) ||
          !ReadImage(block, at, p, error) || !ReadCacheControl(block, at, p.cache_control, error))
        return false;
    } else if (type == "tool_use" && assistant) {
      if (!OnlyKeys(block, {"type", "id", "name", "input", "cache_control"}, at, error) ||
          !ReadCacheControl(block, at, p.cache_control, error))
        return false;
      p.kind = Part::Kind::kToolCall;
      p.id = StringAt(block, "id");
      p.name = StringAt(block, "name");
      const json::value* input = block.if_contains("input");
      if (p.id.empty() || p.name.empty()) return InvalidField(error, at, "needs an id and a name");
      if (input && !input->is_object() && !input->is_null())
        return InvalidField(error, FieldPath(at, "input"), "must be an object");
      p.arguments = input && input->is_object() ? json::serialize(*input) : "{}";
      out.prompt_chars += static_cast<uint32_t>(p.arguments.size());
    } else if (type == "tool_result" && !assistant) {
      if (!ReadToolResult(block, at, p, out.prompt_chars, error)) return false;
      results.parts.push_back(std::move(p));
      continue;
    } else if (type == "thinking" && assistant) {
      if (!OnlyKeys(block, {"type", "thinking", "signature"}, at, error)) return false;
      p.kind = Part::Kind::kThinking;
      p.text = StringAt(block, "thinking");
      p.signature = StringAt(block, "signature");
    } else if (type == "redacted_thinking" && assistant) {
      p.kind = Part::Kind::kRedactedThinking;
      p.text = StringAt(block, "data");
    } else {
      return UnsupportedField(error, FieldPath(at, "type"),
                              "'" + std::string(type) + "' blocks in " + std::string(role) +
                                  " messages cannot be translated");
    }
    msg.parts.push_back(std::move(p));
  }
  // Decided before `results` is moved from (a moved-from vector is empty): a turn of tool results
  // only must not leave an empty user message behind.
  bool has_results = !results.parts.empty();
  if (has_results) out.messages.push_back(std::move(results));
  if (!msg.parts.empty() || !has_results) out.messages.push_back(std::move(msg));
  return true;
}

bool ReadSystem(const json::value& system, ChatRequest& out, GatewayError& error) {
  if (system.is_null()) return true;
  if (system.is_string()) {
    Part p;
    p.text = system.get_string();
    out.prompt_chars += static_cast<uint32_t>(p.text.size());
    out.system.push_back(std::move(p));
    return true;
  }
  if (!system.is_array()) return InvalidField(error, "system", "must be a string or an array");
  size_t i = 0;
  for (const auto& item : system.get_array()) {
    std::string at = IndexPath("system", i++);
    if (!item.is_object() || StringAt(item.get_object(), "type") != "text")
      return InvalidField(error, at, "must be a text block");
    const json::object& block = item.get_object();
    Part p;
    if (!OnlyKeys(block, {"type", "text", "cache_control", "citations"}, at, error) ||
        !ReadString(block, "text", FieldPath(at, "text"), p.text, error) ||
        !ReadCacheControl(block, at, p.cache_control, error))
      return false;
    out.prompt_chars += static_cast<uint32_t>(p.text.size());
    out.system.push_back(std::move(p));
  }
  return true;
}

bool ReadTools(const json::value& tools, ChatRequest& out, GatewayError& error) {
  if (!tools.is_array()) return InvalidField(error, "tools", "must be an array");
  size_t i = 0;
  for (const auto& item : tools.get_array()) {
    std::string at = IndexPath("tools", i++);
    if (!item.is_object()) return InvalidField(error, at, "must be an object");
    const json::object& o = item.get_object();
    std::string_view type = StringAt(o, "type");
    if (!type.empty() && type != "custom")
      return UnsupportedField(error, FieldPath(at, "type"),
                              "server tools ('" + std::string(type) + "') cannot be translated");
    if (!OnlyKeys(o, {"type", "name", "description", "input_schema", "cache_control"}, at, error))
      return false;
    Tool t;
    t.name = StringAt(o, "name");
    t.description = StringAt(o, "description");
    if (t.name.empty()) return InvalidField(error, FieldPath(at, "name"), "is required");
    const json::value* schema = o.if_contains("input_schema");
    if (!schema || !schema->is_object())
      return InvalidField(error, FieldPath(at, "input_schema"), "must be an object");
    t.parameters = *schema;
    if (!ReadCacheControl(o, at, t.cache_control, error)) return false;
    out.tools.push_back(std::move(t));
  }
  return true;
}

bool ReadToolChoice(const json::value& v, ChatRequest& out, GatewayError& error) {
  if (!v.is_object()) return InvalidField(error, "tool_choice", "must be an object");
  const json::object& o = v.get_object();
  std::string_view type = StringAt(o, "type");
  auto& tc = out.tool_choice;
  if (type == "auto")
    tc.kind = ToolChoice::Kind::kAuto;
  else if (type == "any")
    tc.kind = ToolChoice::Kind::kRequired;
  else if (type == "none")
    tc.kind = ToolChoice::Kind::kNone;
  else if (type == "tool")
    tc.kind = ToolChoice::Kind::kNamed, tc.name = StringAt(o, "name");
  else
    return InvalidField(error, "tool_choice.type", "must be auto, any, tool or none");
  if (tc.kind == ToolChoice::Kind::kNamed && tc.name.empty())
    return InvalidField(error, "tool_choice.name", "is required");
  std::optional<bool> disable;
  if (!ReadBool(o, "disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use", disable,
                error))
    return false;
  if (disable) out.parallel_tool_calls = !*disable;
  return true;
}

bool ReadThinking(const json::value& v, ChatRequest& out, GatewayError& error) {
  if (!v.is_object()) return InvalidField(error, "thinking", "must be an object");
  const json::object& o = v.get_object();
  std::string_view type = StringAt(o, "type");
  if (type == "disabled") return true;
  if (type != "enabled") return InvalidField(error, "thinking.type", "must be enabled or disabled");
  if (!ReadInt(o, "budget_tokens", "thinking.budget_tokens", out.thinking_budget, error))
    return false;
  if (!out.thinking_budget || *out.thinking_budget < 1)
    return InvalidField(error, "thinking.budget_tokens", "must be a positive integer");
  return true;
}

bool DecodeBody(const json::object& body, ChatRequest& out, bool count_tokens,
                GatewayError& error) {
  bool has_max_tokens = false;
  for (const auto& [key, value] : body) {
    std::string_view k = key;
    if (k == "model") {
      if (!ReadString(body, k, "model", out.model, error)) return false;
    } else if (k == "messages") {
      if (!value.is_array()) return InvalidField(error, "messages", "must be an array");
      size_t i = 0;
      for (const auto& m : value.get_array()) {
        std::string where = IndexPath("messages", i++);
        if (!m.is_object()) return InvalidField(error, where, "must be an object");
        if (!ReadMessage(m.get_object(), where, out, error)) return false;
      }
    } else if (k == "system") {
      if (!ReadSystem(value, out, error)) return false;
    } else if (k == "tools") {
      if (!ReadTools(value, out, error)) return false;
    } else if (k == "tool_choice") {
      if (!ReadToolChoice(value, out, error)) return false;
    } else if (k == "thinking") {
      if (!ReadThinking(value, out, error)) return false;
    } else if (k == "max_tokens" && !count_tokens) {
      if (!ReadInt(body, k, "max_tokens", out.max_tokens, error)) return false;
      has_max_tokens = out.max_tokens.has_value();
      if (has_max_tokens && *out.max_tokens < 1)
        return InvalidField(error, "max_tokens", "must be at least 1");
    } else if (k == "temperature" && !count_tokens) {
      if (!ReadNumber(body, k, "temperature", out.temperature, error)) return false;
    } else if (k == "top_p" && !count_tokens) {
      if (!ReadNumber(body, k, "top_p", out.top_p, error)) return false;
    } else if (k == "top_k" && !count_tokens) {
      if (!ReadInt(body, k, "top_k", out.top_k, error)) return false;
    } else if (k == "stop_sequences" && !count_tokens) {
      if (!value.is_array()) return InvalidField(error, "stop_sequences", "must be an array");
      for (const auto& s : value.get_array()) {
        if (!s.is_string()) return InvalidField(error, "stop_sequences", "must be strings");
        out.stop.emplace_back(s.get_string());
      }
    } else if (k == "stream" && !count_tokens) {
      std::optional<bool> stream;
      if (!ReadBool(body, k, "stream", stream, error)) return false;
      out.stream = stream.value_or(false);
    } else if (k == "metadata" && !count_tokens) {
      if (!value.is_object()) return InvalidField(error, "metadata", "must be an object");
      if (!OnlyKeys(value.get_object(), {"user_id"}, "metadata", error) ||
          !ReadString(value.get_object(), "user_id", "metadata.user_id", out.user, error))
        return false;
    } else if (!value.is_null()) {
      return UnsupportedField(error, std::string(k),
                              "cannot be translated to this model's provider");
    }
  }
  if (out.model.empty()) return InvalidField(error, "model", "is required");
  if (!count_tokens && !has_max_tokens) return InvalidField(error, "max_tokens", "is required");
  if (out.messages.empty()) return InvalidField(error, "messages", "must not be empty");
  out.include_usage = true;  // Anthropic streams always report usage
  return true;
}

}  // namespace

bool DecodeAnthropicRequest(const json::object& body, ChatRequest& out, GatewayError& error) {
  return DecodeBody(body, out, false, error);
}

bool DecodeAnthropicCountTokens(const json::object& body, ChatRequest& out, GatewayError& error) {
  return DecodeBody(body, out, true, error);
}

json::object AnthropicUsageObject(const core::TokenUsage& u) {
  uint64_t cached = u.cached_input + u.cache_creation_input;
  json::object o{{"input_tokens", u.input > cached ? u.input - cached : 0},
                 {"output_tokens", u.output},
                 {"cache_creation_input_tokens", u.cache_creation_input},
                 {"cache_read_input_tokens", u.cached_input}};
  return o;
}

namespace {

json::value BlockFor(const Part& p) {
  switch (p.kind) {
    case Part::Kind::kText:
      return json::object{{"type", "text"}, {"text", p.text}};
    case Part::Kind::kThinking:
      return json::object{{"type", "thinking"}, {"thinking", p.text}, {"signature", p.signature}};
    case Part::Kind::kRedactedThinking:
      return json::object{{"type", "redacted_thinking"}, {"data", p.text}};
    case Part::Kind::kToolCall: {
      boost::system::error_code ec;
      json::value input = core::ParseJson(p.arguments, {}, ec);
      if (ec || !input.is_object()) input = json::object{};  // the model wrote broken JSON
      return json::object{
          {"type", "tool_use"}, {"id", p.id}, {"name", p.name}, {"input", std::move(input)}};
    }
    default:
      return nullptr;
  }
}

std::string Event(std::string_view name, const json::object& data) {
  std::string e = "event: ";
  e.append(name).append("\ndata: ").append(json::serialize(data)).append("\n\n");
  return e;
}

// Same keys, in the same order, as AnthropicUsageObject, written straight into `out`.
void AppendAnthropicUsage(const core::TokenUsage& u, std::string& out) {
  uint64_t cached = u.cached_input + u.cache_creation_input;
  out += R"({"input_tokens":)";
  telemetry::AppendJsonUint(out, u.input > cached ? u.input - cached : 0);
  out += R"(,"output_tokens":)";
  telemetry::AppendJsonUint(out, u.output);
  out += R"(,"cache_creation_input_tokens":)";
  telemetry::AppendJsonUint(out, u.cache_creation_input);
  out += R"(,"cache_read_input_tokens":)";
  telemetry::AppendJsonUint(out, u.cached_input);
  out += '}';
}

// Events are written straight into the output from fixed fragments: building a json::object per
// event and serialising it cost more than the rest of a translated event together. Keys and their
// order are those of the object form this replaced (see the golden tests).
class AnthropicStreamEncoder final : public StreamEncoder {
 public:
  explicit AnthropicStreamEncoder(ResponseIds ids) : ids_(std::move(ids)) {}

  void OnDelta(const StreamDelta& d, std::string& out) override {
    using K = StreamDelta::Kind;
    switch (d.kind) {
      case K::kStart:
        return;  // message_start waits for content: by then input usage may be known
      case K::kUsage:
        usage_ = d.usage;
        usage_reported_ = true;
        return;
      case K::kFinish:
        finish_ = d.finish;
        if (!d.text.empty()) stop_sequence_ = d.text;
        return;
      case K::kText:
        Open(Block::kText, -1, {}, {}, out);
        Delta(R"({"type":"text_delta","text":)", d.text, out);
        return;
      case K::kThinking:
        Open(Block::kThinking, -1, {}, {}, out);
        Delta(R"({"type":"thinking_delta","thinking":)", d.text, out);
        return;
      case K::kThinkingSignature:
        Open(Block::kThinking, -1, {}, {}, out);
        Delta(R"({"type":"signature_delta","signature":)", d.text, out);
        return;
      case K::kToolCallStart:
        Open(Block::kTool, d.index, d.id, d.name, out);
        return;
      case K::kToolCallArgs:
        // Arguments of a call whose block was closed cannot be reopened in this dialect; they
        // belong to the open block in every upstream that streams calls one after another.
        if (open_ != Block::kTool) Open(Block::kTool, d.index, {}, {}, out);
        Delta(R"({"type":"input_json_delta","partial_json":)", d.text, out);
        return;
    }
  }

  void End(std::string& out) override {
    Start(out);
    Close(out);
    FinishReason finish = finish_ == FinishReason::kUnset ? FinishReason::kStop : finish_;
    out += "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":";
    telemetry::AppendJsonString(out, FinishReasonAnthropic(finish));
    out += R"(,"stop_sequence":)";
    if (stop_sequence_.empty())
      out += "null";
    else
      telemetry::AppendJsonString(out, stop_sequence_);
    out += R"(},"usage":)";
    AppendAnthropicUsage(usage_, out);
    out += "}\n\n";
    out += "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  }

  void Fail(const GatewayError& error, std::string& out) override {
    out += RenderAnthropicStreamError(error);
  }

 private:
  enum class Block { kNone, kText, kThinking, kTool };

  void Start(std::string& out) {
    if (started_) return;
    started_ = true;
    out += "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":";
    telemetry::AppendJsonString(out, ids_.id);
    out += R"(,"type":"message","role":"assistant","model":)";
    telemetry::AppendJsonString(out, ids_.model);
    out += R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":)";
    AppendAnthropicUsage(usage_, out);
    out += "}}\n\n";
  }

  void Open(Block kind, int tool_index, std::string_view id, std::string_view name,
            std::string& out) {
    Start(out);
    if (open_ == kind && (kind != Block::kTool || tool_index == tool_index_)) return;
    Close(out);
    out += "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":";
    telemetry::AppendJsonInt(out, index_);
    out += R"(,"content_block":)";
    if (kind == Block::kText) out += R"({"type":"text","text":""})";
    if (kind == Block::kThinking) out += R"({"type":"thinking","thinking":""})";
    if (kind == Block::kTool) {
      out += R"({"type":"tool_use","id":)";
      telemetry::AppendJsonString(out, id);
      out += R"(,"name":)";
      telemetry::AppendJsonString(out, name);
      out += R"(,"input":{}})";
    }
    out += "}\n\n";
    open_ = kind;
    tool_index_ = tool_index;
  }

  void Close(std::string& out) {
    if (open_ == Block::kNone) return;
    out += "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":";
    telemetry::AppendJsonInt(out, index_);
    out += "}\n\n";
    open_ = Block::kNone;
    ++index_;
  }

  // `head` is the delta object up to its one string value, e.g. {"type":"text_delta","text":
  void Delta(std::string_view head, std::string_view value, std::string& out) {
    out += "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":";
    telemetry::AppendJsonInt(out, index_);
    out += R"(,"delta":)";
    out += head;
    telemetry::AppendJsonString(out, value);
    out += "}}\n\n";
  }

  ResponseIds ids_;
  bool started_ = false;
  Block open_ = Block::kNone;
  int index_ = 0;        // the content block index in this message
  int tool_index_ = -1;  // the unified tool-call index of the open tool block
  FinishReason finish_ = FinishReason::kUnset;
  std::string stop_sequence_;
};

}  // namespace

std::string EncodeAnthropicResponse(const ChatResponse& r, const ResponseIds& ids) {
  json::array content;
  for (const auto& p : r.content) {
    json::value block = BlockFor(p);
    if (!block.is_null()) content.push_back(std::move(block));
  }
  FinishReason finish = r.finish == FinishReason::kUnset ? FinishReason::kStop : r.finish;
  json::object body{{"id", ids.id},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", ids.model},
                    {"content", std::move(content)},
                    {"stop_reason", FinishReasonAnthropic(finish)}};
  body["stop_sequence"] = r.stop_sequence.empty() ? json::value() : json::value(r.stop_sequence);
  body["usage"] = AnthropicUsageObject(r.usage);
  return json::serialize(body);
}

std::unique_ptr<StreamEncoder> NewAnthropicStreamEncoder(ResponseIds ids) {
  return std::make_unique<AnthropicStreamEncoder>(std::move(ids));
}

std::string_view AnthropicErrorType(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCallerUnauthorized:
      return "authentication_error";
    case ErrorCode::kCallerUnknownModel:
    case ErrorCode::kCallerNotFound:
      return "not_found_error";
    case ErrorCode::kCallerBodyTooLarge:
      return "request_too_large";
    case ErrorCode::kPolicyRateLimited:
    case ErrorCode::kPolicyBudgetExceeded:
    case ErrorCode::kPolicyQueueFull:
    case ErrorCode::kPolicyQueueTimeout:
    case ErrorCode::kProviderRateLimited:
      return "rate_limit_error";
    case ErrorCode::kPolicyBlocked:
      return "permission_error";
    case ErrorCode::kProviderOverloaded:
    case ErrorCode::kGatewayDraining:
    case ErrorCode::kGatewayStoreUnavailable:
      return "overloaded_error";
    case ErrorCode::kProviderTimeout:
      return "timeout_error";
    case ErrorCode::kCallerInvalidJson:
    case ErrorCode::kCallerInvalidRequest:
    case ErrorCode::kCallerUnsupportedFeature:
    case ErrorCode::kCallerMethodNotAllowed:
    case ErrorCode::kCallerHeadersTooLarge:
    case ErrorCode::kCallerTimeout:
    case ErrorCode::kCallerCancelled:
    case ErrorCode::kProviderInvalidRequest:
      return "invalid_request_error";
    default:
      return "api_error";
  }
}

namespace {
json::object ErrorObject(const GatewayError& error) {
  // The taxonomy code goes where current Anthropic SDKs read one (error.details.error_code).
  json::object details{{"error_code", core::ErrorCodeName(error.code)}};
  if (!error.param.empty()) details["param"] = error.param;
  json::object e{{"type", AnthropicErrorType(error.code)},
                 {"message", error.message},
                 {"details", std::move(details)}};
  return json::object{{"type", "error"}, {"error", std::move(e)}};
}
}  // namespace

std::string RenderAnthropicError(const GatewayError& error) {
  return json::serialize(ErrorObject(error));
}

std::string RenderAnthropicStreamError(const GatewayError& error) {
  return Event("error", ErrorObject(error));
}

}  // namespace sluice::api
