#pragma once
// A strict reader of one JSON text, for hot paths that need the validity of a document and a few
// of its fields, not a DOM: no allocation, one pass, nothing copied.
//
// It accepts a subset of what core::ParseJson accepts. Whatever it is not sure to read exactly as
// the DOM would (an escaped or duplicate key in an object read member by member, an integer of more
// than 18 digits, a number with more than 32 digits or an exponent of more than two, a lone
// surrogate escape, nesting deeper than kMaxDepth, more than kMaxKeys keys open at once) makes it
// fail, like invalid JSON does. So a caller treats failure as "not for the fast path" and hands the
// text to the DOM parse, which then gives the authoritative answer or error. Because the objects a
// caller reads by NextKey have no duplicate keys, what it reads there is what any parser of the
// same text reads, whichever duplicate it would keep; values it skips are only validated (their
// keys may repeat: no reader of this text looks at them).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::core {

struct JsonString {
  std::string_view raw;     // between the quotes, as written
  size_t decoded_size = 0;  // its size once escapes are decoded (a DOM string's size())
  bool escaped = false;     // raw holds a backslash escape
};

enum class JsonKind : uint8_t { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull, kBad };

// The kind of value each byte starts.
constexpr std::array<JsonKind, 256> MakeJsonKinds() {
  std::array<JsonKind, 256> k{};
  k.fill(JsonKind::kBad);
  k['{'] = JsonKind::kObject;
  k['['] = JsonKind::kArray;
  k['"'] = JsonKind::kString;
  k['t'] = JsonKind::kTrue;
  k['f'] = JsonKind::kFalse;
  k['n'] = JsonKind::kNull;
  k['-'] = JsonKind::kNumber;
  for (int c = '0'; c <= '9'; ++c) k[c] = JsonKind::kNumber;
  return k;
}
inline constexpr std::array<JsonKind, 256> kJsonKinds = MakeJsonKinds();

class JsonReader {
 public:
  static constexpr int kMaxDepth = 32;
  static constexpr int kMaxKeys = 128;

  using Kind = JsonKind;

  explicit JsonReader(std::string_view text)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  bool failed() const { return failed_; }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }  // of the next byte to read

  // The kind of the next value (whitespace skipped); kBad at the end or on any other byte.
  Kind Peek() {
    SkipWhitespace();
    return p_ == end_ ? Kind::kBad : kJsonKinds[static_cast<unsigned char>(*p_)];
  }

  // Each Read* reads one value of its kind, or fails (and returns false) on anything else.
  bool ReadString(JsonString& s);
  bool ReadBool(bool& v);
  bool ReadNull();
  // An integer literal without fraction or exponent, at most 18 digits, not "-0".
  bool ReadInteger(int64_t& v);
  bool ReadNumber();  // any number within the limits above
  bool SkipValue();   // any value, validated whole

  // Objects: EnterObject(), then `while (NextKey(key)) { read the value }`. NextKey returns false
  // after the closing brace, or on failure: check failed() after the loop. Arrays alike.
  bool EnterObject();
  bool NextKey(std::string_view& key);
  bool EnterArray();
  bool NextElement();

  // True when only whitespace is left after the value read.
  bool Finish();

 private:
  bool Fail() {
    failed_ = true;
    return false;
  }
  void SkipWhitespace() {
    // Compact JSON has none: one comparison decides most calls.
    while (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
      ++p_;
  }
  bool ReadKey(JsonString& key);
  // The next member's key, p_ then at its value; false after the closing brace or on failure.
  bool Member(JsonString& key);
  bool Enter(char open);
  bool Literal(std::string_view word);
  bool Number(bool& integer, int64_t& value);
  bool Escape(size_t& decoded);
  bool Utf8Sequence();
  bool IsDuplicate(std::string_view key, uint32_t tag) const;

  const char* begin_;
  const char* p_;
  const char* end_;
  bool failed_ = false;
  int depth_ = 0;
  // Per depth, set when a container opens (left uninitialised until then: a reader is made per
  // text, and clearing these cost more than reading a short one).
  std::array<char, kMaxDepth + 1> close_;         // what closes the container
  std::array<bool, kMaxDepth + 1> first_;         // no member or element read yet
  std::array<uint16_t, kMaxDepth + 1> key_base_;  // where the object's keys start in key_data_
  // The keys of the objects read by NextKey, innermost last, and a cheap digest of each.
  std::array<const char*, kMaxKeys> key_data_;
  std::array<uint32_t, kMaxKeys> key_size_;
  std::array<uint32_t, kMaxKeys> key_tags_;
  uint16_t key_count_ = 0;
};

}  // namespace sluice::core
