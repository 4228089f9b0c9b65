// libFuzzer target: arbitrary bytes, cut at arbitrary points, as an Ollama /api/chat NDJSON stream:
// the NDJSON framer, the Ollama stream decoder, and every delta into both client dialects' stream
// encoders (Anthropic and OpenAI chat), as the translated relay will do; then the same bytes as a
// whole /api/chat answer. Invariants: no crash; the framer holds back no more than went in and
// hands over no blank line; a rejected line carries a provider_* code and a message and emits no
// delta; tool call indices count up from 0 without gaps and arguments name a started call; every
// delta's views are readable during the call; whatever the encoders write is SSE whose every data
// line is JSON (or [DONE]).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/anthropic_messages.h"
#include "api/openai_chat_codec.h"
#include "core/json_parse.h"
#include "http/ndjson.h"
#include "http/sse.h"
#include "providers/ollama/ollama_chat.h"

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

  sluice::providers::ollama::OllamaChatStreamDecoder decoder;
  auto anthropic = sluice::api::NewAnthropicStreamEncoder({"msg_fuzz", "llama", 1});
  auto openai = sluice::api::NewOpenAiChatStreamEncoder({"chatcmpl-fuzz", "llama", 1}, true);
  std::string anthropic_out, openai_out;
  size_t deltas = 0, touched = 0, line_bytes = 0;
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
  auto on_line = [&](std::string_view line) {
    if (sluice::http::NdjsonLineContent(line).empty()) std::abort();  // blank lines are skipped
    line_bytes += line.size();
    if (failed) return;
    size_t before = deltas;
    if (!decoder.OnEvent("", line, sink, error)) {
      if (!ProviderCode(error.code) || error.message.empty() || deltas != before) std::abort();
      failed = true;
    }
  };
  sluice::http::NdjsonSplitter splitter(1 << 16);
  for (size_t off = 0; off < input.size(); off += cut_every) {
    if (!splitter.Feed(input.substr(off, cut_every), on_line)) break;  // oversized line
    if (splitter.pending_bytes() > input.size()) std::abort();
  }
  if (!splitter.failed()) splitter.Flush(on_line);
  if (line_bytes > input.size() || splitter.pending_bytes() != 0) std::abort();
  if (failed) {
    anthropic->Fail(error, anthropic_out);
    openai->Fail(error, openai_out);
  } else {
    anthropic->End(anthropic_out);
    openai->End(openai_out);
  }
  CheckClientStream(anthropic_out);
  CheckClientStream(openai_out);

  sluice::api::ChatResponse response;
  sluice::core::GatewayError response_error;
  if (!sluice::providers::ollama::DecodeOllamaChatResponse(input, response, response_error) &&
      (!ProviderCode(response_error.code) || response_error.message.empty()))
    std::abort();
  static volatile size_t sink_bytes;
  sink_bytes = touched;  // keeps the reads above from being optimised away
  return 0;
}
