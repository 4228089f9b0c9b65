#include "http/request_fast_path.h"

#include <array>
#include <boost/beast/http/field.hpp>
#include <cstring>

#include "http/head_chars.h"

namespace sluice::http {

namespace {

inline bool IsVisible(char c) { return c > 0x20 && c < 0x7f; }
// Field values taken here: SP, HTAB and visible ASCII (obs-text goes to Beast).
inline bool IsPlainValueChar(char c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; }

// Where a field's name and value are in the input (plain offsets: the array below then costs
// nothing to set up).
struct FieldAt {
  uint32_t name_at, name_len, value_at, value_len;
};

// What the fields say about framing; false for any field this path leaves to Beast.
struct Framing {
  bool has_length = false;
  uint64_t length = 0;

  bool Note(std::string_view name, std::string_view value) {
    switch (name.size()) {
      case 6:
        return !EqualsLower(name, "expect");
      case 7:
        return !EqualsLower(name, "upgrade");
      case 10:
        if (EqualsLower(name, "connection"))
          return EqualsLower(value, "keep-alive") || EqualsLower(value, "close");
        return true;
      case 14:
        if (EqualsLower(name, "content-length")) return NoteLength(value);
        return true;
      case 16:
        return !EqualsLower(name, "proxy-connection");
      case 17:
        return !EqualsLower(name, "transfer-encoding");
      default:
        return true;
    }
  }

  // One plain decimal, given once.
  bool NoteLength(std::string_view value) {
    if (has_length || value.empty() || value.size() > 18) return false;
    for (char c : value) {
      if (c < '0' || c > '9') return false;
      length = length * 10 + static_cast<uint64_t>(c - '0');
    }
    has_length = true;
    return true;
  }
};

}  // namespace

bool ParseSimpleRequest(std::string_view in, uint32_t header_limit, uint64_t body_limit,
                        Request& request, size_t& used) {
  used = 0;
  // The whole head must be there, well inside Beast's header limit.
  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos || head_end + 4 >= header_limit) return false;
  const char* p = in.data();
  const char* const last = p + head_end + 2;  // the blank line's CRLF

  // request-line = method SP request-target SP HTTP-version CRLF
  const char* method = p;
  while (kTokenChars[static_cast<unsigned char>(*p)]) ++p;
  if (p == method || *p != ' ') return false;
  std::string_view method_text(method, static_cast<size_t>(p - method));
  const char* target = ++p;
  while (IsVisible(*p)) ++p;
  if (p == target || *p != ' ') return false;
  std::string_view target_text(target, static_cast<size_t>(p - target));
  ++p;
  if (last - p < 10 || std::memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
      p[8] != '\r' || p[9] != '\n')
    return false;
  int version = p[7] == '1' ? 11 : 10;
  p += 10;

  // header-field = field-name ":" OWS field-value OWS CRLF; a line starting with SP or HTAB
  // (obs-fold) stops at the name check.
  std::array<FieldAt, 32> fields;
  size_t count = 0;
  Framing framing;
  while (p < last) {
    const char* name = p;
    while (kTokenChars[static_cast<unsigned char>(*p)]) ++p;
    if (p == name || *p != ':' || count == fields.size()) return false;
    std::string_view name_text(name, static_cast<size_t>(p - name));
    const char* value = ++p;
    while (IsPlainValueChar(*p)) ++p;
    if (p[0] != '\r' || p[1] != '\n') return false;
    std::string_view value_text = TrimOws(std::string_view(value, static_cast<size_t>(p - value)));
    p += 2;
    if (!framing.Note(name_text, value_text)) return false;
    fields[count++] = {static_cast<uint32_t>(name_text.data() - in.data()),
                       static_cast<uint32_t>(name_text.size()),
                       static_cast<uint32_t>(value_text.data() - in.data()),
                       static_cast<uint32_t>(value_text.size())};
  }

  size_t head_size = head_end + 4;
  if (framing.length > body_limit || in.size() - head_size < framing.length) return false;

  request.method_string(method_text);
  request.target(target_text);
  request.version(version);
  for (size_t i = 0; i < count; ++i) {
    std::string_view name = in.substr(fields[i].name_at, fields[i].name_len);
    request.insert(boost::beast::http::string_to_field(name), name,
                   in.substr(fields[i].value_at, fields[i].value_len));
  }
  request.body().assign(in.data() + head_size, framing.length);
  used = head_size + framing.length;
  return true;
}

}  // namespace sluice::http
