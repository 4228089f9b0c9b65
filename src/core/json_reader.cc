#include "core/json_reader.h"

#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/hex_digit.h"

namespace sluice::core {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A byte a string cannot hold as it is: '"', '\\', a control character, or a non-ASCII byte
// (which starts a UTF-8 sequence to check).
bool IsSpecial(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80; }

// The code unit of the four hex digits at `p`, or -1.
int Hex4(const char* p) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    int d = HexValue(p[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

bool IsContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Skips plain string bytes 16 at a time: the first special byte, or where fewer than 16 bytes are
// left (the caller checks those one by one, as it does everything without SSE2). Strings are most
// of a request's bytes.
const char* SkipPlain(const char* p, const char* end) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  for (; end - p >= 16; p += 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed, bytes >= 0x80 are negative: "less than 0x20" catches controls and non-ASCII at once.
    __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                     _mm_cmplt_epi8(x, space));
    if (int mask = _mm_movemask_epi8(special))
      return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  return p;
}

}  // namespace

bool JsonReader::ReadString(JsonString& s) {
  SkipWhitespace();
  if (p_ == end_ || *p_ != '"') return Fail();
  const char* start = ++p_;
  size_t shrink = 0;  // bytes the escapes lose once decoded
  s.escaped = false;
  for (;;) {
    p_ = SkipPlain(p_, end_);
    while (p_ < end_ && !IsSpecial(static_cast<unsigned char>(*p_))) ++p_;
    if (p_ == end_) return Fail();
    unsigned char c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      s.raw = std::string_view(start, static_cast<size_t>(p_ - start));
      s.decoded_size = s.raw.size() - shrink;
      ++p_;
      return true;
    }
    if (c == '\\') {
      s.escaped = true;
      size_t before = static_cast<size_t>(p_ - start);
      size_t decoded = 0;
      if (!Escape(decoded)) return Fail();
      shrink += static_cast<size_t>(p_ - start) - before - decoded;
      continue;
    }
    if (c < 0x20 || !Utf8Sequence()) return Fail();
  }
}

// One escape at p_ (a backslash); `decoded` is the bytes it stands for in UTF-8. A surrogate
// escape is read only as half of a proper pair.
bool JsonReader::Escape(size_t& decoded) {
  if (end_ - p_ < 2) return false;
  switch (p_[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      p_ += 2;
      decoded = 1;
      return true;
    case 'u':
      break;
    default:
      return false;
  }
  if (end_ - p_ < 6) return false;
  int unit = Hex4(p_ + 2);
  if (unit < 0) return false;
  p_ += 6;
  if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate first
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return false;
    int low = Hex4(p_ + 2);
    if (low < 0xDC00 || low > 0xDFFF) return false;
    p_ += 6;
    decoded = 4;
    return true;
  }
  decoded = unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
  return true;
}

// One well-formed UTF-8 sequence at p_ (Unicode's table 3-7: no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool JsonReader::Utf8Sequence() {
  auto at = [this](int i) { return static_cast<unsigned char>(p_[i]); };
  unsigned char c = at(0);
  size_t avail = static_cast<size_t>(end_ - p_);
  if (c >= 0xC2 && c <= 0xDF) {
    if (avail < 2 || !IsContinuation(at(1))) return false;
    p_ += 2;
    return true;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3 || !IsContinuation(at(1)) || !IsContinuation(at(2))) return false;
    if (c == 0xE0 && at(1) < 0xA0) return false;  // overlong
    if (c == 0xED && at(1) > 0x9F) return false;  // a surrogate
    p_ += 3;
    return true;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4 || !IsContinuation(at(1)) || !IsContinuation(at(2)) || !IsContinuation(at(3)))
      return false;
    if (c == 0xF0 && at(1) < 0x90) return false;  // overlong
    if (c == 0xF4 && at(1) > 0x8F) return false;  // above U+10FFFF
    p_ += 4;
    return true;
  }
  return false;
}

bool JsonReader::Literal(std::string_view word) {
  SkipWhitespace();
  if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()))
    return Fail();
  p_ += word.size();
  return true;
}

bool JsonReader::ReadBool(bool& v) {
  Kind k = Peek();
  if (k != Kind::kTrue && k != Kind::kFalse) return Fail();
  v = k == Kind::kTrue;
  return Literal(v ? "true" : "false");
}

bool JsonReader::ReadNull() { return Literal("null"); }

bool JsonReader::Number(bool& integer, int64_t& value) {
  SkipWhitespace();
  bool negative = p_ < end_ && *p_ == '-';
  if (negative) ++p_;
  if (p_ == end_ || !IsDigit(*p_)) return Fail();
  uint64_t magnitude = 0;
  int digits = 0;
  if (*p_ == '0') {
    ++p_;
    digits = 1;
  } else {
    for (; p_ < end_ && IsDigit(*p_); ++p_, ++digits)
      magnitude = magnitude * 10 + static_cast<uint64_t>(*p_ - '0');
  }
  int integer_digits = digits;
  integer = true;
  if (p_ < end_ && *p_ == '.') {
    ++p_;
    integer = false;
    int fraction = 0;
    for (; p_ < end_ && IsDigit(*p_); ++p_) ++fraction;
    if (fraction == 0) return Fail();
    digits += fraction;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    integer = false;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    int exponent = 0;
    for (; p_ < end_ && IsDigit(*p_); ++p_) ++exponent;
    if (exponent == 0 || exponent > 2) return Fail();
  }
  if (digits > 32 || (integer && integer_digits > 18)) return Fail();
  value = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

bool JsonReader::ReadNumber() {
  bool integer;
  int64_t value;
  return Number(integer, value);
}

bool JsonReader::ReadInteger(int64_t& v) {
  const char* start = p_;
  bool integer;
  if (!Number(integer, v) || !integer) return Fail();
  // "-0": whether a parser keeps it as an integer or a double is its own choice.
  if (v == 0 && *start == '-') return Fail();
  return true;
}

bool JsonReader::Enter(char open) {
  SkipWhitespace();
  if (p_ == end_ || *p_ != open || depth_ == kMaxDepth) return Fail();
  ++p_;
  ++depth_;
  close_[depth_] = open == '{' ? '}' : ']';
  first_[depth_] = true;
  key_base_[depth_] = key_count_;
  return true;
}

bool JsonReader::EnterObject() { return Enter('{'); }
bool JsonReader::EnterArray() { return Enter('['); }

namespace {

// Size, first, middle and last byte: different for most distinct keys, so the bytes of a key are
// compared only with keys that are probably equal.
uint32_t KeyTag(std::string_view key) {
  if (key.empty()) return 0;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(key[i])); };
  return (static_cast<uint32_t>(key.size()) << 24) ^ (byte(0) << 16) ^ (byte(key.size() / 2) << 8) ^
         byte(key.size() - 1);
}

}  // namespace

bool JsonReader::IsDuplicate(std::string_view key, uint32_t tag) const {
  for (int i = key_base_[depth_]; i < key_count_; ++i)
    if (key_tags_[i] == tag && key_size_[i] == key.size() &&
        std::memcmp(key_data_[i], key.data(), key.size()) == 0)
      return true;
  return false;
}

// A key, at p_ (its opening quote): the common plain ASCII key in one step, anything else through
// ReadString.
bool JsonReader::ReadKey(JsonString& key) {
  if (p_ == end_ || *p_ != '"') return false;
  const char* start = p_ + 1;
  const char* q = SkipPlain(start, end_);
  while (q < end_ && !IsSpecial(static_cast<unsigned char>(*q))) ++q;
  if (q < end_ && *q == '"') {
    key.raw = std::string_view(start, static_cast<size_t>(q - start));
    key.decoded_size = key.raw.size();
    key.escaped = false;
    p_ = q + 1;
    return true;
  }
  return ReadString(key);
}

bool JsonReader::Member(JsonString& key) {
  if (failed_) return false;
  if (depth_ == 0 || close_[depth_] != '}') return Fail();
  SkipWhitespace();
  if (p_ == end_) return Fail();
  if (*p_ == '}') {
    ++p_;
    key_count_ = key_base_[depth_];
    --depth_;
    return false;
  }
  if (!first_[depth_]) {
    if (*p_ != ',') return Fail();
    ++p_;
    SkipWhitespace();
  }
  first_[depth_] = false;
  if (!ReadKey(key)) return Fail();
  SkipWhitespace();
  if (p_ == end_ || *p_ != ':') return Fail();
  ++p_;
  return true;
}

// Flattened: this is the per-key path of every scan.
[[gnu::flatten]] bool JsonReader::NextKey(std::string_view& key) {
  JsonString name;
  if (!Member(name)) return false;
  if (name.escaped || key_count_ == kMaxKeys) return Fail();
  uint32_t tag = KeyTag(name.raw);
  if (IsDuplicate(name.raw, tag)) return Fail();
  key_data_[key_count_] = name.raw.data();
  key_size_[key_count_] = static_cast<uint32_t>(name.raw.size());
  key_tags_[key_count_++] = tag;
  key = name.raw;
  return true;
}

bool JsonReader::NextElement() {
  if (failed_) return false;
  if (depth_ == 0 || close_[depth_] != ']') return Fail();
  SkipWhitespace();
  if (p_ == end_) return Fail();
  if (*p_ == ']') {
    ++p_;
    --depth_;
    return false;
  }
  if (!first_[depth_]) {
    if (*p_ != ',') return Fail();
    ++p_;
  }
  first_[depth_] = false;
  return true;
}

[[gnu::flatten]] bool JsonReader::SkipValue() {
  switch (Peek()) {
    case Kind::kObject: {
      if (!EnterObject()) return false;
      JsonString key;  // validated, not recorded: nobody reads this object's members
      while (Member(key))
        if (!SkipValue()) return false;
      return !failed_;
    }
    case Kind::kArray: {
      if (!EnterArray()) return false;
      while (NextElement())
        if (!SkipValue()) return false;
      return !failed_;
    }
    case Kind::kString: {
      JsonString s;
      return ReadString(s);
    }
    case Kind::kNumber:
      return ReadNumber();
    case Kind::kTrue:
      return Literal("true");
    case Kind::kFalse:
      return Literal("false");
    case Kind::kNull:
      return Literal("null");
    default:
      return Fail();
  }
}

bool JsonReader::Finish() {
  SkipWhitespace();
  return !failed_ && depth_ == 0 && p_ == end_;
}

}  // namespace sluice::core
