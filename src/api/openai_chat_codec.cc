#include "api/openai_chat_codec.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "api/openai_errors.h"
#include "telemetry/json_text.h"

namespace sluice::api {

namespace json = boost::json;
using core::GatewayError;

namespace {

// Text of a content that must be text only: a string or an array of {"type":"text"} parts.
bool ReadTextParts(const json::value& content, const std::string& param, std::vector<Part>& out,
                   uint32_t& chars, GatewayError& error) {
  if (content.is_null()) return true;
  if (content.is_string()) {
    Part p;
    p.text = content.get_string();
    chars += static_cast<uint32_t>(p.text.size());
    out.push_back(std::move(p));
    return true;
  }
  if (!content.is_array()) return InvalidField(error, param, "must be a string or an array");
  size_t i = 0;
  for (const auto& item : content.get_array()) {
    std::string where = IndexPath(param, i++);
    if (!item.is_object()) return InvalidField(error, where, "must be an object");
    const auto& o = item.get_object();
    if (StringAt(o, "type") != "text")
      return UnsupportedField(error, FieldPath(where, "type"), "must be \"text\" here");
    Part p;
    if (!ReadString(o, "text", FieldPath(where, "text"), p.text, error)) return false;
    chars += static_cast<uint32_t>(p.text.size());
    out.push_back(std::move(p));
  }
  return true;
}

bool ReadUserContent(const json::value& content, const std::string& param, std::vector<Part>& out,
                     uint32_t& chars, GatewayError& error) {
  if (!content.is_array()) return ReadTextParts(content, param, out, chars, error);
  size_t i = 0;
  for (const auto& item : content.get_array()) {
    std::string where = IndexPath(param, i++);
    if (!item.is_object()) return InvalidField(error, where, "must be an object");
    const auto& o = item.get_object();
    std::string_view type = StringAt(o, "type");
    Part p;
    if (type == "text") {
      if (!ReadString(o, "text", FieldPath(where, "text"), p.text, error)) return false;
      chars += static_cast<uint32_t>(p.text.size());
    } else if (type == "image_url") {
      p.kind = Part::Kind::kImage;
      const json::value* image = o.if_contains("image_url");
      std::string url;
      if (image && image->is_string())
        url = image->get_string();
      else if (image && image->is_object())
        url = StringAt(image->get_object(), "url");
      if (url.empty())
        return InvalidField(error, FieldPath(where, "image_url.url"), "must be a non-empty string");
      if (!SplitDataUrl(url, p.media_type, p.data)) p.url = std::move(url);
    } else {
      return UnsupportedField(error, FieldPath(where, "type"),
                              "content parts of type '" + std::string(type) +
                                  "' cannot be translated to this model's provider");
    }
    out.push_back(std::move(p));
  }
  return true;
}

bool ReadToolCalls(const json::value& calls, const std::string& param, std::vector<Part>& out,
                   GatewayError& error) {
  if (calls.is_null()) return true;
  if (!calls.is_array()) return InvalidField(error, param, "must be an array");
  size_t i = 0;
  for (const auto& item : calls.get_array()) {
    std::string where = IndexPath(param, i++);
    if (!item.is_object()) return InvalidField(error, where, "must be an object");
    const auto& o = item.get_object();
    const json::object* fn = ObjectAt(o, "function");
    if (!fn) return InvalidField(error, FieldPath(where, "function"), "must be an object");
    Part p;
    p.kind = Part::Kind::kToolCall;
    if (!ReadString(o, "id", FieldPath(where, "id"), p.id, error) ||
        !ReadString(*fn, "name", FieldPath(where, "function.name"), p.name, error) ||
        !ReadString(*fn, "arguments", FieldPath(where, "function.arguments"), p.arguments, error))
      return false;
    if (p.name.empty())
      return InvalidField(error, FieldPath(where, "function.name"), "is required");
    if (p.arguments.empty()) p.arguments = "{}";
    out.push_back(std::move(p));
  }
  return true;
}

bool ReadMessage(const json::object& m, const std::string& where, ChatRequest& out,
                 GatewayError& error) {
  static const json::value kNull;
  const json::value* content_ptr = m.if_contains("content");
  const json::value& content = content_ptr ? *content_ptr : kNull;
  std::string content_param = FieldPath(where, "content");
  std::string_view role = StringAt(m, "role");
  for (const auto& [key, value] : m) {
    if (key == "role" || key == "content") continue;
    bool allowed = (role == "assistant" &&
                    (key == "tool_calls" || key == "reasoning_content" || key == "refusal")) ||
                   (role == "tool" && key == "tool_call_id");
    if (!allowed || value.is_null()) {
      if (value.is_null()) continue;
      return UnsupportedField(error, FieldPath(where, key),
                              "cannot be translated to this model's provider");
    }
  }
  if (role == "system" || role == "developer")
    return ReadTextParts(content, content_param, out.system, out.prompt_chars, error);
  Message msg;
  if (role == "user") {
    if (!ReadUserContent(content, content_param, msg.parts, out.prompt_chars, error)) return false;
  } else if (role == "assistant") {
    msg.role = Role::kAssistant;
    std::string reasoning;
    if (!ReadString(m, "reasoning_content", FieldPath(where, "reasoning_content"), reasoning,
                    error))
      return false;
    if (!reasoning.empty()) {
      Part p;
      p.kind = Part::Kind::kThinking;
      p.text = std::move(reasoning);
      msg.parts.push_back(std::move(p));
    }
    if (!ReadTextParts(content, content_param, msg.parts, out.prompt_chars, error)) return false;
    if (const json::value* calls = m.if_contains("tool_calls"))
      if (!ReadToolCalls(*calls, FieldPath(where, "tool_calls"), msg.parts, error)) return false;
  } else if (role == "tool") {
    msg.role = Role::kTool;
    Part p;
    p.kind = Part::Kind::kToolResult;
    if (!ReadString(m, "tool_call_id", FieldPath(where, "tool_call_id"), p.tool_call_id, error))
      return false;
    if (p.tool_call_id.empty())
      return InvalidField(error, FieldPath(where, "tool_call_id"), "is required");
    std::vector<Part> texts;
    if (!ReadTextParts(content, content_param, texts, out.prompt_chars, error)) return false;
    for (auto& t : texts) p.text += (p.text.empty() ? "" : "\n") + t.text;  // a part per line
    msg.parts.push_back(std::move(p));
  } else {
    return UnsupportedField(error, FieldPath(where, "role"),
                            "'" + std::string(role) + "' cannot be translated");
  }
  out.messages.push_back(std::move(msg));
  return true;
}

bool ReadTools(const json::value& tools, ChatRequest& out, GatewayError& error) {
  if (tools.is_null()) return true;
  if (!tools.is_array()) return InvalidField(error, "tools", "must be an array");
  size_t i = 0;
  for (const auto& item : tools.get_array()) {
    std::string where = IndexPath("tools", i++);
    if (!item.is_object()) return InvalidField(error, where, "must be an object");
    const auto& o = item.get_object();
    if (StringAt(o, "type") != "function")
      return UnsupportedField(error, FieldPath(where, "type"),
                              "only function tools can be translated");
    const json::object* fn = ObjectAt(o, "function");
    if (!fn) return InvalidField(error, FieldPath(where, "function"), "must be an object");
    Tool t;
    if (!ReadString(*fn, "name", FieldPath(where, "function.name"), t.name, error) ||
        !ReadString(*fn, "description", FieldPath(where, "function.description"), t.description,
                    error))
      return false;
    if (t.name.empty())
      return InvalidField(error, FieldPath(where, "function.name"), "is required");
    if (const json::value* params = fn->if_contains("parameters")) {
      if (!params->is_object() && !params->is_null())
        return InvalidField(error, FieldPath(where, "function.parameters"), "must be an object");
      t.parameters = *params;
    }
    out.tools.push_back(std::move(t));
  }
  return true;
}

bool ReadToolChoice(const json::value& v, ToolChoice& out, GatewayError& error) {
  if (v.is_null()) return true;
  if (v.is_string()) {
    std::string_view s = v.get_string();
    if (s == "auto")
      out.kind = ToolChoice::Kind::kAuto;
    else if (s == "none")
      out.kind = ToolChoice::Kind::kNone;
    else if (s == "required")
      out.kind = ToolChoice::Kind::kRequired;
    else
      return InvalidField(error, "tool_choice", "must be auto, none, required or an object");
    return true;
  }
  const json::object* fn = v.is_object() ? ObjectAt(v.get_object(), "function") : nullptr;
  if (!fn || StringAt(*fn, "name").empty())
    return InvalidField(error, "tool_choice", "must name a function: {\"type\":\"function\",...}");
  out.kind = ToolChoice::Kind::kNamed;
  out.name = StringAt(*fn, "name");
  return true;
}

bool ReadResponseFormat(const json::value& v, ResponseFormat& out, GatewayError& error) {
  if (v.is_null()) return true;
  if (!v.is_object()) return InvalidField(error, "response_format", "must be an object");
  const auto& o = v.get_object();
  std::string_view type = StringAt(o, "type");
  if (type == "text") {
    out.kind = ResponseFormat::Kind::kText;
  } else if (type == "json_object") {
    out.kind = ResponseFormat::Kind::kJsonObject;
  } else if (type == "json_schema") {
    const json::object* js = ObjectAt(o, "json_schema");
    if (!js) return InvalidField(error, "response_format.json_schema", "must be an object");
    ReadSchemaFormat(*js, out);
  } else {
    return InvalidField(error, "response_format.type", "must be text, json_object or json_schema");
  }
  return true;
}

}  // namespace

bool DecodeOpenAiChatRequest(const json::object& body, ChatRequest& out, GatewayError& error) {
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
    } else if (k == "tools") {
      if (!ReadTools(value, out, error)) return false;
    } else if (k == "tool_choice") {
      if (!ReadToolChoice(value, out.tool_choice, error)) return false;
    } else if (k == "parallel_tool_calls") {
      if (!ReadBool(body, k, "parallel_tool_calls", out.parallel_tool_calls, error)) return false;
    } else if (k == "max_tokens" || k == "max_completion_tokens") {
      if (!ReadInt(body, k, std::string(k), out.max_tokens, error)) return false;
    } else if (k == "temperature") {
      if (!ReadNumber(body, k, "temperature", out.temperature, error)) return false;
    } else if (k == "top_p") {
      if (!ReadNumber(body, k, "top_p", out.top_p, error)) return false;
    } else if (k == "top_k") {  // vLLM / SGLang extension
      if (!ReadInt(body, k, "top_k", out.top_k, error)) return false;
    } else if (k == "presence_penalty") {
      if (!ReadNumber(body, k, "presence_penalty", out.presence_penalty, error)) return false;
    } else if (k == "frequency_penalty") {
      if (!ReadNumber(body, k, "frequency_penalty", out.frequency_penalty, error)) return false;
    } else if (k == "seed") {
      if (!ReadInt(body, k, "seed", out.seed, error)) return false;
    } else if (k == "stop") {
      if (value.is_string()) {
        out.stop.emplace_back(value.get_string());
      } else if (value.is_array()) {
        for (const auto& s : value.get_array()) {
          if (!s.is_string()) return InvalidField(error, "stop", "must be strings");
          out.stop.emplace_back(s.get_string());
        }
      } else if (!value.is_null()) {
        return InvalidField(error, "stop", "must be a string or an array of strings");
      }
    } else if (k == "response_format") {
      if (!ReadResponseFormat(value, out.response_format, error)) return false;
    } else if (k == "reasoning_effort") {
      if (!ReadString(body, k, "reasoning_effort", out.reasoning_effort, error)) return false;
    } else if (k == "user") {
      if (!ReadString(body, k, "user", out.user, error)) return false;
    } else if (k == "stream") {
      std::optional<bool> stream;
      if (!ReadBool(body, k, "stream", stream, error)) return false;
      out.stream = stream.value_or(false);
    } else if (k == "stream_options") {
      if (value.is_object())
        if (const json::value* iu = value.get_object().if_contains("include_usage"))
          out.include_usage = iu->is_bool() && iu->get_bool();
    } else if (k == "n") {
      if (!(value.is_null() || (value.is_int64() && value.get_int64() == 1) ||
            (value.is_uint64() && value.get_uint64() == 1)))
        return UnsupportedField(error, "n",
                                "other than 1 cannot be translated to this model's provider");
    } else if (!value.is_null()) {
      return UnsupportedField(error, std::string(k),
                              "cannot be translated to this model's provider");
    }
  }
  if (out.messages.empty())
    return InvalidField(error, "messages", "must contain at least one non-system message");
  return true;
}

void ReadSchemaFormat(const json::object& spec, ResponseFormat& out) {
  out.kind = ResponseFormat::Kind::kJsonSchema;
  out.name = StringAt(spec, "name");
  if (const json::value* schema = spec.if_contains("schema")) out.schema = *schema;
  if (const json::value* strict = spec.if_contains("strict"); strict && strict->is_bool())
    out.strict = strict->get_bool();
}

json::object OpenAiUsageObject(const core::TokenUsage& usage) {
  json::object u{{"prompt_tokens", usage.input},
                 {"completion_tokens", usage.output},
                 {"total_tokens", usage.input + usage.output}};
  if (usage.cached_input)
    u["prompt_tokens_details"] = json::object{{"cached_tokens", usage.cached_input}};
  if (usage.reasoning)
    u["completion_tokens_details"] = json::object{{"reasoning_tokens", usage.reasoning}};
  return u;
}

namespace {

json::object ToolCallObject(const Part& p) {
  return {{"id", p.id},
          {"type", "function"},
          {"function", json::object{{"name", p.name}, {"arguments", p.arguments}}}};
}

// Stream chunks are written straight into the output from fixed fragments: building a json::object
// per event and serialising it cost more than the rest of a translated event together. Keys and
// their order are those of the object form (OpenAiUsageObject and the golden tests).
class OpenAiChatStreamEncoder final : public StreamEncoder {
 public:
  OpenAiChatStreamEncoder(ResponseIds ids, bool include_usage) : include_usage_(include_usage) {
    // Every chunk starts with the same envelope: render it once.
    envelope_ = "data: {\"id\":";
    telemetry::AppendJsonString(envelope_, ids.id);
    envelope_ += ",\"object\":\"chat.completion.chunk\",\"created\":";
    telemetry::AppendJsonInt(envelope_, ids.created);
    envelope_ += ",\"model\":";
    telemetry::AppendJsonString(envelope_, ids.model);
    envelope_ += ",\"choices\":[";
  }

  void OnDelta(const StreamDelta& d, std::string& out) override {
    using K = StreamDelta::Kind;
    switch (d.kind) {
      case K::kStart:
        if (started_) return;
        break;
      case K::kThinkingSignature:
        return;  // no OpenAI field carries it
      case K::kFinish:
        finish_ = d.finish;
        FinishChunk(FinishReasonOpenAi(d.finish), out);
        return;
      case K::kUsage:
        usage_ = d.usage;
        usage_reported_ = true;
        return;
      default:
        break;
    }
    if (!started_) {  // a client expects the role first (kStart only ever sends this)
      started_ = true;
      OpenChunk(out);
      out += R"({"role":"assistant","content":""})";
      CloseChunk(out);
      if (d.kind == K::kStart) return;
    }
    OpenChunk(out);
    switch (d.kind) {
      case K::kText:
        out += R"({"content":)";
        telemetry::AppendJsonString(out, d.text);
        out += '}';
        break;
      case K::kThinking:
        out += R"({"reasoning_content":)";  // the field DeepSeek, vLLM and others use
        telemetry::AppendJsonString(out, d.text);
        out += '}';
        break;
      case K::kToolCallStart:
        out += R"({"tool_calls":[{"index":)";
        telemetry::AppendJsonInt(out, d.index);
        out += R"(,"id":)";
        telemetry::AppendJsonString(out, d.id);
        out += R"(,"type":"function","function":{"name":)";
        telemetry::AppendJsonString(out, d.name);
        out += R"(,"arguments":""}}]})";
        break;
      case K::kToolCallArgs:
        out += R"({"tool_calls":[{"index":)";
        telemetry::AppendJsonInt(out, d.index);
        out += R"(,"function":{"arguments":)";
        telemetry::AppendJsonString(out, d.text);
        out += "}}]}";
        break;
      default:
        break;
    }
    CloseChunk(out);
  }

  void End(std::string& out) override {
    if (finish_ == FinishReason::kUnset) FinishChunk("stop", out);
    if (include_usage_) {
      out += envelope_;
      out += R"(],"usage":{"prompt_tokens":)";
      telemetry::AppendJsonUint(out, usage_.input);
      out += R"(,"completion_tokens":)";
      telemetry::AppendJsonUint(out, usage_.output);
      out += R"(,"total_tokens":)";
      telemetry::AppendJsonUint(out, usage_.input + usage_.output);
      if (usage_.cached_input) {
        out += R"(,"prompt_tokens_details":{"cached_tokens":)";
        telemetry::AppendJsonUint(out, usage_.cached_input);
        out += '}';
      }
      if (usage_.reasoning) {
        out += R"(,"completion_tokens_details":{"reasoning_tokens":)";
        telemetry::AppendJsonUint(out, usage_.reasoning);
        out += '}';
      }
      out += "}}\n\n";
    }
    out += "data: [DONE]\n\n";
  }

  void Fail(const GatewayError& error, std::string& out) override {
    out += RenderOpenAiStreamError(error);
  }

 private:
  // A chunk is envelope_ + {"index":0,"delta":<delta>,"finish_reason":...}]}.
  void OpenChunk(std::string& out) const {
    out += envelope_;
    out += R"({"index":0,"delta":)";
  }
  static void CloseChunk(std::string& out) { out += ",\"finish_reason\":null}]}\n\n"; }
  void FinishChunk(std::string_view finish, std::string& out) const {
    OpenChunk(out);
    out += R"({},"finish_reason":)";
    telemetry::AppendJsonString(out, finish);
    out += "}]}\n\n";
  }

  std::string envelope_;  // data: {"id":...,"model":...,"choices":[
  bool include_usage_;
  bool started_ = false;
  FinishReason finish_ = FinishReason::kUnset;
};

}  // namespace

std::string EncodeOpenAiChatResponse(const ChatResponse& r, const ResponseIds& ids) {
  json::object message{{"role", "assistant"}};
  std::string text, reasoning;
  json::array calls;
  for (const auto& p : r.content) {
    if (p.kind == Part::Kind::kText)
      text += p.text;
    else if (p.kind == Part::Kind::kThinking)
      reasoning += p.text;
    else if (p.kind == Part::Kind::kToolCall)
      calls.push_back(ToolCallObject(p));
  }
  message["content"] = text.empty() && !calls.empty() ? json::value() : json::value(text);
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  if (!calls.empty()) message["tool_calls"] = std::move(calls);
  FinishReason finish = r.finish == FinishReason::kUnset ? FinishReason::kStop : r.finish;
  json::object choice{
      {"index", 0}, {"message", std::move(message)}, {"finish_reason", FinishReasonOpenAi(finish)}};
  json::object body{{"id", ids.id},
                    {"object", "chat.completion"},
                    {"created", ids.created},
                    {"model", ids.model},
                    {"choices", json::array{std::move(choice)}}};
  body["usage"] = OpenAiUsageObject(r.usage);
  return json::serialize(body);
}

std::unique_ptr<StreamEncoder> NewOpenAiChatStreamEncoder(ResponseIds ids, bool include_usage) {
  return std::make_unique<OpenAiChatStreamEncoder>(std::move(ids), include_usage);
}

std::string_view FinishReasonOpenAi(FinishReason reason) {
  switch (reason) {
    case FinishReason::kLength:
      return "length";
    case FinishReason::kToolCalls:
      return "tool_calls";
    case FinishReason::kContentFilter:
      return "content_filter";
    default:
      return "stop";
  }
}

std::string_view FinishReasonAnthropic(FinishReason reason) {
  switch (reason) {
    case FinishReason::kLength:
      return "max_tokens";
    case FinishReason::kToolCalls:
      return "tool_use";
    case FinishReason::kContentFilter:
      return "refusal";
    case FinishReason::kStopSequence:
      return "stop_sequence";
    default:
      return "end_turn";
  }
}

}  // namespace sluice::api
