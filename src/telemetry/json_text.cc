#include "telemetry/json_text.h"

#include <cstdio>

namespace sluice::telemetry {

static bool NeedsEscape(char c) {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t clean = 0;  // the common case has nothing to escape: append it whole
  while (clean < s.size() && !NeedsEscape(s[clean])) ++clean;
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

}  // namespace sluice::telemetry
