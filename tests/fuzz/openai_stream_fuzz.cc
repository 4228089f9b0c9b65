// libFuzzer target: arbitrary bytes, cut at arbitrary points, as an OpenAI chat.completion.chunk
// stream: the SSE splitter, the chat stream decoder, and every delta into both client dialects'
// stream encoders (Anthropic and OpenAI chat), as the translated relay does. Invariants: no crash;
// a rejected event carries a provider_* code and a message and emits no delta; every delta's views
// are readable during the call; whatever the encoders write is SSE whose every data line is JSON
// (or [DONE]). Tool call indices are the upstream's own here, so any value must be survivable.
// The decoder scans content chunks without a DOM; a second decoder that always builds the DOM must
// emit the same deltas and reject the same events with the same error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/anthropic_messages.h"
#include "api/openai_chat_codec.h"
#include "core/json_parse.h"
#include "http/sse.h"
#include "providers/openai/openai_chat_adapter.h"

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

// A delta as text, everything it carries.
std::string Render(const sluice::api::StreamDelta& d) {
  std::string s = std::to_string(static_cast<int>(d.kind)) + "|" + std::string(d.text) + "|" +
                  std::string(d.id) + "|" + std::string(d.name) + "|" + std::string(d.model) +
                  "|" + std::to_string(d.index) + "|" + std::to_string(static_cast<int>(d.finish));
  for (uint64_t v : {d.usage.input, d.usage.output, d.usage.cached_input,
                     d.usage.cache_creation_input, d.usage.reasoning})
    s += "|" + std::to_string(v);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t cut_every = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto decoder = sluice::providers::openai::NewChatStreamDecoder();
  auto dom = sluice::providers::openai::NewChatStreamDecoder(/*scan=*/false);
  std::vector<std::string> scanned, reference;
  auto anthropic = sluice::api::NewAnthropicStreamEncoder({"msg_fuzz", "claude", 1});
  auto openai = sluice::api::NewOpenAiChatStreamEncoder({"chatcmpl-fuzz", "claude", 1}, true);
  std::string anthropic_out, openai_out;
  size_t deltas = 0, touched = 0;
  bool failed = false;
  sluice::core::GatewayError error;
  sluice::providers::DeltaSink sink = [&](const sluice::api::StreamDelta& d) {
    ++deltas;
    scanned.push_back(Render(d));
    for (std::string_view v : {d.text, d.id, d.name, d.model})
      for (char c : v) touched += static_cast<unsigned char>(c);
    anthropic->OnDelta(d, anthropic_out);
    openai->OnDelta(d, openai_out);
  };
  sluice::http::SseSplitter splitter(1 << 16);
  for (size_t off = 0; off < input.size() && !failed; off += cut_every) {
    bool ok = splitter.Feed(input.substr(off, cut_every), [&](const sluice::http::SseEvent& ev) {
      if (failed) return;
      size_t before = deltas;
      scanned.clear();
      reference.clear();
      sluice::core::GatewayError dom_error;
      bool dom_ok = dom->OnEvent(
          ev.name, ev.data,
          [&](const sluice::api::StreamDelta& d) { reference.push_back(Render(d)); }, dom_error);
      if (!decoder->OnEvent(ev.name, ev.data, sink, error)) {
        if (!ProviderCode(error.code) || error.message.empty() || deltas != before) std::abort();
        failed = true;
      }
      if (dom_ok == failed || scanned != reference ||
          (failed && (dom_error.code != error.code || dom_error.message != error.message)))
        std::abort();
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
