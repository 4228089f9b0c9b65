#pragma once
// HTTP/1.1 response head (status line and header fields) from an upstream, parsed sans-I/O. The
// upstream client uses it instead of Beast's response parser, which cost about 3,500 instructions
// per answer (a field-name table lookup and a token-list pass per field, an allocation per
// field). Strict: CRLF line endings only, token field names, no obs-fold, no control characters
// in values, Content-Length conflicting with itself or with Transfer-Encoding, duplicate
// Transfer-Encoding, and a head over the limit are all rejected (a gateway may refuse what it
// cannot relay unambiguously).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::http {

class ResponseHead {
 public:
  enum class Result { kIncomplete, kDone, kBad, kTooLarge };

  // Starts a new head (keeps the storage of the last one).
  void Reset();
  // Parses the head at the front of `in`, which holds every byte received so far for it (call
  // again with more when kIncomplete). On kDone, `used` is the length of the head, blank line
  // included; the body follows. The head is copied: `in` may go once Parse returns.
  Result Parse(std::string_view in, size_t limit, size_t& used);

  int status() const { return status_; }
  int version() const { return version_; }  // 10 or 11
  // The first field named `name` (any case), or empty.
  std::string_view header(std::string_view name) const;
  bool chunked() const { return chunked_; }
  std::optional<uint64_t> content_length() const { return content_length_; }
  // No body follows: 1xx, 204, 304 or Content-Length: 0.
  bool no_body() const;
  // The connection may carry another request after this answer (HTTP/1.1 without
  // "Connection: close", HTTP/1.0 with "Connection: keep-alive"). The body's framing decides too.
  bool keep_alive() const;

 private:
  struct Field {
    uint32_t name_at, name_len, value_at, value_len;
  };
  bool ParseStatusLine(const char*& p, const char* end);
  bool ParseField(const char*& p, const char* end);
  bool NoteField(std::string_view name, std::string_view value);

  std::string text_;
  std::vector<Field> fields_;
  size_t scanned_ = 0;  // bytes already searched for the blank line
  int status_ = 0;
  int version_ = 0;
  bool chunked_ = false;
  bool has_transfer_encoding_ = false;
  bool close_ = false;
  bool keep_alive_token_ = false;
  std::optional<uint64_t> content_length_;
};

}  // namespace sluice::http
