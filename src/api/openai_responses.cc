#include "api/openai_responses.h"

#include <boost/json/serialize.hpp>

#include "api/json_fields.h"
#include "api/openai_chat_codec.h"

namespace sluice::api {

namespace json = boost::json;
using core::GatewayError;

namespace {

// A message item's content: a string, or input_text / input_image / output_text parts.
bool ReadContent(const json::value& content, const std::string& where, bool assistant,
                 std::vector<Part>& out, uint32_t& chars, GatewayError& error) {
  if (content.is_string()) {
    Part p;
    p.text = content.get_string();
    chars += static_cast<uint32_t>(p.text.size());
    out.push_back(std::move(p));
    return true;
  }
  if (!content.is_array()) return InvalidField(error, where, "must be a string or an array");
  size_t i = 0;
  for (const auto& item : content.get_array()) {
    std::string at = IndexPath(where, i++);
    if (!item.is_object()) return InvalidField(error, at, "must be an object");
    const json::object& o = item.get_object();
    std::string_view type = StringAt(o, "type");
    Part p;
    if (type == "input_text" || type == "output_text" || type == "text") {
      p.text = StringAt(o, "text");
      chars += static_cast<uint32_t>(p.text.size());
    } else if (type == "input_image" && !assistant) {
      p.kind = Part::Kind::kImage;
      std::string url(StringAt(o, "image_url"));
      if (url.empty())
        return UnsupportedField(error, FieldPath(at, "image_url"),
                                "is required (file_id images cannot be translated)");
      if (!SplitDataUrl(url, p.media_type, p.data)) p.url = std::move(url);
    } else if (type == "refusal" && assistant) {
      p.text = StringAt(o, "refusal");
    } else {
      return UnsupportedField(error, FieldPath(at, "type"),
                              "'" + std::string(type) + "' content cannot be translated");
    }
    out.push_back(std::move(p));
  }
  return true;
}

// Appends `part` to the last assistant message, opening one if the last message is not one
// (consecutive output items of one turn become one assistant message).
void AddAssistantPart(ChatRequest& out, Part part) {
  if (out.messages.empty() || out.messages.back().role != Role::kAssistant)
    out.messages.push_back(Message{Role::kAssistant, {}});
  out.messages.back().parts.push_back(std::move(part));
}

bool ReadInputItem(const json::object& o, const std::string& at, ChatRequest& out,
                   GatewayError& error) {
  std::string_view type = StringAt(o, "type");
  if (type.empty() || type == "message") {
    std::string_view role = StringAt(o, "role");
    const json::value* content = o.if_contains("content");
    if (!content) return InvalidField(error, FieldPath(at, "content"), "is required");
    std::string content_at = FieldPath(at, "content");
    if (role == "system" || role == "developer")
      return ReadContent(*content, content_at, false, out.system, out.prompt_chars, error);
    if (role == "assistant") {
      std::vector<Part> parts;
      if (!ReadContent(*content, content_at, true, parts, out.prompt_chars, error)) return false;
      for (auto& p : parts) AddAssistantPart(out, std::move(p));
      return true;
    }
    if (role != "user")
      return InvalidField(error, FieldPath(at, "role"),
                          "must be user, assistant, system or developer");
    Message m;
    if (!ReadContent(*content, content_at, false, m.parts, out.prompt_chars, error)) return false;
    out.messages.push_back(std::move(m));
    return true;
  }
  if (type == "function_call") {
    Part p;
    p.kind = Part::Kind::kToolCall;
    p.id = StringAt(o, "call_id");
    p.name = StringAt(o, "name");
    p.arguments = StringAt(o, "arguments");
    if (p.id.empty() || p.name.empty()) return InvalidField(error, at, "needs call_id and name");
    if (p.arguments.empty()) p.arguments = "{}";
    out.prompt_chars += static_cast<uint32_t>(p.arguments.size());
    AddAssistantPart(out, std::move(p));
    return true;
  }
  if (type == "function_call_output") {
    Part p;
    p.kind = Part::Kind::kToolResult;
    p.tool_call_id = StringAt(o, "call_id");
    if (p.tool_call_id.empty()) return InvalidField(error, FieldPath(at, "call_id"), "is required");
    const json::value* output = o.if_contains("output");
    if (output && output->is_string()) {
      p.text = output->get_string();
    } else if (output && output->is_array()) {
      std::vector<Part> texts;
      if (!ReadContent(*output, FieldPath(at, "output"), false, texts, out.prompt_chars, error))
        return false;
      for (const auto& t : texts) {
        if (t.kind != Part::Kind::kText)
          return UnsupportedField(error, FieldPath(at, "output"),
                                  "only text outputs can be translated");
        p.text += (p.text.empty() ? "" : "\n") + t.text;
      }
    } else {
      return InvalidField(error, FieldPath(at, "output"), "must be a string or an array");
    }
    out.prompt_chars += static_cast<uint32_t>(p.text.size());
    out.messages.push_back(Message{Role::kTool, {std::move(p)}});
    return true;
  }
  if (type == "reasoning") {
    Part p;
    p.kind = Part::Kind::kThinking;
    if (const json::array* summary = ArrayAt(o, "summary"))
      for (const auto& s : *summary)
        if (s.is_object()) p.text += std::string(StringAt(s.get_object(), "text"));
    AddAssistantPart(out, std::move(p));
    return true;
  }
  return UnsupportedField(error, FieldPath(at, "type"),
                          "'" + std::string(type) + "' input items cannot be translated");
}

bool ReadTools(const json::value& tools, ChatRequest& out, GatewayError& error) {
  if (!tools.is_array()) return InvalidField(error, "tools", "must be an array");
  size_t i = 0;
  for (const auto& item : tools.get_array()) {
    std::string at = IndexPath("tools", i++);
    if (!item.is_object()) return InvalidField(error, at, "must be an object");
    const json::object& o = item.get_object();
    std::string_view type = StringAt(o, "type");
    if (type != "function")
      return UnsupportedField(error, FieldPath(at, "type"),
                              "built-in tools ('" + std::string(type) + "') cannot be translated");
    Tool t;
    t.name = StringAt(o, "name");
    t.description = StringAt(o, "description");
    if (t.name.empty()) return InvalidField(error, FieldPath(at, "name"), "is required");
    if (const json::value* params = o.if_contains("parameters"); params && params->is_object())
      t.parameters = *params;
    out.tools.push_back(std::move(t));
  }
  return true;
}

bool ReadToolChoice(const json::value& v, ToolChoice& out, GatewayError& error) {
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
  if (v.is_object() && StringAt(v.get_object(), "type") == "function" &&
      !StringAt(v.get_object(), "name").empty()) {
    out.kind = ToolChoice::Kind::kNamed;
    out.name = StringAt(v.get_object(), "name");
    return true;
  }
  return UnsupportedField(error, "tool_choice",
                          "only auto, none, required and function choices can be translated");
}

bool ReadTextFormat(const json::value& v, ResponseFormat& out, GatewayError& error) {
  if (!v.is_object()) return InvalidField(error, "text", "must be an object");
  for (const auto& [key, value] : v.get_object()) {
    if (key == "format") continue;
    if (key == "verbosity" && value.is_null()) continue;
    return UnsupportedField(error, FieldPath("text", key), "cannot be translated");
  }
  const json::object* format = ObjectAt(v.get_object(), "format");
  if (!format) return true;
  std::string_view type = StringAt(*format, "type");
  if (type == "text") {
    out.kind = ResponseFormat::Kind::kText;
  } else if (type == "json_object") {
    out.kind = ResponseFormat::Kind::kJsonObject;
  } else if (type == "json_schema") {
    ReadSchemaFormat(*format, out);
  } else {
    return InvalidField(error, "text.format.type", "must be text, json_object or json_schema");
  }
  return true;
}

}  // namespace

bool DecodeResponsesRequest(const json::object& body, ChatRequest& out, GatewayError& error) {
  for (const auto& [key, value] : body) {
    std::string_view k = key;
    if (value.is_null()) continue;
    if (k == "model") {
      if (!ReadString(body, k, "model", out.model, error)) return false;
    } else if (k == "instructions") {
      Part p;
      if (!ReadString(body, k, "instructions", p.text, error)) return false;
      out.prompt_chars += static_cast<uint32_t>(p.text.size());
      out.system.insert(out.system.begin(), std::move(p));
    } else if (k == "input") {
      if (value.is_string()) {
        Part p;
        p.text = value.get_string();
        out.prompt_chars += static_cast<uint32_t>(p.text.size());
        out.messages.push_back(Message{Role::kUser, {std::move(p)}});
        continue;
      }
      if (!value.is_array()) return InvalidField(error, "input", "must be a string or an array");
      size_t i = 0;
      for (const auto& item : value.get_array()) {
        std::string at = IndexPath("input", i++);
        if (!item.is_object()) return InvalidField(error, at, "must be an object");
        if (!ReadInputItem(item.get_object(), at, out, error)) return false;
      }
    } else if (k == "tools") {
      if (!ReadTools(value, out, error)) return false;
    } else if (k == "tool_choice") {
      if (!ReadToolChoice(value, out.tool_choice, error)) return false;
    } else if (k == "parallel_tool_calls") {
      if (!ReadBool(body, k, "parallel_tool_calls", out.parallel_tool_calls, error)) return false;
    } else if (k == "max_output_tokens") {
      if (!ReadInt(body, k, "max_output_tokens", out.max_tokens, error)) return false;
    } else if (k == "temperature") {
      if (!ReadNumber(body, k, "temperature", out.temperature, error)) return false;
    } else if (k == "top_p") {
      if (!ReadNumber(body, k, "top_p", out.top_p, error)) return false;
    } else if (k == "user") {
      if (!ReadString(body, k, "user", out.user, error)) return false;
    } else if (k == "stream") {
      std::optional<bool> stream;
      if (!ReadBool(body, k, "stream", stream, error)) return false;
      out.stream = stream.value_or(false);
    } else if (k == "reasoning") {
      if (!value.is_object()) return InvalidField(error, "reasoning", "must be an object");
      if (!ReadString(value.get_object(), "effort", "reasoning.effort", out.reasoning_effort,
                      error))
        return false;
    } else if (k == "text") {
      if (!ReadTextFormat(value, out.response_format, error)) return false;
    } else if (k == "store") {
      if (!value.is_bool()) return InvalidField(error, "store", "must be a boolean");
      if (value.get_bool())
        return UnsupportedField(error, "store", "true: the gateway does not store responses");
    } else if (k == "stream_options") {
      // include_obfuscation pads events against side channels; there is nothing to pad here.
      if (!value.is_object()) return InvalidField(error, "stream_options", "must be an object");
    } else {
      return UnsupportedField(error, std::string(k),
                              "cannot be translated (the gateway serves responses statelessly)");
    }
  }
  if (out.model.empty()) return InvalidField(error, "model", "is required");
  if (out.messages.empty())
    return InvalidField(error, "input", "must contain at least one message");
  out.include_usage = true;  // response.completed always carries usage
  return true;
}

namespace {

// One item of a response's `output`, as built up from the answer or the stream.
struct OutputItem {
  enum class Kind { kMessage, kFunctionCall, kReasoning };
  Kind kind = Kind::kMessage;
  std::string id;
  std::string text;  // message text, reasoning summary, or function-call arguments
  std::string call_id;
  std::string name;
  int tool_index = -1;
};

json::object ItemObject(const OutputItem& item, bool done) {
  std::string_view status = done ? "completed" : "in_progress";
  switch (item.kind) {
    case OutputItem::Kind::kMessage: {
      json::array content;
      if (done)
        content.push_back(json::object{
            {"type", "output_text"}, {"text", item.text}, {"annotations", json::array{}}});
      return {{"type", "message"},
              {"id", item.id},
              {"status", status},
              {"role", "assistant"},
              {"content", std::move(content)}};
    }
    case OutputItem::Kind::kFunctionCall:
      return {{"type", "function_call"},
              {"id", item.id},
              {"call_id", item.call_id},
              {"name", item.name},
              {"arguments", done ? item.text : ""},
              {"status", status}};
    case OutputItem::Kind::kReasoning: {
      json::array summary;
      if (done) summary.push_back(json::object{{"type", "summary_text"}, {"text", item.text}});
      return {{"type", "reasoning"}, {"id", item.id}, {"summary", std::move(summary)}};
    }
  }
  return {};
}

json::object UsageObject(const core::TokenUsage& u) {
  return {{"input_tokens", u.input},
          {"input_tokens_details", json::object{{"cached_tokens", u.cached_input}}},
          {"output_tokens", u.output},
          {"output_tokens_details", json::object{{"reasoning_tokens", u.reasoning}}},
          {"total_tokens", u.input + u.output}};
}

// The `response` object: `items` null while in progress (an empty output).
json::object ResponseObject(const ResponseIds& ids, const std::vector<OutputItem>* items,
                            FinishReason finish, const core::TokenUsage* usage) {
  json::array output;
  if (items)
    for (const auto& item : *items) output.push_back(ItemObject(item, true));
  std::string_view status =
      !items                                                                      ? "in_progress"
      : finish == FinishReason::kLength || finish == FinishReason::kContentFilter ? "incomplete"
                                                                                  : "completed";
  json::value incomplete;
  if (status == "incomplete")
    incomplete = json::object{
        {"reason", finish == FinishReason::kLength ? "max_output_tokens" : "content_filter"}};
  json::object r{{"id", ids.id},
                 {"object", "response"},
                 {"created_at", ids.created},
                 {"status", status},
                 {"error", nullptr},
                 {"incomplete_details", std::move(incomplete)},
                 {"model", ids.model},
                 {"output", std::move(output)},
                 {"parallel_tool_calls", true},
                 {"store", false},
                 {"tool_choice", "auto"},
                 {"tools", json::array{}}};
  r["usage"] = usage ? json::value(UsageObject(*usage)) : json::value();
  return r;
}

std::string ItemId(const ResponseIds& ids, std::string_view prefix, size_t n) {
  // "resp_<id>" → "msg_<id>_<n>" and the like.
  std::string_view base = ids.id;
  if (base.starts_with("resp_")) base.remove_prefix(5);
  return std::string(prefix) + std::string(base) + "_" + std::to_string(n);
}

class ResponsesStreamEncoder final : public StreamEncoder {
 public:
  explicit ResponsesStreamEncoder(ResponseIds ids) : ids_(std::move(ids)) {}

  void OnDelta(const StreamDelta& d, std::string& out) override {
    using K = StreamDelta::Kind;
    switch (d.kind) {
      case K::kStart:
        Start(out);
        return;
      case K::kUsage:
        usage_ = d.usage;
        usage_reported_ = true;
        return;
      case K::kFinish:
        finish_ = d.finish;
        return;
      case K::kText:
        Open(OutputItem::Kind::kMessage, -1, {}, {}, out);
        Delta("response.output_text.delta", d.text, out);
        return;
      case K::kThinking:
        Open(OutputItem::Kind::kReasoning, -1, {}, {}, out);
        Delta("response.reasoning_summary_text.delta", d.text, out);
        return;
      case K::kThinkingSignature:
        return;  // no Responses field carries a signature
      case K::kToolCallStart:
        Open(OutputItem::Kind::kFunctionCall, d.index, d.id, d.name, out);
        return;
      case K::kToolCallArgs:
        // As in the Anthropic encoder: upstreams stream calls one after another.
        if (!open_ || items_.back().kind != OutputItem::Kind::kFunctionCall)
          Open(OutputItem::Kind::kFunctionCall, d.index, {}, {}, out);
        Delta("response.function_call_arguments.delta", d.text, out);
        return;
    }
  }

  void End(std::string& out) override {
    Start(out);
    Close(out);
    bool incomplete = finish_ == FinishReason::kLength || finish_ == FinishReason::kContentFilter;
    Emit(incomplete ? "response.incomplete" : "response.completed",
         json::object{{"response", ResponseObject(ids_, &items_, finish_, &usage_)}}, out);
  }

  void Fail(const GatewayError& error, std::string& out) override {
    out += RenderResponsesStreamError(error, sequence_++);
  }

 private:
  void Emit(std::string_view type, json::object fields, std::string& out) {
    json::object data{{"type", type}, {"sequence_number", sequence_++}};
    for (auto& [key, value] : fields) data.emplace(key, std::move(value));
    out.append("event: ").append(type).append("\ndata: ").append(json::serialize(data));
    out.append("\n\n");
  }

  void Start(std::string& out) {
    if (started_) return;
    started_ = true;
    json::object response = ResponseObject(ids_, nullptr, FinishReason::kUnset, nullptr);
    Emit("response.created", json::object{{"response", response}}, out);
    Emit("response.in_progress", json::object{{"response", std::move(response)}}, out);
  }

  void Open(OutputItem::Kind kind, int tool_index, std::string_view call_id, std::string_view name,
            std::string& out) {
    Start(out);
    if (open_ && items_.back().kind == kind &&
        (kind != OutputItem::Kind::kFunctionCall || items_.back().tool_index == tool_index))
      return;
    Close(out);
    OutputItem item;
    item.kind = kind;
    item.tool_index = tool_index;
    item.call_id = call_id;
    item.name = name;
    std::string_view prefix = kind == OutputItem::Kind::kMessage        ? "msg_"
                              : kind == OutputItem::Kind::kFunctionCall ? "fc_"
                                                                        : "rs_";
    item.id = ItemId(ids_, prefix, items_.size());
    items_.push_back(std::move(item));
    open_ = true;
    const OutputItem& it = items_.back();
    Emit("response.output_item.added",
         json::object{{"output_index", items_.size() - 1}, {"item", ItemObject(it, false)}}, out);
    if (kind == OutputItem::Kind::kMessage)
      Emit("response.content_part.added",
           json::object{{"item_id", it.id},
                        {"output_index", items_.size() - 1},
                        {"content_index", 0},
                        {"part", json::object{{"type", "output_text"},
                                              {"text", ""},
                                              {"annotations", json::array{}}}}},
           out);
    if (kind == OutputItem::Kind::kReasoning)
      Emit("response.reasoning_summary_part.added",
           json::object{{"item_id", it.id},
                        {"output_index", items_.size() - 1},
                        {"summary_index", 0},
                        {"part", json::object{{"type", "summary_text"}, {"text", ""}}}},
           out);
  }

  void Delta(std::string_view type, std::string_view text, std::string& out) {
    OutputItem& it = items_.back();
    it.text.append(text);
    json::object data{{"item_id", it.id}, {"output_index", items_.size() - 1}};
    if (it.kind == OutputItem::Kind::kMessage) data["content_index"] = 0;
    if (it.kind == OutputItem::Kind::kReasoning) data["summary_index"] = 0;
    data["delta"] = text;
    Emit(type, std::move(data), out);
  }

  void Close(std::string& out) {
    if (!open_) return;
    open_ = false;
    const OutputItem& it = items_.back();
    size_t index = items_.size() - 1;
    if (it.kind == OutputItem::Kind::kMessage) {
      Emit(
          "response.output_text.done",
          json::object{
              {"item_id", it.id}, {"output_index", index}, {"content_index", 0}, {"text", it.text}},
          out);
      Emit("response.content_part.done",
           json::object{{"item_id", it.id},
                        {"output_index", index},
                        {"content_index", 0},
                        {"part", json::object{{"type", "output_text"},
                                              {"text", it.text},
                                              {"annotations", json::array{}}}}},
           out);
    } else if (it.kind == OutputItem::Kind::kFunctionCall) {
      Emit("response.function_call_arguments.done",
           json::object{{"item_id", it.id}, {"output_index", index}, {"arguments", it.text}}, out);
    } else {
      Emit(
          "response.reasoning_summary_text.done",
          json::object{
              {"item_id", it.id}, {"output_index", index}, {"summary_index", 0}, {"text", it.text}},
          out);
      Emit("response.reasoning_summary_part.done",
           json::object{{"item_id", it.id},
                        {"output_index", index},
                        {"summary_index", 0},
                        {"part", json::object{{"type", "summary_text"}, {"text", it.text}}}},
           out);
    }
    Emit("response.output_item.done",
         json::object{{"output_index", index}, {"item", ItemObject(it, true)}}, out);
  }

  ResponseIds ids_;
  std::vector<OutputItem> items_;
  bool open_ = false;  // the last item still takes deltas
  bool started_ = false;
  uint64_t sequence_ = 0;
  FinishReason finish_ = FinishReason::kUnset;
};

}  // namespace

std::string EncodeResponsesResponse(const ChatResponse& r, const ResponseIds& ids) {
  std::vector<OutputItem> items;
  for (const auto& p : r.content) {
    OutputItem item;
    if (p.kind == Part::Kind::kText) {
      if (!items.empty() && items.back().kind == OutputItem::Kind::kMessage) {
        items.back().text += p.text;
        continue;
      }
      item.kind = OutputItem::Kind::kMessage;
      item.text = p.text;
      item.id = ItemId(ids, "msg_", items.size());
    } else if (p.kind == Part::Kind::kThinking) {
      item.kind = OutputItem::Kind::kReasoning;
      item.text = p.text;
      item.id = ItemId(ids, "rs_", items.size());
    } else if (p.kind == Part::Kind::kToolCall) {
      item.kind = OutputItem::Kind::kFunctionCall;
      item.text = p.arguments;
      item.call_id = p.id;
      item.name = p.name;
      item.id = ItemId(ids, "fc_", items.size());
    } else {
      continue;  // redacted reasoning has no Responses form
    }
    items.push_back(std::move(item));
  }
  return json::serialize(ResponseObject(ids, &items, r.finish, &r.usage));
}

std::unique_ptr<StreamEncoder> NewResponsesStreamEncoder(ResponseIds ids) {
  return std::make_unique<ResponsesStreamEncoder>(std::move(ids));
}

std::string RenderResponsesStreamError(const GatewayError& error, uint64_t sequence_number) {
  json::object data{{"type", "error"},
                    {"code", core::ErrorCodeName(error.code)},
                    {"message", error.message},
                    {"param", error.param.empty() ? json::value() : json::value(error.param)},
                    {"sequence_number", sequence_number}};
  return "event: error\ndata: " + json::serialize(data) + "\n\n";
}

}  // namespace sluice::api
