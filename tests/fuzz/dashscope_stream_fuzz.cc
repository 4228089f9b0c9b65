// libFuzzer target: arbitrary bytes, cut at arbitrary points, as a DashScope text-generation SSE
// stream: the SSE splitter, the DashScope stream decoder, and every delta into both client
// dialects' stream encoders (Anthropic and OpenAI chat), as the translated relay will do; then
// every event's data as a whole answer. Invariants: no crash; a rejected event carries a
// provider_* code and a message and emits no delta; tool call indices count up from 0 without
// gaps and arguments name a started call; every delta's views are readable during the call;
// whatever the encoders write is SSE whose every data line is JSON (or [DONE]).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/anthropic_messages.h"
#include "api/openai_chat_codec.h"
#include "core/json_parse.h"
#include "http/sse.h"
#include "providers/dashscope/dashscope_native.h"

namespace {

using sluice::core::ErrorCode;

bool ProviderCode(ErrorCode code) {
  return code >= ErrorCode::kProviderInvalidRequest && code <= ErrorCode::kProviderBadResponse;
}

// Every event the encoders wrote is complete and carries JSON.
void CheckClientStream(std::string_view out) {
  sluice::http::SseSplitter splitter;
  size_t emitted = 0;
  splitter.Feed(out, [&](const sluice::http::SseEvent& ev) {
    emitted += ev.raw.size();
    if (ev.data == "[DONE]") return;
    boost::system::error_code ec;
    sluice::core::ParseJson(ev.data, {}, ec);
    if (ec) std::abort();
  });
  if (emitted != out.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t cut_every = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  sluice::providers::dashscope::DashScopeStreamDecoder decoder;
  auto anthropic = sluice::api::NewAnthropicStreamEncoder({"msg_fuzz", "qwen", 1});
  auto openai = sluice::api::NewOpenAiChatStreamEncoder({"chatcmpl-fuzz", "qwen", 1}, true);
  std::string anthropic_out, openai_out;
  size_t deltas = 0, touched = 0;
  int next_tool = 0;
  bool failed = false;
  sluice::core::GatewayError error;
  sluice::providers::DeltaSink sink = [&](const sluice::api::StreamDelta& d) {
    ++deltas;
    for (std::string_view v : {d.text, d.id, d.name, d.model})
      for (char c : v) touched += static_cast<unsigned char>(c);
    if (d.kind == sluice::api::StreamDelta::Kind::kToolCallStart && d.index != next_tool++)
      std::abort();
    if (d.kind == sluice::api::StreamDelta::Kind::kToolCallArgs &&
        (d.index < 0 || d.index >= next_tool))
      std::abort();
    anthropic->OnDelta(d, anthropic_out);
    openai->OnDelta(d, openai_out);
  };
  sluice::http::SseSplitter splitter(1 << 16);
  for (size_t off = 0; off < input.size(); off += cut_every) {
    bool ok = splitter.Feed(input.substr(off, cut_every), [&](const sluice::http::SseEvent& ev) {
      sluice::api::ChatResponse response;
      sluice::core::GatewayError response_error;
      if (!sluice::providers::dashscope::DecodeDashScopeResponse(ev.data, response,
                                                                 response_error) &&
          (!ProviderCode(response_error.code) || response_error.message.empty()))
        std::abort();
      if (failed) return;
      size_t before = deltas;
      if (!decoder.OnEvent(ev.name, ev.data, sink, error)) {
        if (!ProviderCode(error.code) || error.message.empty() || deltas != before) std::abort();
        failed = true;
      }
    });
    if (!ok) break;  // oversized event: the relay gives up on the stream
  }
  if (failed) {
    anthropic->Fail(error, anthropic_out);
    openai->Fail(error, openai_out);
  } else {
    anthropic->End(anthropic_out);
    openai->End(openai_out);
  }
  CheckClientStream(anthropic_out);
  CheckClientStream(openai_out);
  static volatile size_t sink_bytes;
  sink_bytes = touched;  // keeps the reads above from being optimised away
  return 0;
}
