// libFuzzer target: arbitrary bytes, cut at arbitrary points, through the HTTP body decoder in each
// framing, with a small output buffer. Invariants: no crash, never more output than input, and
// the decoder never uses bytes it was not given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/body_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  using Framing = sluice::http::BodyDecoder::Framing;
  auto framing = static_cast<Framing>(data[0] % 4);
  size_t cut_every = 1 + data[1] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  sluice::http::BodyDecoder d;
  d.Reset(framing, input.size() / 2, 1 << 16);
  std::string buffered;
  char out[37];
  size_t total_out = 0;
  for (size_t off = 0; off < input.size() && !d.done();) {
    size_t out_len = 0;
    size_t used = d.Decode(buffered, out, sizeof out, out_len);
    if (used > buffered.size() || out_len > sizeof out) std::abort();
    buffered.erase(0, used);
    total_out += out_len;
    if (out_len == 0 && !d.done()) {  // nothing decoded: the next read
      buffered.append(input.substr(off, cut_every));
      off += cut_every;
    }
  }
  if (total_out > input.size()) std::abort();
  return 0;
}
