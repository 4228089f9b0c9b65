// The one-pass scan of an OpenAI request (see openai_request.h): it reads exactly what the DOM
// validation in openai_request.cc reads, and declines (returns false) wherever that validation
// would reject, so every error message still comes from one place.
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "api/openai_request.h"
#include "core/json_reader.h"

namespace sluice::api {

namespace {

using core::JsonReader;
using core::JsonString;
using Kind = JsonReader::Kind;

// A string of prompt text: its decoded size counts (what the DOM's string size() would be).
bool ReadText(JsonReader& r, uint32_t& chars) {
  JsonString s;
  if (!r.ReadString(s)) return false;
  chars += static_cast<uint32_t>(s.decoded_size);
  return true;
}

// Characters of text in a message's `content`: a string, or an array of parts with "text"
// (ContentChars in openai_request.cc).
bool ReadContent(JsonReader& r, uint32_t& chars) {
  if (r.Peek() == Kind::kString) return ReadText(r, chars);
  if (r.Peek() != Kind::kArray) return r.SkipValue();
  r.EnterArray();
  while (r.NextElement()) {
    if (r.Peek() != Kind::kObject) {
      if (!r.SkipValue()) return false;
      continue;
    }
    r.EnterObject();
    std::string_view key;
    while (r.NextKey(key)) {
      bool ok = key == "text" && r.Peek() == Kind::kString ? ReadText(r, chars) : r.SkipValue();
      if (!ok) return false;
    }
  }
  return !r.failed();
}

// "messages": a non-empty array of objects, each with a string "role".
bool ReadMessages(JsonReader& r, uint32_t& chars) {
  if (!r.EnterArray()) return false;
  int count = 0;
  while (r.NextElement()) {
    ++count;
    if (!r.EnterObject()) return false;
    bool has_role = false;
    std::string_view key;
    while (r.NextKey(key)) {
      if (key == "role") {
        JsonString role;
        if (!r.ReadString(role)) return false;
        has_role = true;
      } else if (key == "content") {
        if (!ReadContent(r, chars)) return false;
      } else if (!r.SkipValue()) {
        return false;
      }
    }
    if (r.failed() || !has_role) return false;
  }
  return !r.failed() && count > 0;
}

// "prompt" / "input": a string, or a non-empty array of strings, integers or arrays
// (ValidateTextInput in openai_request.cc).
bool ReadTextInput(JsonReader& r, uint32_t& chars) {
  if (r.Peek() == Kind::kString) return ReadText(r, chars);
  if (!r.EnterArray()) return false;
  int count = 0;
  while (r.NextElement()) {
    ++count;
    switch (r.Peek()) {
      case Kind::kString:
        if (!ReadText(r, chars)) return false;
        break;
      case Kind::kNumber: {
        int64_t token;
        if (!r.ReadInteger(token)) return false;
        chars += 4;
        break;
      }
      case Kind::kArray: {
        r.EnterArray();
        uint32_t items = 0;
        while (r.NextElement()) {
          ++items;
          if (!r.SkipValue()) return false;
        }
        if (r.failed()) return false;
        chars += 4 * items;
        break;
      }
      default:
        return false;
    }
  }
  return !r.failed() && count > 0;
}

// "max_tokens" / "max_completion_tokens": null, or an integer of at least 1.
bool ReadTokenLimit(JsonReader& r, int64_t& limit) {
  if (r.Peek() == Kind::kNull) return r.ReadNull();
  return r.ReadInteger(limit) && limit >= 1;
}

bool ReadStreamOptions(JsonReader& r, bool& include_usage) {
  if (r.Peek() == Kind::kNull) return r.ReadNull();
  if (!r.EnterObject()) return false;
  std::string_view key;
  while (r.NextKey(key)) {
    bool ok = key == "include_usage" ? r.ReadBool(include_usage) : r.SkipValue();
    if (!ok) return false;
  }
  return !r.failed();
}

}  // namespace

bool ScanOpenAiRequest(ApiKind kind, std::string_view body, ParsedRequest& out) {
  JsonReader r(body);
  if (!r.EnterObject()) return false;
  bool generation = kind != ApiKind::kEmbeddings;  // stream and limits are read for these only
  std::string_view input_key = kind == ApiKind::kChatCompletions ? "messages"
                               : kind == ApiKind::kCompletions   ? "prompt"
                                                                 : "input";
  ParsedRequest::Unparsed raw{body};
  std::string_view model;
  bool has_input = false, stream = false, include_usage = false;
  int64_t max_tokens = -1, max_completion_tokens = -1;
  uint32_t chars = 0;
  std::string_view key;
  while (r.NextKey(key)) {
    bool ok;
    if (key == "stream_options") raw.has_stream_options = true;  // whatever the endpoint
    if (key == "model") {
      raw.model_begin = r.Peek() == Kind::kString ? r.offset() : 0;
      JsonString s;
      ok = r.ReadString(s) && !s.escaped && !s.raw.empty();
      model = s.raw;
      raw.model_end = r.offset();
    } else if (key == input_key) {
      has_input = true;
      ok = kind == ApiKind::kChatCompletions ? ReadMessages(r, chars) : ReadTextInput(r, chars);
    } else if (generation && key == "stream") {
      ok = r.Peek() == Kind::kNull ? r.ReadNull() : r.ReadBool(stream);
    } else if (generation && key == "stream_options") {
      ok = ReadStreamOptions(r, include_usage);
    } else if (generation && key == "max_tokens") {
      ok = ReadTokenLimit(r, max_tokens);
    } else if (generation && key == "max_completion_tokens") {
      ok = ReadTokenLimit(r, max_completion_tokens);
    } else {
      ok = r.SkipValue();
    }
    if (!ok) return false;
  }
  if (r.failed()) return false;
  raw.object_end = r.offset() - 1;
  if (!r.Finish() || model.empty() || !has_input) return false;

  out.kind = kind;
  out.model = model;
  out.stream = stream;
  out.client_wants_usage = include_usage;
  out.max_tokens = max_completion_tokens > 0 ? max_completion_tokens : max_tokens;
  out.prompt_chars = chars;
  out.unparsed = raw;
  return true;
}

std::optional<std::string> SpliceUpstreamBody(const ParsedRequest::Unparsed& raw,
                                              std::string_view model, bool add_include_usage) {
  constexpr std::string_view kIncludeUsage = R"(,"stream_options":{"include_usage":true})";
  if (add_include_usage && raw.has_stream_options) return std::nullopt;
  std::string_view text = raw.text;
  std::string_view old_model =
      text.substr(raw.model_begin + 1, raw.model_end - raw.model_begin - 2);
  std::string literal;
  if (old_model != model) literal = boost::json::serialize(boost::json::string(model));
  std::string out;
  out.reserve(text.size() + literal.size() + kIncludeUsage.size());
  if (literal.empty()) {
    out.append(text.substr(0, raw.object_end));
  } else {
    out.append(text.substr(0, raw.model_begin));
    out.append(literal);
    out.append(text.substr(raw.model_end, raw.object_end - raw.model_end));
  }
  if (add_include_usage) out.append(kIncludeUsage);
  out.append(text.substr(raw.object_end));
  return out;
}

}  // namespace sluice::api
