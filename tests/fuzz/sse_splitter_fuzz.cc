// libFuzzer target: arbitrary bytes, cut at arbitrary points, through the SSE splitter, the
// OpenAI stream inspector and the relay's pre-commit checks (IsContentFree, IsInBandError). Invariants: no crash, and the raw bytes of the events it emits plus what
// it still holds back add up to exactly what went in.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/sse.h"
#include "providers/openai/openai_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t cut_every = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  sluice::http::SseSplitter splitter(1 << 16);
  sluice::providers::openai::StreamInspector inspector(true);
  size_t emitted = 0;
  for (size_t off = 0; off < input.size(); off += cut_every) {
    bool ok = splitter.Feed(input.substr(off, cut_every), [&](const sluice::http::SseEvent& ev) {
      emitted += ev.raw.size();
      inspector.OnEvent(ev);
      sluice::providers::openai::IsContentFree(ev.data);
      sluice::providers::openai::IsInBandError(ev.data);
    });
    if (!ok) return 0;  // oversized event: rejected, which is fine
  }
  if (emitted + splitter.pending_bytes() != input.size()) std::abort();
  return 0;
}
