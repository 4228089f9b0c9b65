#include "http/sse.h"

#include <cstring>

namespace sluice::http {

size_t FindSseEventEnd(std::string_view text, size_t* body_len) {
  // An event ends at an empty line: "\n\n", "\n\r\n" (CRLF endings) once a line has started.
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    if (!nl) return std::string_view::npos;
    size_t i = static_cast<size_t>(static_cast<const char*>(nl) - text.data());
    size_t next = i + 1;
    if (next < text.size() && text[next] == '\n') {
      *body_len = i + 1;
      return next + 1;
    }
    if (next + 1 < text.size() && text[next] == '\r' && text[next + 1] == '\n') {
      *body_len = i + 1;
      return next + 2;
    }
    // A stream that starts with a blank line (keep-alive padding) is an empty event.
    if (i == 0 || (i == 1 && text[0] == '\r')) {
      *body_len = 0;
      return next;
    }
    pos = next;
  }
  return std::string_view::npos;
}

SseEvent SseSplitter::ParseEvent(std::string_view raw, std::string_view body) {
  SseEvent ev{raw, {}, {}};
  int data_lines = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == ':') continue;  // comment
    size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (data_lines == 0) {
        ev.data = value;
      } else {
        if (data_lines == 1) joined_data_.assign(ev.data);
        joined_data_.push_back('\n');
        joined_data_.append(value);
        ev.data = joined_data_;
      }
      ++data_lines;
    } else if (field == "event") {
      ev.name = value;
    }
  }
  return ev;
}

}  // namespace sluice::http
