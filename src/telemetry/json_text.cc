#include "telemetry/json_text.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace sluice::telemetry {

static bool NeedsEscape(char c) {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

// How many bytes at the front of `s` need no escape. Eight bytes per step (SWAR): a byte below
// 0x20, or equal to '"' or '\\', sets its high bit in `hit` (no false positive for a clean word);
// the exact place is then found byte by byte. The access log runs every string of every line here.
static size_t CleanPrefix(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    uint64_t hit =
        ((x - 0x20 * kOnes) | ((x ^ ('"' * kOnes)) - kOnes) | ((x ^ ('\\' * kOnes)) - kOnes)) & ~x &
        kHigh;
    if (hit) break;
  }
  while (i < s.size() && !NeedsEscape(s[i])) ++i;
  return i;
}

void AppendJsonString(std::string& out, std::string_view s) {
  size_t clean = CleanPrefix(s);  // the common case has nothing to escape: append it whole
  if (clean == s.size() && s.size() <= 128) {  // short and clean: quotes and text in one append
    char buf[130];
    buf[0] = '"';
    if (!s.empty()) std::memcpy(buf + 1, s.data(), s.size());  // an empty view may hold null
    buf[s.size() + 1] = '"';
    out.append(buf, s.size() + 2);
    return;
  }
  out.push_back('"');
  out.append(s.substr(0, clean));
  for (char c : s.substr(clean)) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendJsonInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void AppendJsonUint(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace sluice::telemetry
