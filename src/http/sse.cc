#include "http/sse.h"

#include <cstring>

namespace sluice::http {

size_t SseSplitter::NextEvent(std::string_view text) {
  event_ = SseEvent{};
  data_lines_ = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    if (!nl) return std::string_view::npos;
    size_t i = static_cast<size_t>(static_cast<const char*>(nl) - text.data());
    std::string_view line = text.substr(pos, i - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t next = i + 1;
    AddLine(line);
    // The event ends at the empty line that follows: "\n" or "\r\n".
    size_t end = std::string_view::npos;
    if (next < text.size() && text[next] == '\n')
      end = next + 1;
    else if (next + 1 < text.size() && text[next] == '\r' && text[next + 1] == '\n')
      end = next + 2;
    // A stream that starts with a blank line (keep-alive padding) is an empty event.
    else if (pos == 0 && line.empty())
      end = next;
    if (end != std::string_view::npos) {
      event_.raw = text.substr(0, end);
      return end;
    }
    pos = next;
  }
  return std::string_view::npos;
}

void SseSplitter::AddLine(std::string_view line) {
  if (line.empty() || line.front() == ':') return;  // comment
  std::string_view field, value;
  if (line.starts_with("data:")) {  // nearly every line
    field = line.substr(0, 4);
    value = line.substr(5);
  } else {
    size_t colon = line.find(':');
    field = line.substr(0, colon);
    if (colon != std::string_view::npos) value = line.substr(colon + 1);
  }
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (data_lines_ == 0) {
      event_.data = value;
    } else {
      if (data_lines_ == 1) joined_data_.assign(event_.data);
      joined_data_.push_back('\n');
      joined_data_.append(value);
      event_.data = joined_data_;
    }
    ++data_lines_;
  } else if (field == "event") {
    event_.name = value;
  }
}

}  // namespace sluice::http
