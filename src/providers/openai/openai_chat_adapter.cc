#include "providers/openai/openai_chat_adapter.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "core/json_parse.h"
#include "core/json_sax.h"
#include "providers/openai/openai_stream.h"
#include "providers/upstream_errors.h"

namespace sluice::providers::openai {

namespace json = boost::json;
using api::Part;
using core::ErrorCode;
using core::GatewayError;

namespace {

json::value ContentValue(const std::vector<Part>& parts) {
  bool text_only = true;
  for (const auto& p : parts) text_only = text_only && p.kind == Part::Kind::kText;
  if (text_only) {
    // Separate blocks stay separate lines (as the Anthropic encoder joins system blocks, and as
    // vLLM flattens text parts for string-only chat templates): "A." + "B." is not "A.B.".
    std::string text;
    for (const auto& p : parts) text += (text.empty() ? "" : "\n") + p.text;
    return json::value(text);
  }
  json::array out;
  for (const auto& p : parts) {
    if (p.kind == Part::Kind::kText) {
      out.push_back(json::object{{"type", "text"}, {"text", p.text}});
    } else if (p.kind == Part::Kind::kImage) {
      std::string url = p.url.empty() ? "data:" + p.media_type + ";base64," + p.data : p.url;
      out.push_back(
          json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}});
    }
  }
  return out;
}

std::string_view EffortForBudget(int64_t budget) {
  return budget <= 2048 ? "low" : budget <= 8192 ? "medium" : "high";
}

bool Unsupported(GatewayError& error, std::string param) {
  return api::UnsupportedField(error, std::move(param),
                               "cannot be expressed in the OpenAI chat API of this model's provider");
}

}  // namespace

bool EncodeChatRequest(const api::ChatRequest& r, std::string_view model, std::string& body,
                       GatewayError& error) {
  json::array messages;
  if (!r.system.empty())
    messages.push_back(json::object{{"role", "system"}, {"content", ContentValue(r.system)}});
  for (size_t i = 0; i < r.messages.size(); ++i) {
    const auto& m = r.messages[i];
    if (m.role == api::Role::kTool) {
      for (const auto& p : m.parts)
        messages.push_back(json::object{
            {"role", "tool"}, {"tool_call_id", p.tool_call_id}, {"content", p.text}});
      continue;
    }
    std::vector<Part> content;
    json::array calls;
    for (const auto& p : m.parts) {
      if (p.kind == Part::Kind::kToolCall)
        calls.push_back(json::object{
            {"id", p.id},
            {"type", "function"},
            {"function", json::object{{"name", p.name}, {"arguments", p.arguments}}}});
      else if (p.kind == Part::Kind::kText || p.kind == Part::Kind::kImage)
        content.push_back(p);
      else if (p.kind == Part::Kind::kToolResult)
        return Unsupported(error, "messages[" + std::to_string(i) + "].content");
      // kThinking / kRedactedThinking of earlier turns: not an input of this API.
    }
    json::object msg{{"role", m.role == api::Role::kUser ? "user" : "assistant"}};
    msg["content"] = content.empty() && !calls.empty() ? json::value() : ContentValue(content);
    if (!calls.empty()) msg["tool_calls"] = std::move(calls);
    messages.push_back(std::move(msg));
  }
  json::object o{{"model", model}, {"messages", std::move(messages)}};
  if (!r.tools.empty()) {
    json::array tools;
    for (const auto& t : r.tools) {
      json::object fn{{"name", t.name}};
      if (!t.description.empty()) fn["description"] = t.description;
      fn["parameters"] = t.parameters.is_object()
                             ? t.parameters
                             : json::value(json::object{{"type", "object"}, {"properties", json::object{}}});
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    o["tools"] = std::move(tools);
  }
  using TK = api::ToolChoice::Kind;
  switch (r.tool_choice.kind) {
    case TK::kUnset:
      break;
    case TK::kAuto:
      o["tool_choice"] = "auto";
      break;
    case TK::kNone:
      o["tool_choice"] = "none";
      break;
    case TK::kRequired:
      o["tool_choice"] = "required";
      break;
    case TK::kNamed:
      o["tool_choice"] = json::object{{"type", "function"},
                                      {"function", json::object{{"name", r.tool_choice.name}}}};
      break;
  }
  if (r.parallel_tool_calls) o["parallel_tool_calls"] = *r.parallel_tool_calls;
  if (r.max_tokens) o["max_tokens"] = *r.max_tokens;
  if (r.temperature) o["temperature"] = *r.temperature;
  if (r.top_p) o["top_p"] = *r.top_p;
  if (r.top_k) o["top_k"] = *r.top_k;  // vLLM, SGLang, llama.cpp take it; OpenAI answers 400
  if (r.presence_penalty) o["presence_penalty"] = *r.presence_penalty;
  if (r.frequency_penalty) o["frequency_penalty"] = *r.frequency_penalty;
  if (r.seed) o["seed"] = *r.seed;
  if (!r.stop.empty()) {
    json::array stop;
    for (const auto& s : r.stop) stop.push_back(json::value(s));
    o["stop"] = std::move(stop);
  }
  using RK = api::ResponseFormat::Kind;
  if (r.response_format.kind == RK::kText) {
    o["response_format"] = json::object{{"type", "text"}};
  } else if (r.response_format.kind == RK::kJsonObject) {
    o["response_format"] = json::object{{"type", "json_object"}};
  } else if (r.response_format.kind == RK::kJsonSchema) {
    json::object js{{"name", r.response_format.name.empty() ? "response" : r.response_format.name},
                    {"schema", r.response_format.schema},
                    {"strict", r.response_format.strict}};
    o["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", std::move(js)}};
  }
  if (!r.reasoning_effort.empty())
    o["reasoning_effort"] = r.reasoning_effort;
  else if (r.thinking_budget)
    o["reasoning_effort"] = EffortForBudget(*r.thinking_budget);
  if (!r.user.empty()) o["user"] = r.user;
  if (r.stream) {
    o["stream"] = true;
    o["stream_options"] = json::object{{"include_usage", true}};  // usage is always accounted
  }
  body = json::serialize(o);
  return true;
}

namespace {

GatewayError BadResponse(std::string what) {
  return GatewayError{ErrorCode::kProviderBadResponse, "upstream " + std::move(what)};
}

api::FinishReason ParseFinish(std::string_view f) {
  if (f == "stop") return api::FinishReason::kStop;
  if (f == "length") return api::FinishReason::kLength;
  if (f == "tool_calls" || f == "function_call") return api::FinishReason::kToolCalls;
  if (f == "content_filter") return api::FinishReason::kContentFilter;
  return f.empty() ? api::FinishReason::kUnset : api::FinishReason::kStop;
}

}  // namespace

bool DecodeChatResponse(std::string_view body, api::ChatResponse& out, GatewayError& error) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(body, {}, ec);
  if (ec || !doc.is_object()) return error = BadResponse("body is not a JSON object"), false;
  const json::object& o = doc.get_object();
  const json::array* choices = api::ArrayAt(o, "choices");
  if (!choices || choices->empty() || !(*choices)[0].is_object())
    return error = BadResponse("answer has no choices"), false;
  const json::object& choice = (*choices)[0].get_object();
  out.id = api::StringAt(o, "id");
  out.model = api::StringAt(o, "model");
  out.created = static_cast<int64_t>(api::UintAt(o, "created"));
  if (const json::object* msg = api::ObjectAt(choice, "message")) {
    for (std::string_view key : {"reasoning_content", "reasoning"}) {
      std::string_view reasoning = api::StringAt(*msg, key);
      if (reasoning.empty()) continue;
      Part p;
      p.kind = Part::Kind::kThinking;
      p.text = reasoning;
      out.content.push_back(std::move(p));
      break;
    }
    if (std::string_view text = api::StringAt(*msg, "content"); !text.empty()) {
      Part p;
      p.text = text;
      out.content.push_back(std::move(p));
    }
    if (const json::array* calls = api::ArrayAt(*msg, "tool_calls")) {
      for (const auto& c : *calls) {
        if (!c.is_object()) continue;
        const json::object* fn = api::ObjectAt(c.get_object(), "function");
        if (!fn) continue;
        Part p;
        p.kind = Part::Kind::kToolCall;
        p.id = api::StringAt(c.get_object(), "id");
        p.name = api::StringAt(*fn, "name");
        p.arguments = api::StringAt(*fn, "arguments");
        if (p.arguments.empty()) p.arguments = "{}";
        out.content.push_back(std::move(p));
      }
    }
  }
  out.finish = ParseFinish(api::StringAt(choice, "finish_reason"));
  out.has_usage = ExtractUsage(doc, out.usage);
  return true;
}

namespace {

// The hot event of a translated OpenAI stream is a chunk with a text or reasoning delta. Building
// its DOM (even in an arena) was most of the per-event cost, so such chunks are scanned with
// boost::json's SAX parser instead: the same parser and options as core::ParseJson (so the same
// texts are rejected, strings unescaped and UTF-8 checked the same way), keeping only
// choices[0].delta.{reasoning_content, reasoning, content} and choices[0].finish_reason. Anything
// else that matters (error, usage, tool_calls, a repeated key, a root that is not an object) sends
// the event to the DOM path, which stays the reference (the tests compare the two).
class ChunkScan : public core::JsonSaxDefaults {
 public:
  // Captured string values; kNone for keys that are not captured.
  enum Slot : uint8_t { kReasoningContent, kReasoning, kContent, kFinishReason, kSlots, kNone };

  void Reset() {
    depth_ = 0;
    bail_ = false;
    root_object_ = false;
    for (int i = 0; i < kSlots; ++i) {
      text_[i].clear();
      has_[i] = false;
    }
  }
  bool bail() const { return bail_; }
  bool root_object() const { return root_object_; }
  // The captured string (empty when absent or not a string, as api::StringAt has it).
  std::string_view text(Slot slot) const { return has_[slot] ? text_[slot] : std::string_view(); }

  bool on_object_begin(json::error_code& ec) { return Push(true, ec); }
  bool on_array_begin(json::error_code& ec) { return Push(false, ec); }
  bool on_object_end(std::size_t, json::error_code&) { return Pop(); }
  bool on_array_end(std::size_t, json::error_code&) { return Pop(); }
  bool on_key_part(json::string_view s, std::size_t n, json::error_code&) {
    key_.Part(s, n);
    return true;
  }
  bool on_key(json::string_view s, std::size_t n, json::error_code& ec) {
    return OnKey(key_.Last(s, n), ec);
  }
  bool on_string_part(json::string_view s, std::size_t n, json::error_code&) {
    Slot slot = ValueSlot();
    if (slot != kNone) {
      if (n == s.size()) text_[slot].clear();
      text_[slot].append(s.data(), s.size());
    }
    return true;
  }
  bool on_string(json::string_view s, std::size_t n, json::error_code&) {
    Slot slot = ValueSlot();
    if (slot != kNone) {
      if (n == s.size()) text_[slot].clear();
      text_[slot].append(s.data(), s.size());
      has_[slot] = true;
    }
    return Scalar();
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t, json::string_view, json::error_code&) { return Scalar(); }
  bool on_uint64(uint64_t, json::string_view, json::error_code&) { return Scalar(); }
  bool on_double(double, json::string_view, json::error_code&) { return Scalar(); }
  bool on_bool(bool, json::error_code&) { return Scalar(); }
  bool on_null(json::error_code&) { return Scalar(); }

 private:
  // Where a container sits: the ones on the path to the captured values, or elsewhere.
  enum class Where : uint8_t { kOther, kRoot, kChoices, kChoice, kDelta };
  struct Frame {
    Where where;
    Slot slot;       // object: the capture slot of the current key
    uint8_t key;     // object: which known key is current (KnownKey), 0 if none
    uint8_t seen;    // object: known keys seen so far (a repeat goes to the DOM)
    bool first;      // array: no element yet
  };
  // Known keys of the objects on the path; bit positions in Frame::seen.
  enum KnownKey : uint8_t { kKeyNone, kKeyChoices, kKeyDelta, kKeyFinish, kKeyReasoningContent,
                            kKeyReasoning, kKeyContent };

  // The container about to open, given its parent.
  Where Child(bool is_object) {
    if (depth_ > kMaxTracked) return Where::kOther;
    Frame& parent = stack_[depth_ - 1];
    switch (parent.where) {
      case Where::kRoot:
        return !is_object && parent.key == kKeyChoices ? Where::kChoices : Where::kOther;
      case Where::kChoices: {
        bool first = parent.first;
        parent.first = false;
        return is_object && first ? Where::kChoice : Where::kOther;
      }
      case Where::kChoice:
        return is_object && parent.key == kKeyDelta ? Where::kDelta : Where::kOther;
      default:
        return Where::kOther;
    }
  }
  bool Push(bool is_object, json::error_code& ec) {
    Where where = Where::kRoot;
    if (depth_ == 0) {
      if (!is_object) return Bail(ec);  // the DOM path rejects it
      root_object_ = true;
    } else {
      where = Child(is_object);
    }
    if (depth_ < kMaxTracked) stack_[depth_] = Frame{where, kNone, kKeyNone, 0, true};
    ++depth_;
    return true;
  }
  bool Pop() {
    --depth_;
    return Scalar();  // a closed container is a value of its parent
  }
  // A value ended: in an array, the next one is not the first.
  bool Scalar() {
    if (depth_ > 0 && depth_ <= kMaxTracked) {
      Frame& f = stack_[depth_ - 1];
      f.first = false;
      f.slot = kNone;
      f.key = kKeyNone;
    }
    return true;
  }
  Slot ValueSlot() const {
    return depth_ > 0 && depth_ <= kMaxTracked ? stack_[depth_ - 1].slot : kNone;
  }
  bool OnKey(std::string_view k, json::error_code& ec) {
    if (depth_ > kMaxTracked) return true;
    Frame& f = stack_[depth_ - 1];
    f.slot = kNone;
    f.key = kKeyNone;
    switch (f.where) {
      case Where::kRoot:
        if (k == "error" || k == "usage") return Bail(ec);
        if (k == "choices") f.key = kKeyChoices;
        break;
      case Where::kChoice:
        if (k == "delta") f.key = kKeyDelta;
        if (k == "finish_reason") f.key = kKeyFinish, f.slot = kFinishReason;
        break;
      case Where::kDelta:
        if (k == "tool_calls") return Bail(ec);
        if (k == "reasoning_content") f.key = kKeyReasoningContent, f.slot = kReasoningContent;
        if (k == "reasoning") f.key = kKeyReasoning, f.slot = kReasoning;
        if (k == "content") f.key = kKeyContent, f.slot = kContent;
        break;
      default:
        break;
    }
    if (f.key != kKeyNone) {
      uint8_t bit = static_cast<uint8_t>(1u << f.key);
      if (f.seen & bit) return Bail(ec);  // which of two equal keys counts is the DOM's business
      f.seen |= bit;
    }
    return true;
  }
  bool Bail(json::error_code& ec) {
    bail_ = true;
    ec = json::error::extra_data;  // any error: it stops the parser; bail_ says why
    return false;
  }

  static constexpr int kMaxTracked = 4;  // root, choices, choices[0], delta
  Frame stack_[kMaxTracked];
  int depth_ = 0;
  bool bail_ = false;
  bool root_object_ = false;  // a root scalar never opens a frame: the DOM path rejects it
  core::JsonSaxKey key_;  // a key may come in parts (split by an escape)
  std::string text_[kSlots];
  bool has_[kSlots] = {};
};

class ChatStreamDecoder final : public StreamDecoder {
 public:
  explicit ChatStreamDecoder(bool scan) : scan_(scan) {}
  bool OnEvent(std::string_view, std::string_view data, const DeltaSink& emit,
               GatewayError& error) override {
    if (data == "[DONE]") {
      finished_ = true;
      return true;
    }
    if (data.empty()) return true;
    if (started_ && scan_ && Scan(data, emit)) return true;
    boost::system::error_code ec;
    json::value doc = core::ParseJson(data, arena_.Reset(), ec);
    if (ec || !doc.is_object()) return error = BadResponse("stream event is not JSON"), false;
    const json::object& o = doc.get_object();
    if (const json::value* e = o.if_contains("error")) {
      error = GatewayError{ErrorCode::kProviderServerError,
                           "upstream reported an error: " +
                               UpstreamErrorMessage(json::serialize(json::object{{"error", *e}}))};
      return false;
    }
    api::StreamDelta d;
    if (!started_) {
      started_ = true;
      d.kind = api::StreamDelta::Kind::kStart;
      d.id = api::StringAt(o, "id");
      d.model = api::StringAt(o, "model");
      emit(d);
    }
    if (const json::array* choices = api::ArrayAt(o, "choices");
        choices && !choices->empty() && (*choices)[0].is_object()) {
      const json::object& choice = (*choices)[0].get_object();
      if (const json::object* delta = api::ObjectAt(choice, "delta")) EmitDelta(*delta, emit);
      std::string_view finish = api::StringAt(choice, "finish_reason");
      if (!finish.empty()) {
        d = {};
        d.kind = api::StreamDelta::Kind::kFinish;
        d.finish = ParseFinish(finish);
        emit(d);
      }
    }
    if (o.contains("usage")) {
      d = {};
      d.kind = api::StreamDelta::Kind::kUsage;
      if (ExtractUsage(doc, d.usage)) emit(d);
    }
    return true;
  }
  bool finished() const override { return finished_; }

 private:
  // Decodes a chunk with ChunkScan; false (nothing emitted) when it needs the DOM path.
  bool Scan(std::string_view data, const DeltaSink& emit) {
    scanner_.reset();
    ChunkScan& h = scanner_.handler();
    h.Reset();
    json::error_code ec;
    size_t n = scanner_.write_some(false, data.data(), data.size(), ec);
    if (ec || n != data.size() || h.bail() || !h.root_object()) return false;
    // The DOM path's order: reasoning, content, finish.
    using K = api::StreamDelta::Kind;
    api::StreamDelta d;
    for (ChunkScan::Slot slot : {ChunkScan::kReasoningContent, ChunkScan::kReasoning}) {
      if (h.text(slot).empty()) continue;
      d.kind = K::kThinking;
      d.text = h.text(slot);
      emit(d);
      break;
    }
    if (std::string_view text = h.text(ChunkScan::kContent); !text.empty()) {
      d = {};
      d.kind = K::kText;
      d.text = text;
      emit(d);
    }
    if (std::string_view finish = h.text(ChunkScan::kFinishReason); !finish.empty()) {
      d = {};
      d.kind = K::kFinish;
      d.finish = ParseFinish(finish);
      emit(d);
    }
    return true;
  }

  void EmitDelta(const json::object& delta, const DeltaSink& emit) {
    using K = api::StreamDelta::Kind;
    api::StreamDelta d;
    for (std::string_view key : {"reasoning_content", "reasoning"}) {
      std::string_view reasoning = api::StringAt(delta, key);
      if (reasoning.empty()) continue;
      d.kind = K::kThinking;
      d.text = reasoning;
      emit(d);
      break;
    }
    if (std::string_view text = api::StringAt(delta, "content"); !text.empty()) {
      d = {};
      d.kind = K::kText;
      d.text = text;
      emit(d);
    }
    const json::array* calls = api::ArrayAt(delta, "tool_calls");
    if (!calls) return;
    for (const auto& c : *calls) {
      if (!c.is_object()) continue;
      const json::object& call = c.get_object();
      int index = static_cast<int>(api::UintAt(call, "index"));
      const json::object* fn = api::ObjectAt(call, "function");
      std::string_view id = api::StringAt(call, "id");
      if (!id.empty()) {  // a new call begins
        d = {};
        d.kind = K::kToolCallStart;
        d.index = index;
        d.id = id;
        d.name = fn ? api::StringAt(*fn, "name") : std::string_view();
        emit(d);
      }
      std::string_view args = fn ? api::StringAt(*fn, "arguments") : std::string_view();
      if (!args.empty()) {
        d = {};
        d.kind = K::kToolCallArgs;
        d.index = index;
        d.text = args;
        emit(d);
      }
    }
  }

  json::basic_parser<ChunkScan> scanner_{core::JsonParseOptions()};
  bool scan_;                // false: every event through the DOM (tests compare the two)
  core::JsonArena arena_;  // each event's DOM: no heap allocation per event
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> NewChatStreamDecoder(bool scan) {
  return std::make_unique<ChatStreamDecoder>(scan);
}

}  // namespace sluice::providers::openai
