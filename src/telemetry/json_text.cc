#include "telemetry/json_text.h"

#include <charconv>
#include <cstdio>
#include <cstring>

namespace sluice::telemetry {

static bool NeedsEscape(char c) {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

void AppendJsonString(std::string& out, std::string_view s) {
  size_t clean = 0;  // the common case has nothing to escape: append it whole
  while (clean < s.size() && !NeedsEscape(s[clean])) ++clean;
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
