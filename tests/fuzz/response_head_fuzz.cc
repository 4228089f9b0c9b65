// libFuzzer target: arbitrary bytes, cut at arbitrary points, through the upstream response-head
// parser. Invariants: no crash; the head never claims bytes it was not given; fed in pieces it
// ends exactly as fed whole; a parsed head never frames its body two ways.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/response_head.h"

using sluice::http::ResponseHead;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t cut_every = 1 + data[0] % 64;
  size_t limit = 16 + data[1] * 4;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  ResponseHead whole;
  whole.Reset();
  size_t whole_used = 0;
  ResponseHead::Result whole_result = whole.Parse(input, limit, whole_used);

  ResponseHead pieces;
  pieces.Reset();
  ResponseHead::Result r = ResponseHead::Result::kIncomplete;
  size_t used = 0;
  for (size_t fed = 0; r == ResponseHead::Result::kIncomplete && fed < input.size();) {
    fed = std::min(input.size(), fed + cut_every);
    r = pieces.Parse(input.substr(0, fed), limit, used);
    if (used > fed) std::abort();
  }
  if (r == ResponseHead::Result::kDone) {
    if (whole_result != r || used != whole_used) std::abort();
    if (pieces.chunked() && pieces.content_length()) std::abort();
    if (pieces.version() != 10 && pieces.version() != 11) std::abort();
    if (pieces.status() < 0 || pieces.status() > 999) std::abort();
    (void)pieces.header("transfer-encoding");
    (void)pieces.header("content-length");
    (void)pieces.keep_alive();
    (void)pieces.no_body();
  }
  return 0;
}
