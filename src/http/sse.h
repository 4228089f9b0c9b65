#pragma once
// Server-Sent Events codec, sans-I/O: bytes in (as they arrive, split anywhere), whole events out.
// Used on upstream streams; each event keeps its raw bytes so a pass-through relay forwards them
// untouched. Lines may end in LF or CRLF.
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::http {

struct SseEvent {
  std::string_view raw;   // the event's bytes, including the blank line that ends it
  std::string_view name;  // value of the "event:" field; empty if none
  std::string_view data;  // "data:" lines joined by '\n'
};

class SseSplitter {
 public:
  explicit SseSplitter(size_t max_event_bytes = 4 << 20) : max_event_bytes_(max_event_bytes) {}

  // Feeds the next bytes of the stream; calls on_event(const SseEvent&) for every event they
  // complete. The views in an event are valid only during the call. Returns false (and stops)
  // when an event grows past max_event_bytes: the stream is malformed.
  template <class OnEvent>
  bool Feed(std::string_view bytes, OnEvent&& on_event);

  // Bytes of an unfinished event held back; non-zero at end of stream means it was truncated.
  size_t pending_bytes() const { return pending_.size(); }

 private:
  // Scans `text` for complete events; returns how many bytes were consumed.
  template <class OnEvent>
  size_t Scan(std::string_view text, OnEvent& on_event);
  // Reads the event at the front of `text` into `event_`, line by line (one memchr per line, the
  // blank line that ends it found without another); returns its length, or npos if it is not
  // complete yet.
  size_t NextEvent(std::string_view text);
  // One field line of the event being read (without its line ending).
  void AddLine(std::string_view line);

  size_t max_event_bytes_;
  std::string pending_;
  std::string joined_data_;
  SseEvent event_;
  int data_lines_ = 0;
};

template <class OnEvent>
size_t SseSplitter::Scan(std::string_view text, OnEvent& on_event) {
  size_t consumed = 0;
  for (;;) {
    size_t end = NextEvent(text.substr(consumed));
    if (end == std::string_view::npos) return consumed;
    on_event(event_);
    consumed += end;
  }
}

template <class OnEvent>
bool SseSplitter::Feed(std::string_view bytes, OnEvent&& on_event) {
  if (pending_.empty()) {
    size_t used = Scan(bytes, on_event);  // common case: no copy at all
    bytes.remove_prefix(used);
    if (bytes.size() > max_event_bytes_) return false;
    pending_.assign(bytes);
    return true;
  }
  pending_.append(bytes);
  size_t used = Scan(std::string_view(pending_), on_event);
  pending_.erase(0, used);
  return pending_.size() <= max_event_bytes_;
}

}  // namespace sluice::http
