#pragma once
// A strict reader of one JSON text, for hot paths that need the validity of a document and a few
// of its fields, not a DOM: no allocation, one pass, nothing copied.
//
// It accepts a subset of what core::ParseJson accepts. Whatever it is not sure to read exactly as
// the DOM would (an escaped or duplicate key, an integer of more than 18 digits, a number with more
// than 32 digits or an exponent of more than two, a lone surrogate escape, nesting deeper than
// kMaxDepth, more than kMaxKeys keys open at once) makes it fail, like invalid JSON does. So a
// caller treats failure as "not for the fast path" and hands the text to the DOM parse, which then
// gives the authoritative answer or error. Because duplicate keys are refused, what a caller reads
// here is what any parser of the same text reads, whichever duplicate it would keep.
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

class JsonReader {
 public:
  static constexpr int kMaxDepth = 32;
  static constexpr int kMaxKeys = 128;

  enum class Kind : uint8_t { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull, kBad };

  explicit JsonReader(std::string_view text)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  bool failed() const { return failed_; }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }  // of the next byte to read

  // The kind of the next value (whitespace skipped); kBad at the end or on any other byte.
  Kind Peek();

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
  void SkipWhitespace();
  bool Enter(char open);
  bool Literal(std::string_view word);
  bool Number(bool& integer, int64_t& value);
  bool Escape(size_t& decoded);
  bool Utf8Sequence();
  bool IsDuplicate(std::string_view key) const;

  const char* begin_;
  const char* p_;
  const char* end_;
  bool failed_ = false;
  int depth_ = 0;
  std::array<char, kMaxDepth + 1> close_{};         // what closes the container at each depth
  std::array<bool, kMaxDepth + 1> first_{};         // no member or element read yet at this depth
  std::array<uint16_t, kMaxDepth + 1> key_base_{};  // where each open object's keys start in keys_
  std::array<std::string_view, kMaxKeys> keys_;     // keys of the open objects, innermost last
  uint16_t key_count_ = 0;
};

}  // namespace sluice::core
