// libFuzzer target: arbitrary bytes through the client request fast path and through Beast's
// request parser (which judges whatever the fast path declines). Invariant: whatever the fast path
// takes, Beast takes too, with the same bytes used and the same method, target, version, fields
// (in order) and body; a declined input leaves nothing used.
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/request_fast_path.h"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint32_t header_limit = 64 + data[0] * 8;
  uint64_t body_limit = 256;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  sluice::http::Request fast;
  size_t used = 0;
  if (!sluice::http::ParseSimpleRequest(input, header_limit, body_limit, fast, used)) {
    if (used != 0) std::abort();
    return 0;
  }
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t beast_used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
  if (ec || !parser.is_done() || beast_used != used) std::abort();
  const auto& beast = parser.get();
  if (fast.method() != beast.method() || fast.method_string() != beast.method_string() ||
      fast.target() != beast.target() || fast.version() != beast.version() ||
      fast.body() != beast.body() || fast.keep_alive() != beast.keep_alive())
    std::abort();
  auto a = fast.begin(), b = beast.begin();
  for (; a != fast.end() && b != beast.end(); ++a, ++b)
    if (a->name() != b->name() || a->name_string() != b->name_string() || a->value() != b->value())
      std::abort();
  if (a != fast.end() || b != beast.end()) std::abort();
  return 0;
}
