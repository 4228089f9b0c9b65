#include "http/response_head.h"

#include <array>
#include <cstring>

#include "http/head_chars.h"

namespace sluice::http {

namespace {

// Field values and the reason phrase: HTAB, SP, VCHAR, obs-text (no other control character).
constexpr std::array<bool, 256> MakeTextTable() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 256; ++c) t[c] = c != 0x7f;
  t['\t'] = true;
  return t;
}
constexpr std::array<bool, 256> kText = MakeTextTable();

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

// Calls `f` with each element of a comma-separated list, OWS trimmed (empty elements included).
template <typename F>
void ForEachListElement(std::string_view list, F f) {
  for (;;) {
    size_t comma = list.find(',');
    f(TrimOws(list.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// A non-empty run of decimal digits that fits 64 bits.
std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

void ResponseHead::Reset() {
  text_.clear();
  fields_.clear();
  scanned_ = 0;
  status_ = 0;
  version_ = 0;
  chunked_ = false;
  has_transfer_encoding_ = false;
  close_ = false;
  keep_alive_token_ = false;
  content_length_.reset();
}

ResponseHead::Result ResponseHead::Parse(std::string_view in, size_t limit, size_t& used) {
  used = 0;
  // The head ends at the first blank line; a later call searches only the bytes added since.
  size_t from = scanned_ >= 3 ? scanned_ - 3 : 0;
  const void* hit = nullptr;
  size_t end = 0;
  for (size_t i = from; i + 4 <= in.size();) {
    hit = std::memchr(in.data() + i, '\r', in.size() - 3 - i);
    if (!hit) break;
    i = static_cast<size_t>(static_cast<const char*>(hit) - in.data());
    if (std::memcmp(in.data() + i, "\r\n\r\n", 4) == 0) {
      end = i + 4;
      break;
    }
    hit = nullptr;
    ++i;
  }
  if (!hit) {
    // A bare LF would never end the head: refused at once rather than at the size limit.
    for (size_t i = from; i < in.size(); ++i)
      if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) return Result::kBad;
    scanned_ = in.size();
    return in.size() >= limit ? Result::kTooLarge : Result::kIncomplete;
  }
  if (end > limit) return Result::kTooLarge;
  text_.assign(in.data(), end);
  const char* p = text_.data();
  const char* last = p + end - 2;  // the final CRLF
  if (!ParseStatusLine(p, last)) return Result::kBad;
  while (p < last)
    if (!ParseField(p, last)) return Result::kBad;
  used = end;
  return Result::kDone;
}

// status-line = HTTP-version SP 3DIGIT SP reason-phrase CRLF, versions 1.0 and 1.1 only.
bool ResponseHead::ParseStatusLine(const char*& p, const char* end) {
  if (end - p < 14 || std::memcmp(p, "HTTP/1.", 7) != 0) return false;
  if (p[7] != '0' && p[7] != '1') return false;
  version_ = p[7] == '1' ? 11 : 10;
  if (p[8] != ' ') return false;
  for (int i = 9; i < 12; ++i)
    if (p[i] < '0' || p[i] > '9') return false;
  status_ = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  if (p[12] != ' ') return false;
  p += 13;
  // Every scan below stops at a CR at the latest: the head ends with CRLF CRLF.
  while (kText[static_cast<unsigned char>(*p)]) ++p;
  if (p >= end || p[0] != '\r' || p[1] != '\n') return false;
  p += 2;
  return true;
}

// header-field = field-name ":" OWS field-value OWS CRLF. A line starting with SP or HTAB would
// be obs-fold: refused.
bool ResponseHead::ParseField(const char*& p, const char* end) {
  const char* name = p;
  while (kTokenChars[static_cast<unsigned char>(*p)]) ++p;
  if (p == name || *p != ':') return false;
  const char* name_end = p++;
  const char* value = p;
  while (kText[static_cast<unsigned char>(*p)]) ++p;
  if (p >= end || p[0] != '\r' || p[1] != '\n') return false;
  std::string_view v = TrimOws(std::string_view(value, static_cast<size_t>(p - value)));
  std::string_view n(name, static_cast<size_t>(name_end - name));
  p += 2;
  fields_.push_back(
      {static_cast<uint32_t>(n.data() - text_.data()), static_cast<uint32_t>(n.size()),
       static_cast<uint32_t>(v.data() - text_.data()), static_cast<uint32_t>(v.size())});
  return NoteField(n, v);
}

// The fields that frame the body or decide the connection's reuse.
bool ResponseHead::NoteField(std::string_view name, std::string_view value) {
  if (name.size() != 14 && name.size() != 17 && name.size() != 10) return true;  // none of ours
  if (EqualsLower(name, "content-length")) {
    if (has_transfer_encoding_) return false;
    bool ok = true;
    ForEachListElement(value, [&](std::string_view element) {
      auto n = ParseDecimal(element);
      if (!n || (content_length_ && *content_length_ != *n)) ok = false;
      if (n) content_length_ = n;
    });
    return ok;
  }
  if (EqualsLower(name, "transfer-encoding")) {
    if (has_transfer_encoding_ || content_length_) return false;
    has_transfer_encoding_ = true;
    // Chunked framing only when chunked is the last coding applied.
    std::string_view last_coding;
    ForEachListElement(value, [&](std::string_view element) {
      if (!element.empty()) last_coding = element;
    });
    chunked_ = EqualsLower(last_coding, "chunked");
    return true;
  }
  if (EqualsLower(name, "connection")) {
    ForEachListElement(value, [&](std::string_view element) {
      if (EqualsLower(element, "close")) close_ = true;
      if (EqualsLower(element, "keep-alive")) keep_alive_token_ = true;
    });
  }
  return true;
}

std::string_view ResponseHead::header(std::string_view name) const {
  for (const Field& f : fields_)
    if (EqualsNoCase(std::string_view(text_.data() + f.name_at, f.name_len), name))
      return std::string_view(text_.data() + f.value_at, f.value_len);
  return {};
}

bool ResponseHead::no_body() const {
  return status_ / 100 == 1 || status_ == 204 || status_ == 304 ||
         (!chunked_ && content_length_ == 0u);
}

bool ResponseHead::keep_alive() const {
  if (close_) return false;
  return version_ >= 11 || keep_alive_token_;
}

}  // namespace sluice::http
