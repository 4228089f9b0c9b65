#pragma once
// The common client request, read in one pass: a whole request (head and Content-Length body)
// that arrived in one read, in the plainest HTTP/1.1 form. Beast's request parser cost about
// 4,700 instructions per request (a field-name table lookup, a token-list pass and an error_code
// round per field). Whatever this does not positively accept (a head or body still incomplete,
// obs-fold, obs-text, Transfer-Encoding, Expect, Upgrade, an unusual Connection or
// Content-Length value, anything past a limit) is declined untouched and goes to Beast's parser,
// so every error and every edge case is still judged, and answered, exactly as before. What is
// accepted fills the message exactly as Beast's parser would (its fuzz target checks that).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/exchange.h"

namespace sluice::http {

// True if `in` starts with a whole simple request: `request` is filled and `used` is its length
// (head and body; what follows, a pipelined request, is left). False leaves `request` unusable
// (the caller uses a fresh message for Beast's parser) and `used` 0.
bool ParseSimpleRequest(std::string_view in, uint32_t header_limit, uint64_t body_limit,
                        Request& request, size_t& used);

}  // namespace sluice::http
