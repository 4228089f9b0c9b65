#include "providers/openai/openai_stream.h"

#include "core/json_parse.h"
#include <boost/json/value.hpp>
#include <cstring>

namespace sluice::providers::openai {

namespace json = boost::json;

namespace {

uint64_t UintField(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (!v) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<uint64_t>(v->get_int64());
  return 0;
}

uint64_t NestedUint(const json::object& obj, std::string_view parent, std::string_view key) {
  const json::value* p = obj.if_contains(parent);
  return p && p->is_object() ? UintField(p->get_object(), key) : 0;
}

// Finds a key in a chunk, per event on the stream hot path. It memchr's (vectorised, tens of
// GB/s) for one character of the key that is rare in chunk JSON, then compares. The key names of an
// OpenAI chunk ("id", "object", "choices", "delta", "content", "finish_reason", ...) hold no 'u'
// but "usage" and "null", so for "usage" almost every byte is skipped at memchr speed.
// (string_view::find memchr's the first character, '"', which is everywhere in JSON; glibc memmem
// and a Horspool table were both measured several times slower here.)
class KeyFinder {
 public:
  KeyFinder(std::string_view key, char anchor)
      : key_(key), anchor_(anchor), at_(key.find(anchor)) {}
  size_t Find(std::string_view data) const {
    if (data.size() < key_.size()) return std::string_view::npos;  // also: data() may be null
    const char* begin = data.data();
    const char* end = begin + data.size();
    for (const char* p = begin + at_; p < end;) {
      const void* hit = std::memchr(p, anchor_, static_cast<size_t>(end - p));
      if (!hit) return std::string_view::npos;
      const char* start = static_cast<const char*>(hit) - at_;
      if (static_cast<size_t>(end - start) >= key_.size() && *start == key_[0] &&
          std::memcmp(start, key_.data(), key_.size()) == 0)
        return static_cast<size_t>(start - begin);
      p = static_cast<const char*>(hit) + 1;
    }
    return std::string_view::npos;
  }
  size_t size() const { return key_.size(); }

 private:
  std::string_view key_;
  char anchor_;
  size_t at_;  // position of anchor_ in key_
};

const KeyFinder kUsageKey("\"usage\"", 'u');
const KeyFinder kErrorKey("\"error\"", 'e');

// True if `data` has the key followed by something other than null: worth a full parse.
bool MentionsNonNull(std::string_view data, const KeyFinder& key) {
  size_t at = key.Find(data);
  if (at == std::string_view::npos) return false;
  size_t i = data.find(':', at + key.size());
  if (i == std::string_view::npos) return false;
  for (++i; i < data.size() && (data[i] == ' ' || data[i] == '\t'); ++i) {
  }
  return i < data.size() && data[i] != 'n';
}

}  // namespace

bool IsInBandError(std::string_view data) {
  if (!MentionsNonNull(data, kErrorKey)) return false;
  boost::system::error_code ec;
  json::value v = core::ParseJson(data, {}, ec);
  return !ec && v.is_object() && v.get_object().contains("error");
}

static bool NonEmptyString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() && !v->get_string().empty();
}

bool IsContentFree(std::string_view data) {
  if (data.empty()) return true;
  boost::system::error_code ec;
  json::value v = core::ParseJson(data, {}, ec);
  if (ec || !v.is_object()) return false;  // [DONE] or something unknown: let it through
  const json::value* choices = v.get_object().if_contains("choices");
  if (!choices || !choices->is_array()) return true;
  for (const auto& choice : choices->get_array()) {
    if (!choice.is_object()) return false;
    const json::object& c = choice.get_object();
    if (const json::value* finish = c.if_contains("finish_reason"); finish && !finish->is_null())
      return false;
    if (NonEmptyString(c, "text")) return false;
    const json::value* delta = c.if_contains("delta");
    if (!delta || !delta->is_object()) continue;
    const json::object& d = delta->get_object();
    if (NonEmptyString(d, "content") || NonEmptyString(d, "refusal") ||
        NonEmptyString(d, "reasoning_content") || d.contains("tool_calls") ||
        d.contains("function_call"))
      return false;
  }
  return true;
}

bool ExtractUsage(const json::value& body, core::TokenUsage& usage) {
  if (!body.is_object()) return false;
  const json::value* u = body.get_object().if_contains("usage");
  if (!u || !u->is_object()) return false;
  const json::object& o = u->get_object();
  usage.input = UintField(o, "prompt_tokens");
  usage.output = UintField(o, "completion_tokens");
  usage.cached_input = NestedUint(o, "prompt_tokens_details", "cached_tokens");
  usage.reasoning = NestedUint(o, "completion_tokens_details", "reasoning_tokens");
  usage.estimated = false;
  return true;
}

StreamInspector::Action StreamInspector::OnEvent(const http::SseEvent& event) {
  std::string_view data = event.data;
  if (data.empty()) return Action::kForward;
  if (data == "[DONE]") {
    saw_done_ = true;
    return Action::kForward;
  }
  ++data_events_;
  // Only usage is looked for on every event; in-band errors matter before commit, where the relay
  // checks IsInBandError itself.
  bool has_usage = MentionsNonNull(data, kUsageKey);
  if (!has_usage) return Action::kForward;

  boost::system::error_code ec;
  json::value chunk = core::ParseJson(data, {}, ec);
  if (ec || !chunk.is_object()) return Action::kForward;  // not ours to judge; the client decides
  const json::object& obj = chunk.get_object();
  if (ExtractUsage(chunk, usage_)) {
    usage_reported_ = true;
    const json::value* choices = obj.if_contains("choices");
    bool usage_only = !choices || (choices->is_array() && choices->get_array().empty());
    if (drop_usage_chunk_ && usage_only) return Action::kDrop;
  }
  return Action::kForward;
}

}  // namespace sluice::providers::openai
