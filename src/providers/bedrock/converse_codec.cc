#include "providers/bedrock/converse_codec.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/json_parse.h"

namespace sluice::providers::bedrock {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

namespace {

// ---- small JSON readers (no exceptions on untrusted input) ----

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

const json::string* StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

std::string_view View(const json::string* s) {
  return s ? std::string_view(s->data(), s->size()) : std::string_view();
}

uint64_t UintAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<uint64_t>(v->get_int64());
  return 0;
}

// See the usage convention in the header.
core::TokenUsage ReadUsage(const json::object& u) {
  core::TokenUsage usage;
  usage.cached_input = UintAt(u, "cacheReadInputTokens");
  usage.cache_creation_input = UintAt(u, "cacheWriteInputTokens");
  usage.input = UintAt(u, "inputTokens") + usage.cached_input + usage.cache_creation_input;
  usage.output = UintAt(u, "outputTokens");
  return usage;
}

api::FinishReason MapStopReason(std::string_view reason) {
  if (reason == "end_turn") return api::FinishReason::kStop;
  if (reason == "tool_use") return api::FinishReason::kToolCalls;
  if (reason == "max_tokens" || reason == "model_context_window_exceeded")
    return api::FinishReason::kLength;
  if (reason == "stop_sequence") return api::FinishReason::kStopSequence;
  if (reason == "content_filtered" || reason == "guardrail_intervened")
    return api::FinishReason::kContentFilter;
  return api::FinishReason::kStop;  // unknown reasons still end the answer
}

// Anthropic models report the matched stop sequence in additionalModelResponseFields.
std::string_view StopSequence(const json::object& o) {
  const json::object* extra = ObjectAt(o, "additionalModelResponseFields");
  return extra ? View(StringAt(*extra, "stop_sequence")) : std::string_view();
}

GatewayError BadResponse(std::string message) {
  return GatewayError(ErrorCode::kProviderBadResponse, std::move(message));
}

// ---- request encoding ----

GatewayError Unsupported(std::string message, std::string param) {
  return GatewayError(ErrorCode::kCallerUnsupportedFeature, std::move(message), std::move(param));
}

GatewayError Invalid(std::string message, std::string param) {
  return GatewayError(ErrorCode::kCallerInvalidRequest, std::move(message), std::move(param));
}

json::object CachePoint() {
  json::object cp;
  cp["cachePoint"] = json::object{{"type", "default"}};
  return cp;
}

// A cache marker becomes a cachePoint block after the marked one; Converse has no TTL for it.
bool AddCachePoint(const api::CacheControl& cc, json::array& blocks, const std::string& param,
                   GatewayError& error) {
  if (!cc.set) return true;
  if (!cc.ttl.empty() && cc.ttl != "5m") {
    error = Unsupported("Bedrock Converse cache points have no TTL option", param + ".ttl");
    return false;
  }
  blocks.push_back(CachePoint());
  return true;
}

std::string_view ImageFormat(std::string_view media_type) {
  if (media_type == "image/png") return "png";
  if (media_type == "image/jpeg" || media_type == "image/jpg") return "jpeg";
  if (media_type == "image/gif") return "gif";
  if (media_type == "image/webp") return "webp";
  return {};
}

bool EncodeImage(const api::Part& part, const std::string& param, json::array& blocks,
                 GatewayError& error) {
  std::string_view media_type = part.media_type;
  std::string_view data = part.data;
  if (!part.url.empty()) {
    // data:<media type>;base64,<data>
    std::string_view url = part.url;
    size_t comma = url.find(',');
    if (url.substr(0, 5) != "data:" || comma == std::string_view::npos) {
      error = Unsupported("Bedrock Converse takes images as inline data, not URLs",
                          param + ".image_url");
      return false;
    }
    std::string_view meta = url.substr(5, comma - 5);
    constexpr std::string_view kBase64 = ";base64";
    if (meta.size() < kBase64.size() || meta.substr(meta.size() - kBase64.size()) != kBase64) {
      error = Unsupported("only base64 data: URLs are supported for images", param + ".image_url");
      return false;
    }
    media_type = meta.substr(0, meta.size() - kBase64.size());
    data = url.substr(comma + 1);
  }
  std::string_view format = ImageFormat(media_type);
  if (format.empty()) {
    error = Unsupported("Bedrock Converse takes png, jpeg, gif or webp images, not '" +
                            std::string(media_type) + "'",
                        param + ".image_url");
    return false;
  }
  json::object image;
  image["format"] = format;
  image["source"] = json::object{{"bytes", data}};
  json::object block;
  block["image"] = std::move(image);
  blocks.push_back(std::move(block));
  return true;
}

bool EncodeToolCall(const api::Part& part, const std::string& param, json::array& blocks,
                    GatewayError& error) {
  json::value input;
  if (part.arguments.empty()) {
    input = json::object();
  } else {
    boost::system::error_code ec;
    input = core::ParseJson(part.arguments, {}, ec);
    if (ec || !input.is_object()) {
      error = Invalid("tool call arguments must be a JSON object", param + ".arguments");
      return false;
    }
  }
  json::object tool_use;
  tool_use["toolUseId"] = part.id;
  tool_use["name"] = part.name;
  tool_use["input"] = std::move(input);
  json::object block;
  block["toolUse"] = std::move(tool_use);
  blocks.push_back(std::move(block));
  return true;
}

// Appends the Converse blocks of one part; `param` names it ("messages[2].content[1]").
bool EncodePart(const api::Part& part, const std::string& param, json::array& blocks,
                GatewayError& error) {
  switch (part.kind) {
    case api::Part::Kind::kText:
      if (part.text.empty()) return true;  // Bedrock rejects blank text blocks
      blocks.push_back(json::object{{"text", part.text}});
      break;
    case api::Part::Kind::kImage:
      if (!EncodeImage(part, param, blocks, error)) return false;
      break;
    case api::Part::Kind::kToolCall:
      if (!EncodeToolCall(part, param, blocks, error)) return false;
      break;
    case api::Part::Kind::kToolResult: {
      json::object result;
      result["toolUseId"] = part.tool_call_id;
      json::array content;
      content.push_back(json::object{{"text", part.text}});
      result["content"] = std::move(content);
      if (part.is_error) result["status"] = "error";
      json::object block;
      block["toolResult"] = std::move(result);
      blocks.push_back(std::move(block));
      break;
    }
    case api::Part::Kind::kThinking: {
      json::object text;
      text["text"] = part.text;
      if (!part.signature.empty()) text["signature"] = part.signature;
      json::object reasoning;
      reasoning["reasoningText"] = std::move(text);
      json::object block;
      block["reasoningContent"] = std::move(reasoning);
      blocks.push_back(std::move(block));
      break;
    }
    case api::Part::Kind::kRedactedThinking: {
      json::object reasoning;
      reasoning["redactedContent"] = part.text;
      json::object block;
      block["reasoningContent"] = std::move(reasoning);
      blocks.push_back(std::move(block));
      break;
    }
  }
  return AddCachePoint(part.cache_control, blocks, param + ".cache_control", error);
}

bool HasToolBlocks(const api::ChatRequest& req) {
  for (const api::Message& m : req.messages)
    for (const api::Part& p : m.parts)
      if (p.kind == api::Part::Kind::kToolCall || p.kind == api::Part::Kind::kToolResult)
        return true;
  return false;
}

// Fields Converse has no way to express (see the header).
bool RejectInexpressible(const api::ChatRequest& req, GatewayError& error) {
  auto no = [&](std::string_view field) {
    error = Unsupported("Bedrock Converse does not support '" + std::string(field) + "'",
                        std::string(field));
    return false;
  };
  if (req.presence_penalty) return no("presence_penalty");
  if (req.frequency_penalty) return no("frequency_penalty");
  if (req.seed) return no("seed");
  if (!req.user.empty()) return no("user");  // no end-user field; refused, as Gemini does
  if (req.response_format.kind == api::ResponseFormat::Kind::kJsonObject ||
      req.response_format.kind == api::ResponseFormat::Kind::kJsonSchema)
    return no("response_format");
  if (!req.reasoning_effort.empty()) return no("reasoning_effort");
  if (req.parallel_tool_calls && !*req.parallel_tool_calls) return no("parallel_tool_calls");
  if (req.tool_choice.kind == api::ToolChoice::Kind::kNone && HasToolBlocks(req)) {
    error = Unsupported(
        "Bedrock Converse cannot withhold tools from a conversation that already uses them",
        "tool_choice");
    return false;
  }
  return true;
}

bool EncodeToolConfig(const api::ChatRequest& req, json::object& body, GatewayError& error) {
  using TC = api::ToolChoice::Kind;
  if (req.tool_choice.kind == TC::kNone) return true;  // no tools offered: the honest "none"
  if (req.tools.empty()) {
    if (req.tool_choice.kind == TC::kRequired || req.tool_choice.kind == TC::kNamed) {
      error = Invalid("tool_choice requires tools", "tool_choice");
      return false;
    }
    return true;
  }
  json::array tools;
  for (size_t i = 0; i < req.tools.size(); ++i) {
    const api::Tool& tool = req.tools[i];
    std::string param = "tools[" + std::to_string(i) + "]";
    json::value schema;
    if (tool.parameters.is_null()) {
      schema = json::object{{"type", "object"}, {"properties", json::object()}};
    } else if (tool.parameters.is_object()) {
      schema = tool.parameters;
    } else {
      error =
          Invalid("tool parameters must be a JSON Schema object", param + ".function.parameters");
      return false;
    }
    json::object spec;
    spec["name"] = tool.name;
    if (!tool.description.empty()) spec["description"] = tool.description;
    spec["inputSchema"] = json::object{{"json", std::move(schema)}};
    json::object entry;
    entry["toolSpec"] = std::move(spec);
    tools.push_back(std::move(entry));
    if (!AddCachePoint(tool.cache_control, tools, param + ".cache_control", error)) return false;
  }
  json::object config;
  config["tools"] = std::move(tools);
  switch (req.tool_choice.kind) {
    case TC::kAuto:
      config["toolChoice"] = json::object{{"auto", json::object()}};
      break;
    case TC::kRequired:
      config["toolChoice"] = json::object{{"any", json::object()}};
      break;
    case TC::kNamed:
      config["toolChoice"] = json::object{{"tool", json::object{{"name", req.tool_choice.name}}}};
      break;
    case TC::kUnset:
    case TC::kNone:
      break;
  }
  body["toolConfig"] = std::move(config);
  return true;
}

const char* RoleName(api::Role role) {
  return role == api::Role::kAssistant ? "assistant" : "user";  // tool results go in user turns
}

}  // namespace

bool EncodeConverseRequest(const api::ChatRequest& req, std::string& body, GatewayError& error) {
  if (!RejectInexpressible(req, error)) return false;
  json::object out;

  if (!req.system.empty()) {
    json::array system;
    for (size_t i = 0; i < req.system.size(); ++i) {
      const api::Part& part = req.system[i];
      std::string param = "system[" + std::to_string(i) + "]";
      if (part.kind != api::Part::Kind::kText) {
        error = Unsupported("Bedrock Converse system prompts take text only", param);
        return false;
      }
      if (!part.text.empty()) system.push_back(json::object{{"text", part.text}});
      if (!AddCachePoint(part.cache_control, system, param + ".cache_control", error)) return false;
    }
    out["system"] = std::move(system);
  }

  // Converse wants alternating roles: consecutive same-role messages (tool results included, as
  // user turns) are merged into one.
  json::array messages;
  const char* last_role = nullptr;
  for (size_t i = 0; i < req.messages.size(); ++i) {
    const api::Message& msg = req.messages[i];
    const char* role = RoleName(msg.role);
    if (!last_role || std::string_view(last_role) != role) {
      json::object m;
      m["role"] = role;
      m["content"] = json::array();
      messages.push_back(std::move(m));
      last_role = role;
    }
    json::array& content = messages.back().get_object()["content"].get_array();
    for (size_t j = 0; j < msg.parts.size(); ++j) {
      std::string param = "messages[" + std::to_string(i) + "].content[" + std::to_string(j) + "]";
      if (!EncodePart(msg.parts[j], param, content, error)) return false;
    }
  }
  out["messages"] = std::move(messages);

  json::object inference;
  if (req.max_tokens) inference["maxTokens"] = *req.max_tokens;
  if (req.temperature) inference["temperature"] = *req.temperature;
  if (req.top_p) inference["topP"] = *req.top_p;
  if (!req.stop.empty()) {
    json::array stop;
    for (const std::string& s : req.stop) stop.push_back(json::string(s));
    inference["stopSequences"] = std::move(stop);
  }
  if (!inference.empty()) out["inferenceConfig"] = std::move(inference);

  if (!EncodeToolConfig(req, out, error)) return false;

  json::object extra;
  if (req.top_k) extra["top_k"] = *req.top_k;
  if (req.thinking_budget)
    extra["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", *req.thinking_budget}};
  if (!extra.empty()) out["additionalModelRequestFields"] = std::move(extra);

  body = json::serialize(out);
  return true;
}

bool DecodeConverseResponse(std::string_view body, api::ChatResponse& out, GatewayError& error) {
  boost::system::error_code ec;
  json::value root = core::ParseJson(body, {}, ec);
  if (ec || !root.is_object()) {
    error = BadResponse("Bedrock Converse response is not a JSON object");
    return false;
  }
  const json::object& obj = root.get_object();
  const json::object* output = ObjectAt(obj, "output");
  const json::object* message = output ? ObjectAt(*output, "message") : nullptr;
  const json::value* content = message ? message->if_contains("content") : nullptr;
  if (!content || !content->is_array()) {
    error = BadResponse("Bedrock Converse response has no output.message.content");
    return false;
  }
  out.content.clear();
  for (const json::value& item : content->get_array()) {
    if (!item.is_object()) {
      error = BadResponse("Bedrock Converse content block is not an object");
      return false;
    }
    const json::object& block = item.get_object();
    api::Part part;
    if (const json::string* text = StringAt(block, "text")) {
      part.kind = api::Part::Kind::kText;
      part.text = View(text);
    } else if (const json::object* tool = ObjectAt(block, "toolUse")) {
      const json::string* id = StringAt(*tool, "toolUseId");
      const json::string* name = StringAt(*tool, "name");
      const json::value* input = tool->if_contains("input");
      if (!id || !name) {
        error = BadResponse("Bedrock Converse toolUse block lacks toolUseId or name");
        return false;
      }
      part.kind = api::Part::Kind::kToolCall;
      part.id = View(id);
      part.name = View(name);
      part.arguments = input && !input->is_null() ? json::serialize(*input) : "{}";
    } else if (const json::object* reasoning = ObjectAt(block, "reasoningContent")) {
      if (const json::object* rt = ObjectAt(*reasoning, "reasoningText")) {
        part.kind = api::Part::Kind::kThinking;
        part.text = View(StringAt(*rt, "text"));
        part.signature = View(StringAt(*rt, "signature"));
      } else if (const json::string* redacted = StringAt(*reasoning, "redactedContent")) {
        part.kind = api::Part::Kind::kRedactedThinking;
        part.text = View(redacted);
      } else {
        error = BadResponse("Bedrock Converse reasoningContent block is empty");
        return false;
      }
    } else {
      continue;  // a block kind the unified model has no place for (e.g. citations)
    }
    out.content.push_back(std::move(part));
  }
  const json::string* stop = StringAt(obj, "stopReason");
  out.finish = stop ? MapStopReason(View(stop)) : api::FinishReason::kUnset;
  out.stop_sequence = StopSequence(obj);
  if (const json::object* usage = ObjectAt(obj, "usage")) {
    out.usage = ReadUsage(*usage);
    out.has_usage = true;
  }
  return true;
}

GatewayError ConverseExceptionError(std::string_view exception_type, std::string_view payload) {
  ErrorCode code = ErrorCode::kProviderServerError;
  if (exception_type == "throttlingException")
    code = ErrorCode::kProviderRateLimited;
  else if (exception_type == "serviceUnavailableException")
    code = ErrorCode::kProviderOverloaded;
  else if (exception_type == "validationException")
    code = ErrorCode::kProviderInvalidRequest;
  std::string message(exception_type);
  boost::system::error_code ec;
  json::value v = core::ParseJson(payload, {}, ec);
  if (!ec && v.is_object()) {
    const json::object& o = v.get_object();
    const json::string* text = StringAt(o, "message");
    if (!text) text = StringAt(o, "Message");
    if (text && !text->empty()) message += ": " + std::string(View(text));
  }
  return GatewayError(code, std::move(message));
}

int ConverseStreamDecoder::ToolIndexOf(int64_t content_block) const {
  for (const auto& [block, index] : tool_blocks_)
    if (block == content_block) return index;
  return -1;
}

bool ConverseStreamDecoder::OnEvent(std::string_view name, std::string_view data,
                                    const DeltaSink& emit, GatewayError& error) {
  constexpr std::string_view kException = "Exception";
  if (name.size() >= kException.size() &&
      name.substr(name.size() - kException.size()) == kException) {
    error = ConverseExceptionError(name, data);
    return false;
  }
  bool known = name == "messageStart" || name == "contentBlockStart" ||
               name == "contentBlockDelta" || name == "contentBlockStop" || name == "messageStop" ||
               name == "metadata";
  if (!known) return true;

  boost::system::error_code ec;
  json::value v = core::ParseJson(data, arena_.Reset(), ec);
  if (ec || !v.is_object()) {
    error = BadResponse("Bedrock ConverseStream event '" + std::string(name) +
                        "' is not a JSON object");
    return false;
  }
  const json::object& obj = v.get_object();
  api::StreamDelta delta;

  if (name == "messageStart") {
    delta.kind = api::StreamDelta::Kind::kStart;
    emit(delta);
    return true;
  }
  if (name == "contentBlockStop") return true;
  if (name == "messageStop") {
    const json::string* reason = StringAt(obj, "stopReason");
    if (!reason) {
      error = BadResponse("Bedrock ConverseStream messageStop lacks stopReason");
      return false;
    }
    delta.kind = api::StreamDelta::Kind::kFinish;
    delta.finish = MapStopReason(View(reason));
    delta.text = StopSequence(obj);
    finished_ = true;
    emit(delta);
    return true;
  }
  if (name == "metadata") {
    const json::object* usage = ObjectAt(obj, "usage");
    if (!usage) return true;  // metrics or trace only
    delta.kind = api::StreamDelta::Kind::kUsage;
    delta.usage = ReadUsage(*usage);
    emit(delta);
    return true;
  }

  const json::value* block_index = obj.if_contains("contentBlockIndex");
  int64_t block = block_index && block_index->is_int64() ? block_index->get_int64()
                  : block_index && block_index->is_uint64()
                      ? static_cast<int64_t>(block_index->get_uint64())
                      : -1;
  if (name == "contentBlockStart") {
    const json::object* start = ObjectAt(obj, "start");
    const json::object* tool = start ? ObjectAt(*start, "toolUse") : nullptr;
    if (!tool) return true;  // text and reasoning blocks start with their first delta
    const json::string* id = StringAt(*tool, "toolUseId");
    const json::string* tool_name = StringAt(*tool, "name");
    if (!id || !tool_name) {
      error = BadResponse("Bedrock ConverseStream toolUse start lacks toolUseId or name");
      return false;
    }
    delta.kind = api::StreamDelta::Kind::kToolCallStart;
    delta.index = tool_calls_++;
    delta.id = View(id);
    delta.name = View(tool_name);
    tool_blocks_.emplace_back(block, delta.index);
    emit(delta);
    return true;
  }

  // contentBlockDelta
  const json::object* d = ObjectAt(obj, "delta");
  if (!d) {
    error = BadResponse("Bedrock ConverseStream contentBlockDelta lacks delta");
    return false;
  }
  if (const json::string* text = StringAt(*d, "text")) {
    if (text->empty()) return true;
    delta.kind = api::StreamDelta::Kind::kText;
    delta.text = View(text);
    emit(delta);
    return true;
  }
  if (const json::object* tool = ObjectAt(*d, "toolUse")) {
    int index = ToolIndexOf(block);
    const json::string* input = StringAt(*tool, "input");
    if (index < 0 || !input) {
      error = BadResponse("Bedrock ConverseStream toolUse delta without a started tool call");
      return false;
    }
    if (input->empty()) return true;
    delta.kind = api::StreamDelta::Kind::kToolCallArgs;
    delta.index = index;
    delta.text = View(input);
    emit(delta);
    return true;
  }
  if (const json::object* reasoning = ObjectAt(*d, "reasoningContent")) {
    if (const json::string* text = StringAt(*reasoning, "text")) {
      if (text->empty()) return true;
      delta.kind = api::StreamDelta::Kind::kThinking;
      delta.text = View(text);
      emit(delta);
    } else if (const json::string* signature = StringAt(*reasoning, "signature")) {
      delta.kind = api::StreamDelta::Kind::kThinkingSignature;
      delta.text = View(signature);
      emit(delta);
    }
    return true;  // redactedContent: no unified delta (see the header)
  }
  return true;  // a delta kind we do not know: ignore
}

}  // namespace sluice::providers::bedrock
