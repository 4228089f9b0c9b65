#include "providers/ollama/ollama_chat.h"

#include <boost/json/serialize.hpp>
#include <unordered_map>
#include <vector>

#include "api/json_fields.h"
#include "core/json_parse.h"

namespace sluice::providers::ollama {

namespace json = boost::json;
using api::Part;
using core::ErrorCode;
using core::GatewayError;

namespace {

bool Unsupported(GatewayError& error, std::string param, std::string_view why) {
  return api::UnsupportedField(error, std::move(param),
                               "cannot be expressed in Ollama's /api/chat: " + std::string(why));
}

bool BadResponse(GatewayError& error, std::string_view what) {
  error = GatewayError{ErrorCode::kProviderBadResponse,
                       "malformed Ollama response: " + std::string(what)};
  return false;
}

std::string At(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

void Join(std::string& into, std::string_view text) {
  if (!into.empty()) into += '\n';
  into += text;
}

// ---- request ---------------------------------------------------------------------------------

class MessageEncoder {
 public:
  explicit MessageEncoder(GatewayError& error) : error_(error) {}

  bool Encode(const std::vector<api::Message>& messages, json::array& out) {
    for (size_t i = 0; i < messages.size(); ++i) {
      const api::Message& m = messages[i];
      std::string where = At("messages", i);
      bool ok = m.role == api::Role::kAssistant ? Assistant(m, where, out)
                                                : UserOrTool(m, where, out);
      if (!ok) return false;
    }
    return true;
  }

 private:
  bool Image(const Part& p, const std::string& where, json::array& images) {
    if (!p.data.empty()) {
      images.push_back(json::string(p.data));
      return true;
    }
    std::string media_type, data;
    if (api::SplitDataUrl(p.url, media_type, data)) {
      images.push_back(json::string(data));
      return true;
    }
    if (p.url.empty())
      return api::InvalidField(error_, where, "needs a url or media_type and data");
    if (p.url.starts_with("data:"))
      return api::InvalidField(error_, where + ".url", "must be a base64 data: URL");
    return Unsupported(error_, where + ".url",
                       "Ollama takes images as base64 data only, not by URL; send the image bytes");
  }

  bool Assistant(const api::Message& m, const std::string& where, json::array& out) {
    std::string content, thinking;
    json::array calls;
    for (size_t j = 0; j < m.parts.size(); ++j) {
      const Part& p = m.parts[j];
      std::string part_where = At(where + ".content", j);
      switch (p.kind) {
        case Part::Kind::kText:
          if (!p.text.empty()) Join(content, p.text);
          break;
        case Part::Kind::kThinking:
          if (!p.text.empty()) Join(thinking, p.text);
          break;
        case Part::Kind::kRedactedThinking:
          break;  // opaque to every provider but the one that wrote it
        case Part::Kind::kToolCall: {
          if (p.name.empty()) return api::InvalidField(error_, part_where + ".name", "is required");
          json::value args = json::object();
          if (!p.arguments.empty()) {
            boost::system::error_code ec;
            args = core::ParseJson(p.arguments, {}, ec);
            if (ec || !args.is_object())
              return api::InvalidField(error_, part_where + ".arguments",
                                       "must be the JSON text of an object");
          }
          json::object call;
          if (!p.id.empty()) call["id"] = p.id;
          call["function"] = json::object{{"name", p.name}, {"arguments", std::move(args)}};
          calls.push_back(std::move(call));
          if (!p.id.empty()) call_names_[p.id] = p.name;
          break;
        }
        case Part::Kind::kImage:
          return Unsupported(error_, part_where, "assistant messages carry no images");
        case Part::Kind::kToolResult:
          return api::InvalidField(error_, part_where, "is a tool result in an assistant message");
      }
    }
    json::object msg{{"role", "assistant"}, {"content", content}};
    if (!thinking.empty()) msg["thinking"] = thinking;
    if (!calls.empty()) msg["tool_calls"] = std::move(calls);
    out.push_back(std::move(msg));
    return true;
  }

  // User parts become one user message; each tool result becomes a tool message, in order.
  bool UserOrTool(const api::Message& m, const std::string& where, json::array& out) {
    bool tool_role = m.role == api::Role::kTool;
    std::string content;
    json::array images;
    bool pending = false;
    auto flush = [&] {
      if (!pending) return;
      json::object msg{{"role", "user"}, {"content", content}};
      if (!images.empty()) msg["images"] = std::move(images);
      out.push_back(std::move(msg));
      content.clear();
      images = json::array();
      pending = false;
    };
    for (size_t j = 0; j < m.parts.size(); ++j) {
      const Part& p = m.parts[j];
      std::string part_where = At(where + ".content", j);
      if (tool_role && p.kind != Part::Kind::kToolResult)
        return api::InvalidField(error_, part_where, "must be a tool result in a tool message");
      switch (p.kind) {
        case Part::Kind::kText:
          Join(content, p.text);
          pending = true;
          break;
        case Part::Kind::kImage:
          if (!Image(p, part_where, images)) return false;
          pending = true;
          break;
        case Part::Kind::kToolResult: {
          flush();
          json::object msg{{"role", "tool"}, {"content", p.text}};
          auto it = call_names_.find(p.tool_call_id);
          if (it != call_names_.end()) msg["tool_name"] = it->second;
          if (!p.tool_call_id.empty()) msg["tool_call_id"] = p.tool_call_id;
          out.push_back(std::move(msg));
          break;
        }
        case Part::Kind::kToolCall:
        case Part::Kind::kThinking:
        case Part::Kind::kRedactedThinking:
          return api::InvalidField(error_, part_where, "belongs in an assistant message");
      }
    }
    if (!tool_role && (pending || m.parts.empty())) {
      pending = true;
      flush();
    }
    return true;
  }

  GatewayError& error_;
  std::unordered_map<std::string, std::string> call_names_;  // tool call id -> function name
};

// reasoning_effort -> Ollama's think level; empty if unknown.
std::string_view ThinkLevel(std::string_view effort) {
  if (effort == "minimal" || effort == "low") return "low";
  if (effort == "medium") return "medium";
  if (effort == "high") return "high";
  return {};
}

// ---- response --------------------------------------------------------------------------------

// The parts of one /api/chat object, checked; views point into the parsed document.
struct Chunk {
  std::string_view model;
  std::string_view content;
  std::string_view thinking;
  struct Call {
    std::string_view id;
    std::string_view name;
    std::string arguments;
  };
  std::vector<Call> calls;
  bool done = false;
  std::string_view done_reason;
  core::TokenUsage usage;
  bool has_usage = false;
};

int StatusOf(const json::object& o) {
  const json::value* s = o.if_contains("status");
  if (s && s->is_int64() && s->get_int64() > 0 && s->get_int64() < 1000)
    return static_cast<int>(s->get_int64());
  if (s && s->is_uint64() && s->get_uint64() < 1000) return static_cast<int>(s->get_uint64());
  return 0;
}

bool StringField(const json::object& o, std::string_view key, std::string_view& out,
                 GatewayError& error) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return BadResponse(error, std::string(key) + " is not a string");
  out = v->get_string();
  return true;
}

// Parses one object; an {"error": ...} report becomes the mapped error.
bool ParseChunk(std::string_view data, json::value& doc, Chunk& chunk, GatewayError& error) {
  boost::system::error_code ec;
  doc = core::ParseJson(data, {}, ec);
  if (ec) return BadResponse(error, "not JSON");
  if (!doc.is_object()) return BadResponse(error, "not a JSON object");
  const json::object& o = doc.get_object();
  if (const json::value* err = o.if_contains("error"); err && !err->is_null()) {
    error = OllamaError(err->is_string() ? std::string_view(err->get_string())
                                         : std::string_view("(no message)"),
                        StatusOf(o));
    return false;
  }
  if (!StringField(o, "model", chunk.model, error)) return false;
  if (!StringField(o, "done_reason", chunk.done_reason, error)) return false;
  if (const json::value* done = o.if_contains("done"); done && !done->is_null()) {
    if (!done->is_bool()) return BadResponse(error, "done is not a boolean");
    chunk.done = done->get_bool();
  }
  chunk.has_usage = o.contains("prompt_eval_count") || o.contains("eval_count");
  chunk.usage.input = api::UintAt(o, "prompt_eval_count");
  chunk.usage.output = api::UintAt(o, "eval_count");
  const json::value* message = o.if_contains("message");
  if (!message || message->is_null()) return true;
  if (!message->is_object()) return BadResponse(error, "message is not an object");
  const json::object& m = message->get_object();
  if (!StringField(m, "content", chunk.content, error)) return false;
  if (!StringField(m, "thinking", chunk.thinking, error)) return false;
  const json::value* calls = m.if_contains("tool_calls");
  if (!calls || calls->is_null()) return true;
  if (!calls->is_array()) return BadResponse(error, "tool_calls is not an array");
  for (const json::value& c : calls->get_array()) {
    if (!c.is_object()) return BadResponse(error, "a tool call is not an object");
    const json::object* fn = api::ObjectAt(c.get_object(), "function");
    if (!fn) return BadResponse(error, "a tool call has no function");
    Chunk::Call call;
    call.id = api::StringAt(c.get_object(), "id");
    call.name = api::StringAt(*fn, "name");
    if (call.name.empty()) return BadResponse(error, "a tool call has no name");
    const json::value* args = fn->if_contains("arguments");
    if (!args || args->is_null())
      call.arguments = "{}";
    else if (args->is_object())
      call.arguments = json::serialize(*args);
    else if (args->is_string())  // JSON text, as some OpenAI-shaped servers send it
      call.arguments = std::string(args->get_string());
    else
      return BadResponse(error, "tool call arguments are not an object");
    chunk.calls.push_back(std::move(call));
  }
  return true;
}

api::FinishReason MapDoneReason(std::string_view reason, bool tool_calls) {
  if (reason == "length") return api::FinishReason::kLength;
  return tool_calls ? api::FinishReason::kToolCalls : api::FinishReason::kStop;
}

bool Contains(std::string_view text, std::string_view what) {
  // Case-insensitive for ASCII: error texts vary in capitalisation.
  if (what.size() > text.size()) return false;
  for (size_t i = 0; i + what.size() <= text.size(); ++i) {
    size_t k = 0;
    while (k < what.size()) {
      char c = text[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != what[k]) break;
      ++k;
    }
    if (k == what.size()) return true;
  }
  return false;
}

}  // namespace

bool EncodeOllamaChatRequest(const api::ChatRequest& r, std::string_view model, std::string& body,
                             GatewayError& error) {
  using TK = api::ToolChoice::Kind;
  if (r.tool_choice.kind == TK::kRequired || r.tool_choice.kind == TK::kNamed)
    return Unsupported(error, "tool_choice",
                       "Ollama has no tool_choice (only auto, or none by not offering the tools)");
  if (r.parallel_tool_calls && !*r.parallel_tool_calls)
    return Unsupported(error, "parallel_tool_calls", "Ollama has no switch for parallel calls");
  if (!r.user.empty()) return Unsupported(error, "user", "Ollama has no end-user id field");

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
  MessageEncoder encoder(error);
  if (!encoder.Encode(r.messages, messages)) return false;

  json::object o{{"model", model}, {"messages", std::move(messages)}};
  if (!r.tools.empty() && r.tool_choice.kind != TK::kNone) {
    json::array tools;
    for (size_t i = 0; i < r.tools.size(); ++i) {
      const api::Tool& t = r.tools[i];
      if (t.name.empty()) return api::InvalidField(error, At("tools", i) + ".name", "is required");
      json::object fn{{"name", t.name}};
      if (!t.description.empty()) fn["description"] = t.description;
      if (!t.parameters.is_null() && !t.parameters.is_object())
        return api::InvalidField(error, At("tools", i) + ".parameters", "must be an object");
      fn["parameters"] =
          t.parameters.is_object()
              ? t.parameters
              : json::value(json::object{{"type", "object"}, {"properties", json::object{}}});
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    o["tools"] = std::move(tools);
  }
  switch (r.response_format.kind) {
    case api::ResponseFormat::Kind::kUnset:
    case api::ResponseFormat::Kind::kText:
      break;
    case api::ResponseFormat::Kind::kJsonObject:
      o["format"] = "json";
      break;
    case api::ResponseFormat::Kind::kJsonSchema:
      if (!r.response_format.schema.is_object())
        return api::InvalidField(error, "response_format.json_schema.schema", "must be an object");
      o["format"] = r.response_format.schema;
      break;
  }
  json::object options;
  if (r.temperature) options["temperature"] = *r.temperature;
  if (r.top_p) options["top_p"] = *r.top_p;
  if (r.top_k) options["top_k"] = *r.top_k;
  if (r.max_tokens) options["num_predict"] = *r.max_tokens;
  if (!r.stop.empty()) {
    json::array stop;
    for (const auto& s : r.stop) stop.push_back(json::string(s));
    options["stop"] = std::move(stop);
  }
  if (r.seed) options["seed"] = *r.seed;
  if (r.presence_penalty) options["presence_penalty"] = *r.presence_penalty;
  if (r.frequency_penalty) options["frequency_penalty"] = *r.frequency_penalty;
  if (!options.empty()) o["options"] = std::move(options);
  if (!r.reasoning_effort.empty()) {
    std::string_view level = ThinkLevel(r.reasoning_effort);
    if (level.empty())
      return Unsupported(error, "reasoning_effort",
                         "Ollama think levels are low, medium and high (minimal maps to low)");
    o["think"] = level;
  } else if (r.thinking_budget) {
    o["think"] = true;
  }
  o["stream"] = r.stream;
  body = json::serialize(o);
  return true;
}

GatewayError OllamaError(std::string_view message, int status) {
  GatewayError error{ErrorCode::kProviderServerError, "Ollama reported: " + std::string(message)};
  if (status == 429 || (status == 0 && (Contains(message, "too many requests") ||
                                        Contains(message, "rate limit")))) {
    error.code = ErrorCode::kProviderRateLimited;
  } else if (status == 401 || status == 403 ||
             (status == 0 && Contains(message, "unauthorized"))) {
    error.code = ErrorCode::kProviderAuthFailed;
  } else if (status == 400 || status == 404 || (status == 0 && Contains(message, "not found"))) {
    error.code = ErrorCode::kProviderInvalidRequest;
    error.status = 400;
  } else if (status == 503 || (status == 0 && Contains(message, "server busy"))) {
    error.code = ErrorCode::kProviderOverloaded;
  } else if (status == 504) {
    error.code = ErrorCode::kProviderTimeout;
  }
  return error;
}

bool DecodeOllamaChatResponse(std::string_view body, api::ChatResponse& out, GatewayError& error) {
  json::value doc;
  Chunk chunk;
  if (!ParseChunk(body, doc, chunk, error)) return false;
  if (!doc.get_object().contains("message")) return BadResponse(error, "no message");
  out = api::ChatResponse{};
  out.model = std::string(chunk.model);
  if (!chunk.thinking.empty()) {
    Part p;
    p.kind = Part::Kind::kThinking;
    p.text = std::string(chunk.thinking);
    out.content.push_back(std::move(p));
  }
  if (!chunk.content.empty()) {
    Part p;
    p.text = std::string(chunk.content);
    out.content.push_back(std::move(p));
  }
  for (size_t i = 0; i < chunk.calls.size(); ++i) {
    Part p;
    p.kind = Part::Kind::kToolCall;
    p.id = chunk.calls[i].id.empty() ? "call_" + std::to_string(i) : std::string(chunk.calls[i].id);
    p.name = std::string(chunk.calls[i].name);
    p.arguments = std::move(chunk.calls[i].arguments);
    out.content.push_back(std::move(p));
  }
  out.finish = MapDoneReason(chunk.done_reason, !chunk.calls.empty());
  out.usage = chunk.usage;
  out.has_usage = chunk.has_usage;
  return true;
}

bool OllamaChatStreamDecoder::OnEvent(std::string_view /*name*/, std::string_view data,
                                      const DeltaSink& emit, GatewayError& error) {
  if (finished_ || data.empty()) return true;
  json::value doc;
  Chunk chunk;
  if (!ParseChunk(data, doc, chunk, error)) return false;  // checked whole: emits nothing
  using K = api::StreamDelta::Kind;
  if (!started_) {
    started_ = true;
    api::StreamDelta d;
    d.kind = K::kStart;
    d.model = chunk.model;
    emit(d);
  }
  EmitText(emit, K::kThinking, chunk.thinking);
  EmitText(emit, K::kText, chunk.content);
  for (const Chunk::Call& call : chunk.calls) {
    std::string id = call.id.empty() ? "call_" + std::to_string(tool_calls_) : std::string(call.id);
    api::StreamDelta start;
    start.kind = K::kToolCallStart;
    start.index = tool_calls_;
    start.id = id;
    start.name = call.name;
    emit(start);
    api::StreamDelta args;
    args.kind = K::kToolCallArgs;
    args.index = tool_calls_;
    args.text = call.arguments;
    emit(args);
    ++tool_calls_;
  }
  if (chunk.done) {
    finished_ = true;
    api::StreamDelta d;
    d.kind = K::kFinish;
    d.finish = MapDoneReason(chunk.done_reason, tool_calls_ > 0);
    emit(d);
    api::StreamDelta u;
    u.kind = K::kUsage;
    u.usage = chunk.usage;
    emit(u);
  }
  return true;
}

}  // namespace sluice::providers::ollama
