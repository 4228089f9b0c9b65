// Translation cost, sans-I/O: µs per request and per stream event for each dialect pairing, next to
// the pass-through work the gateway does anyway (parse + re-serialise; usage inspection per event).
// Single thread, warm caches, realistic small bodies; `build/release/translate_bench`.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "api/anthropic_messages.h"
#include "api/openai_chat_codec.h"
#include "api/openai_request.h"
#include "core/json_parse.h"
#include "http/sse.h"
#include "providers/anthropic/anthropic_adapter.h"
#include "providers/bedrock/converse_codec.h"
#include "providers/gemini/gemini_codec.h"
#include "providers/openai/openai_chat_adapter.h"
#include "providers/openai/openai_stream.h"

using namespace sluice;
namespace json = boost::json;

namespace {

const std::string kOpenAiRequest = R"({"model":"gpt-4o-mini","messages":[
{"role":"system","content":"You are a helpful assistant. Answer briefly."},
{"role":"user","content":"What is the weather like in Paris today, and should I take an umbrella?"},
{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
{"role":"tool","tool_call_id":"call_1","content":"light rain, 14 C"}],
"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
"temperature":0.3,"max_tokens":256,"stream":true})";

const std::string kAnthropicRequest = R"({"model":"claude","max_tokens":256,"system":"You are a helpful assistant. Answer briefly.",
"messages":[{"role":"user","content":"What is the weather like in Paris today, and should I take an umbrella?"},
{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"light rain, 14 C"}]}],
"tools":[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
"temperature":0.3,"stream":true})";

const std::string kOpenAiResponse = R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Light rain is expected in Paris today, around 14 C. Yes, take an umbrella."},"finish_reason":"stop"}],"usage":{"prompt_tokens":85,"completion_tokens":19,"total_tokens":104}})";

const std::string kOpenAiChunk = R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" umbrella"},"finish_reason":null}]})";
const std::string kAnthropicDelta = R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" umbrella"}})";
const std::string kGeminiChunk = R"({"candidates":[{"content":{"role":"model","parts":[{"text":" umbrella"}]},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"r1"})";
const std::string kBedrockDelta = R"({"contentBlockIndex":0,"delta":{"text":" umbrella"}})";

double MicrosPer(const std::function<void()>& work, int iterations) {
  for (int i = 0; i < iterations / 10; ++i) work();  // warm up
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) work();
  auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::micro>(elapsed).count() / iterations;
}

void Row(const char* what, double us) { std::printf("| %-58s | %7.2f |\n", what, us); }

// Feeds the same event through a decoder into an encoder, once per call (the decoder is primed
// with a start so it is mid-stream, as in a real relay).
struct EventPipe {
  std::unique_ptr<providers::StreamDecoder> decoder;
  std::unique_ptr<api::StreamEncoder> encoder;
  std::string name, data, out;
  void operator()() {
    out.clear();
    core::GatewayError error;
    decoder->OnEvent(name, data, [&](const api::StreamDelta& d) { encoder->OnDelta(d, out); },
                     error);
  }
};

}  // namespace

int main() {
  const int n = 20000;
  api::ResponseIds ids{"msg_1", "claude", 1700000000};
  std::printf("| Work (one request or one stream event) | µs |\n|---|---|\n");

  Row("request, pass-through: parse OpenAI + re-serialise", MicrosPer([] {
        json::monotonic_resource arena;
        api::ParsedRequest parsed(&arena);
        core::GatewayError error;
        api::ParseOpenAiRequest(api::ApiKind::kChatCompletions, kOpenAiRequest, parsed, error);
        std::string body = json::serialize(parsed.body());
      }, n));
  Row("request, Anthropic client -> OpenAI provider", MicrosPer([] {
        boost::system::error_code ec;
        json::value doc = core::ParseJson(kAnthropicRequest, {}, ec);
        api::ChatRequest r;
        core::GatewayError error;
        api::DecodeAnthropicRequest(doc.get_object(), r, error);
        std::string body;
        providers::openai::EncodeChatRequest(r, "gpt-4o-mini", body, error);
      }, n));
  auto openai_to = [&](const char* what, auto encode) {
    Row(what, MicrosPer([&] {
          json::monotonic_resource arena;
          api::ParsedRequest parsed(&arena);
          core::GatewayError error;
          api::ParseOpenAiRequest(api::ApiKind::kChatCompletions, kOpenAiRequest, parsed, error);
          api::ChatRequest r;
          api::DecodeOpenAiChatRequest(parsed.body(), r, error);
          std::string body;
          encode(r, body, error);
        }, n));
  };
  openai_to("request, OpenAI client -> Anthropic provider",
            [](auto& r, auto& body, auto& e) { providers::anthropic::EncodeMessagesRequest(r, "c", body, e); });
  openai_to("request, OpenAI client -> Gemini provider",
            [](auto& r, auto& body, auto& e) { providers::gemini::EncodeGeminiRequest(r, body, e); });
  openai_to("request, OpenAI client -> Bedrock provider",
            [](auto& r, auto& body, auto& e) { providers::bedrock::EncodeConverseRequest(r, body, e); });

  Row("response, pass-through: parse + usage", MicrosPer([] {
        boost::system::error_code ec;
        json::value doc = core::ParseJson(kOpenAiResponse, {}, ec);
        core::TokenUsage usage;
        providers::openai::ExtractUsage(doc, usage);
      }, n));
  Row("response, OpenAI provider -> Anthropic client", MicrosPer([&] {
        api::ChatResponse r;
        core::GatewayError error;
        providers::openai::DecodeChatResponse(kOpenAiResponse, r, error);
        std::string out = api::EncodeAnthropicResponse(r, ids);
      }, n));

  std::string sse = "data: " + kOpenAiChunk + "\n\n";
  Row("stream event, pass-through: usage inspection", MicrosPer([&] {
        static providers::openai::StreamInspector inspector(false);
        http::SseEvent ev{sse, "", kOpenAiChunk};
        inspector.OnEvent(ev);
      }, n * 5));
  auto pipe = [&](const char* what, std::unique_ptr<providers::StreamDecoder> decoder,
                  std::unique_ptr<api::StreamEncoder> encoder, std::string name, std::string data,
                  std::string start_name, std::string start_data) {
    EventPipe p{std::move(decoder), std::move(encoder), std::move(name), std::move(data), {}};
    core::GatewayError error;
    std::string sink;
    p.decoder->OnEvent(start_name, start_data,
                       [&](const api::StreamDelta& d) { p.encoder->OnDelta(d, sink); }, error);
    Row(what, MicrosPer(std::ref(p), n * 5));
  };
  pipe("stream event, OpenAI provider -> Anthropic client", providers::openai::NewChatStreamDecoder(),
       api::NewAnthropicStreamEncoder(ids), "", kOpenAiChunk, "", kOpenAiChunk);
  pipe("stream event, Anthropic provider -> OpenAI client",
       providers::anthropic::NewMessagesStreamDecoder(), api::NewOpenAiChatStreamEncoder(ids, false),
       "content_block_delta", kAnthropicDelta, "message_start",
       R"({"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":5}}})");
  pipe("stream event, Gemini provider -> OpenAI client",
       std::make_unique<providers::gemini::GeminiStreamDecoder>(),
       api::NewOpenAiChatStreamEncoder(ids, false), "", kGeminiChunk, "", kGeminiChunk);
  pipe("stream event, Bedrock provider -> OpenAI client",
       std::make_unique<providers::bedrock::ConverseStreamDecoder>(),
       api::NewOpenAiChatStreamEncoder(ids, false), "contentBlockDelta", kBedrockDelta,
       "messageStart", R"({"role":"assistant"})");
  return 0;
}
