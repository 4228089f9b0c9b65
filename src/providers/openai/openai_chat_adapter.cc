#include "providers/openai/openai_chat_adapter.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "core/json_parse.h"
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

class ChatStreamDecoder final : public StreamDecoder {
 public:
  bool OnEvent(std::string_view, std::string_view data, const DeltaSink& emit,
               GatewayError& error) override {
    if (data == "[DONE]") {
      finished_ = true;
      return true;
    }
    if (data.empty()) return true;
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

  core::JsonArena arena_;  // each event's DOM: no heap allocation per event
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> NewChatStreamDecoder() {
  return std::make_unique<ChatStreamDecoder>();
}

}  // namespace sluice::providers::openai
