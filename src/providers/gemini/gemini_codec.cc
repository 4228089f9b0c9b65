#include "providers/gemini/gemini_codec.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <unordered_map>

#include "core/json_parse.h"

namespace sluice::providers::gemini {

namespace json = boost::json;
using api::Part;
using core::ErrorCode;
using core::GatewayError;

namespace {

bool Unsupported(GatewayError& error, std::string param, std::string_view what) {
  error = GatewayError{ErrorCode::kCallerUnsupportedFeature,
                       "'" + param + "' is not supported by Gemini: " + std::string(what), param};
  return false;
}

bool Invalid(GatewayError& error, std::string param, std::string message) {
  error = GatewayError{ErrorCode::kCallerInvalidRequest, std::move(message), std::move(param)};
  return false;
}

bool BadResponse(GatewayError& error, std::string_view what) {
  error = GatewayError{ErrorCode::kProviderBadResponse,
                       "malformed Gemini response: " + std::string(what)};
  return false;
}

std::string At(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

// ---- request ---------------------------------------------------------------------------------

// The lower-cased extension of the URL's last path segment (not of the host); empty if none.
std::string_view LowerExtension(std::string_view url, std::string& buf) {
  size_t scheme = url.find("://");
  size_t path_start = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (path_start == std::string_view::npos) return {};
  std::string_view path = url.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  path = path.substr(path.rfind('/') + 1);
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return {};
  buf.clear();
  for (char c : path.substr(dot + 1)) buf += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return buf;
}

// The MIME type Gemini needs for fileData, from the URL's extension; empty if unknown.
std::string_view MimeFromUrl(std::string_view url) {
  std::string buf;
  std::string_view ext = LowerExtension(url, buf);
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "gif") return "image/gif";
  if (ext == "heic") return "image/heic";
  if (ext == "heif") return "image/heif";
  return {};
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool EncodeImage(const Part& part, const std::string& where, json::object& out,
                 GatewayError& error) {
  if (part.url.empty()) {
    if (part.media_type.empty() || part.data.empty())
      return Invalid(error, where, "'" + where + "' needs a url or media_type and data");
    out["inlineData"] = {{"mimeType", part.media_type}, {"data", part.data}};
    return true;
  }
  std::string_view url = part.url;
  if (StartsWith(url, "data:")) {
    // data:<mime>[;param=value...];base64,<data>
    size_t comma = url.find(',');
    std::string_view meta = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    constexpr std::string_view kBase64 = ";base64";
    std::string_view mime = meta.substr(0, meta.find(';'));
    if (comma == std::string_view::npos || meta.size() < kBase64.size() ||
        meta.substr(meta.size() - kBase64.size()) != kBase64 || mime.empty())
      return Invalid(error, where + ".url", "'" + where + ".url' must be a base64 data: URL");
    out["inlineData"] = {{"mimeType", mime}, {"data", url.substr(comma + 1)}};
    return true;
  }
  if (StartsWith(url, "https://") || StartsWith(url, "http://") || StartsWith(url, "gs://")) {
    std::string_view mime = part.media_type.empty() ? MimeFromUrl(url) : part.media_type;
    if (mime.empty())
      return Unsupported(error, where + ".url",
                         "Gemini needs the image's MIME type and the URL does not end in a known "
                         "image extension; send the image as base64 data instead");
    out["fileData"] = {{"mimeType", mime}, {"fileUri", url}};
    return true;
  }
  return Unsupported(error, where + ".url", "only data:, http(s):// and gs:// URLs");
}

// Tool call arguments: JSON text of an object ("" counts as no arguments).
bool ParseArguments(const Part& part, const std::string& where, json::value& args,
                    GatewayError& error) {
  if (part.arguments.empty()) {
    args = json::object();
    return true;
  }
  boost::system::error_code ec;
  args = core::ParseJson(part.arguments, {}, ec);
  if (ec || !args.is_object())
    return Invalid(error, where + ".arguments",
                   "'" + where + ".arguments' must be the JSON text of an object");
  return true;
}

json::object FunctionResponse(const Part& part, const std::string& name) {
  boost::system::error_code ec;
  json::value parsed = core::ParseJson(part.text, {}, ec);
  json::value result = (!ec && parsed.is_object()) ? std::move(parsed) : json::value(part.text);
  json::object response;
  response[part.is_error ? "error" : "output"] = std::move(result);
  return {{"functionResponse", {{"name", name}, {"response", std::move(response)}}}};
}

void AddSignature(const Part& part, json::object& out) {
  if (!part.signature.empty()) out["thoughtSignature"] = part.signature;
}

class RequestEncoder {
 public:
  explicit RequestEncoder(GatewayError& error) : error_(error) {}

  bool Contents(const std::vector<api::Message>& messages, json::array& contents) {
    for (size_t i = 0; i < messages.size(); ++i) {
      const api::Message& message = messages[i];
      std::string where = At("messages", i);
      std::string_view role = message.role == api::Role::kAssistant ? "model" : "user";
      json::array parts;
      for (size_t j = 0; j < message.parts.size(); ++j) {
        if (!EncodePart(message, message.parts[j], At(where + ".content", j), parts)) return false;
      }
      if (parts.empty()) continue;  // an empty turn has nothing to say; Gemini rejects it
      if (!contents.empty()) {
        json::object& last = contents.back().as_object();
        if (last["role"].as_string() == role) {
          json::array& into = last["parts"].as_array();
          for (auto& p : parts) into.push_back(std::move(p));
          continue;
        }
      }
      contents.push_back(json::object{{"role", role}, {"parts", std::move(parts)}});
    }
    return true;
  }

 private:
  bool EncodePart(const api::Message& message, const Part& part, const std::string& where,
                  json::array& parts) {
    bool assistant = message.role == api::Role::kAssistant;
    json::object out;
    switch (part.kind) {
      case Part::Kind::kText:
        if (message.role == api::Role::kTool)
          return Invalid(error_, where, "'" + where + "': tool messages carry tool results");
        if (part.text.empty() && part.signature.empty()) return true;
        out["text"] = part.text;
        AddSignature(part, out);
        break;
      case Part::Kind::kImage:
        if (message.role == api::Role::kTool)
          return Unsupported(error_, where, "images in tool results");
        if (!EncodeImage(part, where, out, error_)) return false;
        break;
      case Part::Kind::kToolCall: {
        if (!assistant)
          return Invalid(error_, where, "'" + where + "': only assistant messages make tool calls");
        if (part.name.empty())
          return Invalid(error_, where + ".name", "'" + where + ".name' is required");
        json::value args;
        if (!ParseArguments(part, where, args, error_)) return false;
        out["functionCall"] = {{"name", part.name}, {"args", std::move(args)}};
        AddSignature(part, out);
        if (!part.id.empty()) call_names_[part.id] = part.name;
        break;
      }
      case Part::Kind::kToolResult: {
        if (assistant)
          return Invalid(error_, where, "'" + where + "': assistant messages cannot hold results");
        auto it = call_names_.find(part.tool_call_id);
        if (it == call_names_.end())
          return Invalid(error_, where + ".tool_call_id",
                         "'" + where + ".tool_call_id' (" + part.tool_call_id +
                             ") matches no earlier assistant tool call");
        out = FunctionResponse(part, it->second);
        break;
      }
      case Part::Kind::kThinking:
        if (!assistant)
          return Invalid(error_, where, "'" + where + "': only assistant messages hold thinking");
        out["text"] = part.text;
        out["thought"] = true;
        AddSignature(part, out);
        break;
      case Part::Kind::kRedactedThinking:
        return Unsupported(error_, where, "redacted thinking has no Gemini form");
    }
    parts.push_back(std::move(out));
    return true;
  }

  GatewayError& error_;
  std::unordered_map<std::string, std::string> call_names_;  // tool call id -> function name
};

std::string_view ThinkingLevel(std::string_view effort) {
  if (effort == "minimal") return "MINIMAL";
  if (effort == "low") return "LOW";
  if (effort == "medium") return "MEDIUM";
  if (effort == "high") return "HIGH";
  return {};
}

bool GenerationConfig(const api::ChatRequest& req, json::object& config, GatewayError& error) {
  if (req.max_tokens) config["maxOutputTokens"] = *req.max_tokens;
  if (req.temperature) config["temperature"] = *req.temperature;
  if (req.top_p) config["topP"] = *req.top_p;
  if (req.top_k) config["topK"] = *req.top_k;
  if (!req.stop.empty()) {
    json::array stop;
    for (const auto& s : req.stop) stop.push_back(json::string(s));
    config["stopSequences"] = std::move(stop);
  }
  if (req.presence_penalty) config["presencePenalty"] = *req.presence_penalty;
  if (req.frequency_penalty) config["frequencyPenalty"] = *req.frequency_penalty;
  if (req.seed) config["seed"] = *req.seed;
  switch (req.response_format.kind) {
    case api::ResponseFormat::Kind::kUnset:
    case api::ResponseFormat::Kind::kText:
      break;
    case api::ResponseFormat::Kind::kJsonObject:
      config["responseMimeType"] = "application/json";
      break;
    case api::ResponseFormat::Kind::kJsonSchema:
      if (!req.response_format.schema.is_object())
        return Invalid(error, "response_format.json_schema.schema",
                       "'response_format.json_schema.schema' must be an object");
      config["responseMimeType"] = "application/json";
      config["responseJsonSchema"] = req.response_format.schema;
      break;
  }
  if (req.thinking_budget && !req.reasoning_effort.empty())
    return Unsupported(error, "reasoning_effort",
                       "Gemini takes a thinking budget or a thinking level, not both");
  if (req.thinking_budget) {
    config["thinkingConfig"] = {{"thinkingBudget", *req.thinking_budget},
                                {"includeThoughts", true}};
  } else if (!req.reasoning_effort.empty()) {
    std::string_view level = ThinkingLevel(req.reasoning_effort);
    if (level.empty())
      return Unsupported(error, "reasoning_effort",
                         "Gemini thinking levels are minimal, low, medium and high");
    config["thinkingConfig"] = {{"thinkingLevel", level}, {"includeThoughts", true}};
  }
  return true;
}

bool Tools(const api::ChatRequest& req, json::object& body, GatewayError& error) {
  if (!req.tools.empty()) {
    json::array declarations;
    for (size_t i = 0; i < req.tools.size(); ++i) {
      const api::Tool& tool = req.tools[i];
      std::string where = At("tools", i);
      if (tool.name.empty())
        return Invalid(error, where + ".name", "'" + where + ".name' is required");
      json::object decl{{"name", tool.name}};
      if (!tool.description.empty()) decl["description"] = tool.description;
      if (!tool.parameters.is_null()) {
        if (!tool.parameters.is_object())
          return Invalid(error, where + ".parameters",
                         "'" + where + ".parameters' must be an object");
        decl["parametersJsonSchema"] = tool.parameters;
      }
      declarations.push_back(std::move(decl));
    }
    body["tools"] = json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
  }
  std::string_view mode;
  switch (req.tool_choice.kind) {
    case api::ToolChoice::Kind::kUnset: break;
    case api::ToolChoice::Kind::kAuto: mode = "AUTO"; break;
    case api::ToolChoice::Kind::kNone: mode = "NONE"; break;
    case api::ToolChoice::Kind::kRequired:
    case api::ToolChoice::Kind::kNamed: mode = "ANY"; break;
  }
  if (!mode.empty()) {
    json::object calling{{"mode", mode}};
    if (req.tool_choice.kind == api::ToolChoice::Kind::kNamed) {
      if (req.tool_choice.name.empty())
        return Invalid(error, "tool_choice", "'tool_choice' names no function");
      calling["allowedFunctionNames"] = json::array{json::string(req.tool_choice.name)};
    }
    body["toolConfig"] = {{"functionCallingConfig", std::move(calling)}};
  }
  return true;
}

// ---- response --------------------------------------------------------------------------------

uint64_t Count(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (!v) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<uint64_t>(v->get_int64());
  return 0;
}

core::TokenUsage Usage(const json::object& meta) {
  core::TokenUsage usage;
  usage.input = Count(meta, "promptTokenCount");
  usage.reasoning = Count(meta, "thoughtsTokenCount");
  usage.output = Count(meta, "candidatesTokenCount") + usage.reasoning;
  usage.cached_input = Count(meta, "cachedContentTokenCount");
  return usage;
}

api::FinishReason MapFinish(std::string_view reason, bool tool_calls) {
  if (reason == "MAX_TOKENS") return api::FinishReason::kLength;
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY" ||
      reason == "IMAGE_PROHIBITED_CONTENT" || reason == "IMAGE_RECITATION")
    return api::FinishReason::kContentFilter;
  return tool_calls ? api::FinishReason::kToolCalls : api::FinishReason::kStop;
}

std::string_view StringField(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// One Gemini part, checked and classified; views point into the parsed chunk.
struct DecodedPart {
  enum class Kind { kSkip, kText, kThought, kCall, kImage } kind = Kind::kSkip;
  std::string_view text;
  std::string_view signature;
  std::string_view name;
  std::string_view id;
  const json::value* args = nullptr;
  std::string_view mime;
  std::string_view data;
};

bool DecodePart(const json::value& value, DecodedPart& out, GatewayError& error) {
  if (!value.is_object()) return BadResponse(error, "a part is not an object");
  const json::object& p = value.get_object();
  const json::value* sig = p.if_contains("thoughtSignature");
  if (sig && !sig->is_string()) return BadResponse(error, "thoughtSignature is not a string");
  if (sig) out.signature = sig->get_string();
  if (const json::value* text = p.if_contains("text")) {
    if (!text->is_string()) return BadResponse(error, "text is not a string");
    out.text = text->get_string();
    const json::value* thought = p.if_contains("thought");
    out.kind = thought && thought->is_bool() && thought->get_bool() ? DecodedPart::Kind::kThought
                                                                      : DecodedPart::Kind::kText;
    return true;
  }
  if (const json::value* call = p.if_contains("functionCall")) {
    if (!call->is_object()) return BadResponse(error, "functionCall is not an object");
    const json::object& c = call->get_object();
    out.name = StringField(c, "name");
    if (out.name.empty()) return BadResponse(error, "functionCall has no name");
    out.id = StringField(c, "id");
    out.args = c.if_contains("args");
    if (out.args && !out.args->is_object() && !out.args->is_null())
      return BadResponse(error, "functionCall.args is not an object");
    out.kind = DecodedPart::Kind::kCall;
    return true;
  }
  if (const json::value* inline_data = p.if_contains("inlineData")) {
    if (!inline_data->is_object()) return BadResponse(error, "inlineData is not an object");
    out.mime = StringField(inline_data->get_object(), "mimeType");
    out.data = StringField(inline_data->get_object(), "data");
    out.kind = DecodedPart::Kind::kImage;
    return true;
  }
  // A thoughtSignature alone (Gemini may close a turn with an empty signed part): keep it.
  if (sig) out.kind = DecodedPart::Kind::kText;
  return true;
}

std::string ArgsText(const json::value* args) {
  return args && args->is_object() ? json::serialize(*args) : std::string("{}");
}

// The first candidate's parts and finish reason, checked; null/absent pieces stay empty.
struct Candidate {
  const json::array* parts = nullptr;
  std::string_view finish;
  bool present = false;
};

bool FirstCandidate(const json::object& chunk, Candidate& out, GatewayError& error) {
  const json::value* candidates = chunk.if_contains("candidates");
  if (!candidates || candidates->is_null()) return true;
  if (!candidates->is_array()) return BadResponse(error, "candidates is not an array");
  if (candidates->get_array().empty()) return true;
  const json::value& first = candidates->get_array()[0];
  if (!first.is_object()) return BadResponse(error, "a candidate is not an object");
  const json::object& c = first.get_object();
  out.present = true;
  if (const json::value* finish = c.if_contains("finishReason")) {
    if (!finish->is_string() && !finish->is_null())
      return BadResponse(error, "finishReason is not a string");
    if (finish->is_string()) out.finish = finish->get_string();
  }
  const json::value* content = c.if_contains("content");
  if (!content || content->is_null()) return true;
  if (!content->is_object()) return BadResponse(error, "content is not an object");
  const json::value* parts = content->get_object().if_contains("parts");
  if (!parts || parts->is_null()) return true;
  if (!parts->is_array()) return BadResponse(error, "content.parts is not an array");
  out.parts = &parts->get_array();
  return true;
}

std::string_view BlockReason(const json::object& chunk) {
  const json::value* feedback = chunk.if_contains("promptFeedback");
  if (!feedback || !feedback->is_object()) return {};
  return StringField(feedback->get_object(), "blockReason");
}

const json::object* UsageObject(const json::object& chunk) {
  const json::value* meta = chunk.if_contains("usageMetadata");
  return meta && meta->is_object() ? &meta->get_object() : nullptr;
}

// Parses a chunk or body into `doc`, with doc's storage (assigning a value from other storage
// would copy it); an in-band {"error": {...}} becomes the mapped error.
bool ParseChunk(std::string_view data, json::value& doc, GatewayError& error) {
  boost::system::error_code ec;
  doc = core::ParseJson(data, doc.storage(), ec);
  if (ec) return BadResponse(error, "not JSON");
  if (!doc.is_object()) return BadResponse(error, "not a JSON object");
  const json::value* err = doc.get_object().if_contains("error");
  if (err && !err->is_null()) {
    if (err->is_object()) {
      error = GeminiErrorFromObject(err->get_object());
    } else {
      error = GatewayError{ErrorCode::kProviderServerError, "Gemini reported an error"};
    }
    return false;
  }
  return true;
}

}  // namespace

bool EncodeGeminiRequest(const api::ChatRequest& req, std::string& body, GatewayError& error) {
  if (req.parallel_tool_calls && !*req.parallel_tool_calls)
    return Unsupported(error, "parallel_tool_calls", "Gemini cannot be told to call one at a time");
  if (!req.user.empty()) return Unsupported(error, "user", "Gemini has no end-user id field");

  json::object out;
  RequestEncoder encoder(error);
  json::array contents;
  if (!encoder.Contents(req.messages, contents)) return false;
  if (contents.empty()) return Invalid(error, "messages", "'messages' has no content to send");
  out["contents"] = std::move(contents);

  if (!req.system.empty()) {
    json::array parts;
    for (size_t i = 0; i < req.system.size(); ++i) {
      const Part& part = req.system[i];
      if (part.kind != Part::Kind::kText)
        return Unsupported(error, At("system", i), "system instructions take text only");
      parts.push_back(json::object{{"text", part.text}});
    }
    out["systemInstruction"] = {{"parts", std::move(parts)}};
  }
  if (!Tools(req, out, error)) return false;
  json::object config;
  if (!GenerationConfig(req, config, error)) return false;
  if (!config.empty()) out["generationConfig"] = std::move(config);
  body = json::serialize(out);
  return true;
}

GatewayError GeminiErrorFromObject(const json::object& error_object) {
  int64_t code = 0;
  if (const json::value* c = error_object.if_contains("code")) {
    if (c->is_int64()) code = c->get_int64();
    if (c->is_uint64() && c->get_uint64() < 1000) code = static_cast<int64_t>(c->get_uint64());
  }
  std::string_view status = StringField(error_object, "status");
  std::string_view message = StringField(error_object, "message");
  GatewayError error{ErrorCode::kProviderServerError,
                     "Gemini reported " + (status.empty() ? std::to_string(code)
                                                          : std::string(status)) +
                         (message.empty() ? "" : ": " + std::string(message))};
  if (code == 429 || status == "RESOURCE_EXHAUSTED") {
    error.code = ErrorCode::kProviderRateLimited;
  } else if (code == 503 || status == "UNAVAILABLE") {
    error.code = ErrorCode::kProviderOverloaded;
  } else if (code == 400 || status == "INVALID_ARGUMENT" || status == "FAILED_PRECONDITION") {
    error.code = ErrorCode::kProviderInvalidRequest;
    error.status = 400;
  } else if (code == 401 || code == 403 || status == "UNAUTHENTICATED" ||
             status == "PERMISSION_DENIED") {
    error.code = ErrorCode::kProviderAuthFailed;
  } else if (code == 504 || status == "DEADLINE_EXCEEDED") {
    error.code = ErrorCode::kProviderTimeout;
  }
  return error;
}

bool DecodeGeminiResponse(std::string_view body, api::ChatResponse& out, GatewayError& error) {
  json::value doc;
  if (!ParseChunk(body, doc, error)) return false;
  const json::object& obj = doc.get_object();
  out = api::ChatResponse{};
  out.id = std::string(StringField(obj, "responseId"));
  out.model = std::string(StringField(obj, "modelVersion"));
  if (const json::object* meta = UsageObject(obj)) {
    out.usage = Usage(*meta);
    out.has_usage = true;
  }
  Candidate candidate;
  if (!FirstCandidate(obj, candidate, error)) return false;
  if (!candidate.present) {
    // No candidates: the prompt itself was blocked.
    if (BlockReason(obj).empty()) return BadResponse(error, "no candidates and no block reason");
    out.finish = api::FinishReason::kContentFilter;
    return true;
  }
  int calls = 0;
  if (candidate.parts) {
    for (const json::value& value : *candidate.parts) {
      DecodedPart d;
      if (!DecodePart(value, d, error)) return false;
      if ((d.kind == DecodedPart::Kind::kText || d.kind == DecodedPart::Kind::kThought) &&
          d.text.empty() && d.signature.empty())
        continue;
      Part part;
      switch (d.kind) {
        case DecodedPart::Kind::kSkip:
          continue;
        case DecodedPart::Kind::kText:
          part.kind = Part::Kind::kText;
          part.text = std::string(d.text);
          break;
        case DecodedPart::Kind::kThought:
          part.kind = Part::Kind::kThinking;
          part.text = std::string(d.text);
          break;
        case DecodedPart::Kind::kCall:
          part.kind = Part::Kind::kToolCall;
          part.id = d.id.empty() ? "call_" + std::to_string(calls) : std::string(d.id);
          part.name = std::string(d.name);
          part.arguments = ArgsText(d.args);
          ++calls;
          break;
        case DecodedPart::Kind::kImage:
          part.kind = Part::Kind::kImage;
          part.media_type = std::string(d.mime);
          part.data = std::string(d.data);
          break;
      }
      part.signature = std::string(d.signature);
      out.content.push_back(std::move(part));
    }
  }
  out.finish = MapFinish(candidate.finish, calls > 0);
  return true;
}

bool GeminiStreamDecoder::OnEvent(std::string_view /*name*/, std::string_view data,
                                  const DeltaSink& emit, GatewayError& error) {
  if (data.empty()) return true;  // keep-alive or a bare event line
  json::value doc(arena_.Reset());
  if (!ParseChunk(data, doc, error)) return false;
  const json::object& obj = doc.get_object();
  Candidate candidate;
  if (!FirstCandidate(obj, candidate, error)) return false;
  // Check every part before emitting anything, so a bad chunk emits nothing.
  std::vector<DecodedPart> parts;
  if (candidate.parts) {
    parts.resize(candidate.parts->size());
    for (size_t i = 0; i < parts.size(); ++i)
      if (!DecodePart((*candidate.parts)[i], parts[i], error)) return false;
  }

  api::StreamDelta delta;
  if (!started_) {
    started_ = true;
    delta.kind = api::StreamDelta::Kind::kStart;
    delta.id = StringField(obj, "responseId");
    delta.model = StringField(obj, "modelVersion");
    emit(delta);
  }
  auto signature = [&](std::string_view sig) {
    if (sig.empty()) return;
    api::StreamDelta d;
    d.kind = api::StreamDelta::Kind::kThinkingSignature;
    d.text = sig;
    emit(d);
  };
  for (const DecodedPart& p : parts) {
    api::StreamDelta d;
    switch (p.kind) {
      case DecodedPart::Kind::kSkip:
      case DecodedPart::Kind::kImage:  // no stream delta for images; never requested
        break;
      case DecodedPart::Kind::kThought:
        // The signature closes the reasoning it signs, so it follows the thought text.
        if (!p.text.empty()) {
          d.kind = api::StreamDelta::Kind::kThinking;
          d.text = p.text;
          emit(d);
        }
        signature(p.signature);
        break;
      case DecodedPart::Kind::kText:
        // On a text or call part the signature covers the reasoning before it: emit it first.
        signature(p.signature);
        if (!p.text.empty()) {
          d.kind = api::StreamDelta::Kind::kText;
          d.text = p.text;
          emit(d);
        }
        break;
      case DecodedPart::Kind::kCall: {
        signature(p.signature);
        std::string id = p.id.empty() ? "call_" + std::to_string(tool_calls_) : std::string(p.id);
        std::string args = ArgsText(p.args);
        d.kind = api::StreamDelta::Kind::kToolCallStart;
        d.index = tool_calls_;
        d.id = id;
        d.name = p.name;
        emit(d);
        api::StreamDelta a;
        a.kind = api::StreamDelta::Kind::kToolCallArgs;
        a.index = tool_calls_;
        a.text = args;
        emit(a);
        ++tool_calls_;
        saw_tool_call_ = true;
        break;
      }
    }
  }
  bool finish = !candidate.finish.empty();
  if (finish || (!candidate.present && !BlockReason(obj).empty())) {
    api::StreamDelta d;
    d.kind = api::StreamDelta::Kind::kFinish;
    d.finish = finish ? MapFinish(candidate.finish, saw_tool_call_)
                      : api::FinishReason::kContentFilter;
    emit(d);
    finished_ = true;
  }
  if (const json::object* meta = UsageObject(obj)) {
    api::StreamDelta d;
    d.kind = api::StreamDelta::Kind::kUsage;
    d.usage = Usage(*meta);
    emit(d);
  }
  return true;
}

}  // namespace sluice::providers::gemini
