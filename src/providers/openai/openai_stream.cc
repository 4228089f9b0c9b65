#include "providers/openai/openai_stream.h"

#include "core/json_parse.h"
#include "core/json_sax.h"
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <string>

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

// Memory for the DOM of one event parsed below. The default allocator cost a heap allocation (and
// a free) per object, array and long string, on the stream's path; every value parsed here dies
// before its function returns, so one arena per thread serves them all, reset at each parse.
boost::json::storage_ptr EventStorage() {
  thread_local core::JsonArena arena;
  return arena.Reset();
}

}  // namespace

bool IsInBandError(std::string_view data) {
  if (!MentionsNonNull(data, kErrorKey)) return false;
  boost::system::error_code ec;
  json::value v = core::ParseJson(data, EventStorage(), ec);
  return !ec && v.is_object() && v.get_object().contains("error");
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

namespace {

// SAX handler for ScanBodyUsage: tracks depth and where the current container sits on the path
// root -> "usage" -> "*_tokens_details"; only values on that path are looked at. It also notes
// whether the root's "choices" is absent or an empty array (a usage-only stream chunk). Every key
// repeat resets what it names, so the last duplicate wins as in the DOM.
class UsageScan : public core::JsonSaxDefaults {
 public:
  void Reset() {
    depth_ = 0;
    root_object_ = false;
    has_usage_ = false;
    pending_ = kNone;
    usage_ = {};
    choices_ = kChoicesAbsent;
  }
  bool root_object() const { return root_object_; }
  bool has_usage() const { return has_usage_; }
  bool no_choices() const { return choices_ != kChoicesOther; }
  const core::TokenUsage& usage() const { return usage_; }

  bool on_object_begin(json::error_code&) {
    Value();
    Where w = kOther;
    if (depth_ == 0) {
      root_object_ = true;
      w = kRoot;
    } else if (pending_ == kUsage) {
      has_usage_ = true;
      usage_ = {};
      w = kUsageObject;
    } else if (pending_ == kPromptDetails) {
      w = kPromptDetailsObject;
    } else if (pending_ == kCompletionDetails) {
      w = kCompletionDetailsObject;
    }
    Push(w);
    return true;
  }
  bool on_array_begin(json::error_code&) {
    Value();
    if (pending_ == kChoices) {
      choices_ = kChoicesEmpty;  // until an element turns up
      Push(kChoicesArray);
      return true;
    }
    Push(kOther);  // a "usage" array leaves has_usage_ false, set when its key was seen
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) { return Pop(); }
  bool on_array_end(std::size_t, json::error_code&) { return Pop(); }
  bool on_key_part(json::string_view s, std::size_t n, json::error_code&) {
    if (Current() != kOther) key_.Part(s, n);
    return true;
  }
  bool on_key(json::string_view s, std::size_t n, json::error_code&) {
    if (Current() != kOther) OnKey(key_.Last(s, n));
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) {
    Value();
    return true;
  }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return Scalar(); }
  bool on_number_part(json::string_view, json::error_code&) {
    Value();
    return true;
  }
  bool on_int64(int64_t v, json::string_view, json::error_code&) {
    if (v > 0) Store(static_cast<uint64_t>(v));  // as UintField: negatives count as 0
    return Scalar();
  }
  bool on_uint64(uint64_t v, json::string_view, json::error_code&) {
    Store(v);
    return Scalar();
  }
  bool on_double(double, json::string_view, json::error_code&) { return Scalar(); }
  bool on_bool(bool, json::error_code&) { return Scalar(); }
  bool on_null(json::error_code&) { return Scalar(); }

 private:
  enum Where : uint8_t { kOther, kRoot, kUsageObject, kPromptDetailsObject,
                         kCompletionDetailsObject, kChoicesArray };
  // What the value after the last key is, if it is on the path.
  enum Pending : uint8_t { kNone, kUsage, kInput, kOutput, kPromptDetails, kCompletionDetails,
                           kCached, kReasoning, kChoices };
  enum Choices : uint8_t { kChoicesAbsent, kChoicesEmpty, kChoicesOther };
  static constexpr int kTracked = 4;  // root, usage, details: deeper is always kOther

  Where Current() const { return depth_ >= 1 && depth_ < kTracked ? where_[depth_] : kOther; }
  void Push(Where w) {
    ++depth_;
    if (depth_ < kTracked) where_[depth_] = w;
    pending_ = kNone;
  }
  bool Pop() {
    --depth_;
    pending_ = kNone;
    return true;
  }
  // A value begins (possibly called again for its later parts): one in the root's "choices"
  // array makes it non-empty.
  void Value() {
    if (Current() == kChoicesArray) choices_ = kChoicesOther;
  }
  bool Scalar() {
    Value();
    pending_ = kNone;
    return true;
  }
  void Store(uint64_t v) {
    switch (pending_) {
      case kInput: usage_.input = v; break;
      case kOutput: usage_.output = v; break;
      case kCached: usage_.cached_input = v; break;
      case kReasoning: usage_.reasoning = v; break;
      default: break;
    }
  }
  // A key of a container on the path: what it names is reset (a later duplicate replaces it).
  void OnKey(std::string_view key) {
    pending_ = kNone;
    switch (Current()) {
      case kRoot:
        if (key == "usage") {
          pending_ = kUsage;
          has_usage_ = false;  // until its value turns out to be an object
          usage_ = {};
        } else if (key == "choices") {
          pending_ = kChoices;
          choices_ = kChoicesOther;  // until its value turns out to be an array
        }
        break;
      case kUsageObject:
        if (key == "prompt_tokens") {
          pending_ = kInput;
          usage_.input = 0;
        } else if (key == "completion_tokens") {
          pending_ = kOutput;
          usage_.output = 0;
        } else if (key == "prompt_tokens_details") {
          pending_ = kPromptDetails;
          usage_.cached_input = 0;
        } else if (key == "completion_tokens_details") {
          pending_ = kCompletionDetails;
          usage_.reasoning = 0;
        }
        break;
      case kPromptDetailsObject:
        if (key == "cached_tokens") {
          pending_ = kCached;
          usage_.cached_input = 0;
        }
        break;
      case kCompletionDetailsObject:
        if (key == "reasoning_tokens") {
          pending_ = kReasoning;
          usage_.reasoning = 0;
        }
        break;
      case kOther:
      case kChoicesArray:  // holds no keys of its own
        break;
    }
  }

  int depth_ = 0;
  Where where_[kTracked] = {};
  Pending pending_ = kNone;
  bool root_object_ = false;
  bool has_usage_ = false;
  Choices choices_ = kChoicesAbsent;
  core::TokenUsage usage_;
  core::JsonSaxKey key_;
};

}  // namespace

bool ScanBodyUsage(std::string_view body, core::TokenUsage& usage, bool& has_usage,
                   bool* no_choices) {
  // One parser per thread: its state stack is kept between bodies.
  thread_local json::basic_parser<UsageScan> scanner(core::JsonParseOptions());
  scanner.reset();
  UsageScan& h = scanner.handler();
  h.Reset();
  json::error_code ec;
  size_t n = scanner.write_some(false, body.data(), body.size(), ec);
  if (ec || n != body.size() || !h.root_object()) return false;
  has_usage = h.has_usage();
  if (no_choices) *no_choices = h.no_choices();
  if (has_usage) {
    usage.input = h.usage().input;
    usage.output = h.usage().output;
    usage.cached_input = h.usage().cached_input;
    usage.reasoning = h.usage().reasoning;
    usage.estimated = false;
  }
  return true;
}

namespace {

// SAX handler for IsContentFree: follows root -> "choices" array -> each choice object -> its
// "delta" object, and keeps for each key what its last duplicate says, as the DOM would.
class ContentScan : public core::JsonSaxDefaults {
 public:
  void Reset() {
    depth_ = 0;
    root_object_ = false;
    pending_ = kNone;
    choices_free_ = true;
  }
  // A valid object whose "choices" (if an array) holds only objects without content.
  bool content_free() const { return root_object_ && choices_free_; }

  bool on_object_begin(json::error_code&) { return Begin(kObject); }
  bool on_array_begin(json::error_code&) { return Begin(kArray); }
  bool on_object_end(std::size_t, json::error_code&) {
    if (Current() == kChoice && choice_.HasContent()) choices_free_ = false;
    return Pop();
  }
  bool on_array_end(std::size_t, json::error_code&) { return Pop(); }
  bool on_key_part(json::string_view s, std::size_t n, json::error_code&) {
    if (Current() != kOther) key_.Part(s, n);
    return true;
  }
  bool on_key(json::string_view s, std::size_t n, json::error_code&) {
    if (Current() != kOther) OnKey(key_.Last(s, n));
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t n, json::error_code&) {
    return Scalar(n > 0 ? kNonEmptyString : kEmptyString);
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t, json::string_view, json::error_code&) { return Scalar(kOtherScalar); }
  bool on_uint64(uint64_t, json::string_view, json::error_code&) { return Scalar(kOtherScalar); }
  bool on_double(double, json::string_view, json::error_code&) { return Scalar(kOtherScalar); }
  bool on_bool(bool, json::error_code&) { return Scalar(kOtherScalar); }
  bool on_null(json::error_code&) { return Scalar(kNull); }

 private:
  enum Where : uint8_t { kOther, kRoot, kChoicesArray, kChoice, kDelta };
  // What the value after the last key is, if it matters.
  enum Pending : uint8_t { kNone, kChoices, kFinish, kText, kDeltaValue, kContent, kRefusal,
                           kReasoning };
  enum Kind : uint8_t { kObject, kArray, kNull, kEmptyString, kNonEmptyString, kOtherScalar };
  static constexpr int kTracked = 5;  // root, choices, choice, delta: deeper is always kOther

  // What the choice being read says so far (the last duplicate of each key wins).
  struct Choice {
    bool finish = false;  // finish_reason is not null
    bool text = false;    // non-empty "text"
    bool content = false, refusal = false, reasoning = false;  // non-empty, in the delta
    bool tool_call = false;  // delta has tool_calls or function_call, whatever their value
    bool HasContent() const {
      return finish || text || content || refusal || reasoning || tool_call;
    }
  };

  Where Current() const { return depth_ >= 1 && depth_ < kTracked ? where_[depth_] : kOther; }
  // A value begins: it may be an element of the choices array or the value of a tracked key.
  void OnValue(Kind kind) {
    if (Current() == kChoicesArray && kind != kObject) choices_free_ = false;  // not an object
    bool non_empty = kind == kNonEmptyString;
    switch (pending_) {
      case kFinish: choice_.finish = kind != kNull; break;
      case kText: choice_.text = non_empty; break;
      case kContent: choice_.content = non_empty; break;
      case kRefusal: choice_.refusal = non_empty; break;
      case kReasoning: choice_.reasoning = non_empty; break;
      default: break;
    }
  }
  bool Begin(Kind kind) {
    OnValue(kind);
    Where w = kOther;
    if (depth_ == 0 && kind == kObject) {
      root_object_ = true;
      w = kRoot;
    } else if (pending_ == kChoices && kind == kArray) {
      w = kChoicesArray;
    } else if (Current() == kChoicesArray && kind == kObject) {
      w = kChoice;
      choice_ = {};
    } else if (pending_ == kDeltaValue && kind == kObject) {
      w = kDelta;
    }
    ++depth_;
    if (depth_ < kTracked) where_[depth_] = w;
    pending_ = kNone;
    return true;
  }
  bool Pop() {
    --depth_;
    pending_ = kNone;
    return true;
  }
  bool Scalar(Kind kind) {
    OnValue(kind);
    pending_ = kNone;
    return true;
  }
  // A key of a tracked object: what it names is reset (a later duplicate replaces it).
  void OnKey(std::string_view key) {
    pending_ = kNone;
    switch (Current()) {
      case kRoot:
        if (key == "choices") {
          pending_ = kChoices;
          choices_free_ = true;  // until its array turns out to hold content
        }
        break;
      case kChoice:
        if (key == "finish_reason") {
          pending_ = kFinish;
          choice_.finish = false;
        } else if (key == "text") {
          pending_ = kText;
          choice_.text = false;
        } else if (key == "delta") {
          pending_ = kDeltaValue;
          choice_.content = choice_.refusal = choice_.reasoning = choice_.tool_call = false;
        }
        break;
      case kDelta:
        if (key == "content") {
          pending_ = kContent;
          choice_.content = false;
        } else if (key == "refusal") {
          pending_ = kRefusal;
          choice_.refusal = false;
        } else if (key == "reasoning_content") {
          pending_ = kReasoning;
          choice_.reasoning = false;
        } else if (key == "tool_calls" || key == "function_call") {
          choice_.tool_call = true;
        }
        break;
      case kOther:
      case kChoicesArray:  // holds no keys of its own
        break;
    }
  }

  int depth_ = 0;
  Where where_[kTracked] = {};
  Pending pending_ = kNone;
  bool root_object_ = false;
  bool choices_free_ = true;
  Choice choice_;
  core::JsonSaxKey key_;
};

}  // namespace

bool IsContentFree(std::string_view data) {
  if (data.empty()) return true;
  // Read without a DOM, once or twice per stream before it commits. One parser per thread.
  thread_local json::basic_parser<ContentScan> scanner(core::JsonParseOptions());
  scanner.reset();
  ContentScan& h = scanner.handler();
  h.Reset();
  json::error_code ec;
  size_t n = scanner.write_some(false, data.data(), data.size(), ec);
  // [DONE] or something unknown (not one JSON object) is let through as content.
  return !ec && n == data.size() && h.content_free();
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

  // Read without a DOM. Not a JSON object: not ours to judge, the client decides.
  bool usage_only = false;
  if (!ScanBodyUsage(data, usage_, has_usage, &usage_only) || !has_usage) return Action::kForward;
  usage_reported_ = true;
  if (drop_usage_chunk_ && usage_only) return Action::kDrop;
  return Action::kForward;
}

}  // namespace sluice::providers::openai
