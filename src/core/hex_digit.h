#pragma once
// The value of a hex digit, for the parsers that read them (chunk sizes, JSON \u escapes,
// percent-escapes).
#include <array>
#include <cstdint>

namespace sluice::core {

// Value of each byte as a hex digit, -1 if it is none: one load per digit.
inline constexpr std::array<int8_t, 256> kHexDigit = [] {
  std::array<int8_t, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = c >= '0' && c <= '9'   ? static_cast<int8_t>(c - '0')
           : c >= 'a' && c <= 'f' ? static_cast<int8_t>(c - 'a' + 10)
           : c >= 'A' && c <= 'F' ? static_cast<int8_t>(c - 'A' + 10)
                                  : int8_t{-1};
  return t;
}();

inline int HexValue(char c) { return kHexDigit[static_cast<unsigned char>(c)]; }

}  // namespace sluice::core
