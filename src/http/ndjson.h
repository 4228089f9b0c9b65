#pragma once
// Newline-delimited JSON framing (application/x-ndjson, as Ollama streams), sans-I/O: bytes in as
// they arrive, split anywhere, whole lines out. A line ends at LF; a CR before it is dropped (CRLF
// tolerated); blank lines (empty or only spaces, tabs and CRs) are skipped. Lines are not parsed
// here: each one goes to the stream decoder as one event.
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::http {

// The line without its trailing CR; empty when the line is blank (to be skipped).
std::string_view NdjsonLineContent(std::string_view line);

class NdjsonSplitter {
 public:
  explicit NdjsonSplitter(size_t max_line_bytes = 4 << 20) : max_line_bytes_(max_line_bytes) {}

  // Feeds the next bytes of the stream; calls on_line(std::string_view) for every non-blank line
  // they complete (the view is valid only during the call). Returns false, and from then on
  // refuses every Feed, when a line grows past max_line_bytes: the stream is malformed.
  template <class OnLine>
  bool Feed(std::string_view bytes, OnLine&& on_line);

  // At end of stream: hands over a last line that had no newline (if not blank) and forgets it.
  // Returns whether such a line was pending.
  template <class OnLine>
  bool Flush(OnLine&& on_line);

  // Bytes of an unfinished line held back; non-zero at end of stream means it was cut short.
  size_t pending_bytes() const { return pending_.size(); }
  bool failed() const { return failed_; }

 private:
  bool Fail() {
    failed_ = true;
    pending_.clear();
    return false;
  }

  size_t max_line_bytes_;
  std::string pending_;
  bool failed_ = false;
};

template <class OnLine>
bool NdjsonSplitter::Feed(std::string_view bytes, OnLine&& on_line) {
  if (failed_) return false;
  auto find_newline = [](std::string_view text) -> size_t {
    const void* nl = text.empty() ? nullptr : std::memchr(text.data(), '\n', text.size());
    return nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data())
              : std::string_view::npos;
  };
  if (!pending_.empty()) {
    size_t nl = find_newline(bytes);
    size_t more = nl == std::string_view::npos ? bytes.size() : nl;
    if (pending_.size() + more > max_line_bytes_) return Fail();
    pending_.append(bytes.substr(0, more));
    if (nl == std::string_view::npos) return true;
    std::string line = std::move(pending_);
    pending_.clear();
    if (std::string_view content = NdjsonLineContent(line); !content.empty()) on_line(content);
    bytes.remove_prefix(nl + 1);
  }
  for (;;) {  // common case: whole lines straight from the caller's buffer, no copy
    size_t nl = find_newline(bytes);
    if (nl == std::string_view::npos) break;
    if (nl > max_line_bytes_) return Fail();
    if (std::string_view content = NdjsonLineContent(bytes.substr(0, nl)); !content.empty())
      on_line(content);
    bytes.remove_prefix(nl + 1);
  }
  if (bytes.size() > max_line_bytes_) return Fail();
  pending_.assign(bytes);
  return true;
}

template <class OnLine>
bool NdjsonSplitter::Flush(OnLine&& on_line) {
  if (pending_.empty()) return false;
  std::string line = std::move(pending_);
  pending_.clear();
  if (std::string_view content = NdjsonLineContent(line); !content.empty()) on_line(content);
  return true;
}

}  // namespace sluice::http
