#include "http/body_decoder.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/hex_digit.h"

namespace sluice::http {

namespace {

// A chunk-size line (size and extensions) or trailer field longer than this is not HTTP we serve.
constexpr size_t kMaxLine = 8 * 1024;

using core::kHexDigit;

// Reads the hex digits of a chunk-size line at p (at most 16); returns where they stop.
const char* ParseHex(const char* p, const char* end, uint64_t& size) {
  const char* q = p;
  size = 0;
  for (int d; q < end && q - p < 16 && (d = kHexDigit[static_cast<unsigned char>(*q)]) >= 0; ++q)
    size = size << 4 | static_cast<uint64_t>(d);
  return q;
}

}  // namespace

void BodyDecoder::Reset(Framing framing, uint64_t content_length, uint64_t limit) {
  framing_ = framing;
  status_ = Status::kOk;
  total_ = 0;
  limit_ = limit;
  remaining_ = content_length;
  switch (framing) {
    case Framing::kNone:
      state_ = State::kDone;
      break;
    case Framing::kLength:
      state_ = State::kData;
      if (content_length == 0) state_ = State::kDone;
      if (content_length > limit) Fail(Status::kTooLarge);
      break;
    case Framing::kChunked:
      state_ = State::kSize;
      break;
    case Framing::kUntilClose:
      state_ = State::kData;
      break;
  }
}

size_t BodyDecoder::Line(std::string_view in) {
  const void* nl = std::memchr(in.data(), '\n', std::min(in.size(), kMaxLine));
  if (!nl) {
    if (in.size() >= kMaxLine) Fail(Status::kBad);
    return 0;
  }
  size_t used = static_cast<size_t>(static_cast<const char*>(nl) - in.data()) + 1;
  if (used < 2 || in[used - 2] != '\r') {  // lines end in CRLF
    Fail(Status::kBad);
    return 0;
  }
  std::string_view line = in.substr(0, used - 2);
  if (state_ == State::kTrailer) {
    if (line.empty()) state_ = State::kDone;  // trailer fields are not used
    return used;
  }
  // chunk-size [ chunk-ext ]: hex digits, then optional whitespace and ";name=value..." (ignored).
  // A 17th digit (an overflow) is neither.
  uint64_t size = 0;
  size_t digits =
      static_cast<size_t>(ParseHex(line.data(), line.data() + line.size(), size) - line.data());
  size_t i = digits;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (digits == 0 || (i < line.size() && line[i] != ';')) {
    Fail(Status::kBad);
    return 0;
  }
  StartChunk(size);
  return used;
}

void BodyDecoder::StartChunk(uint64_t size) {
  if (size == 0) {
    state_ = State::kTrailer;
  } else {
    remaining_ = size;
    state_ = State::kData;
  }
}

size_t BodyDecoder::WholeChunks(const char* p, const char* end, char* out, size_t out_cap,
                                size_t& out_len) {
  const char* const start = p;
  while (state_ == State::kSize) {
    uint64_t size = 0;
    const char* data = ParseHex(p, end, size);
    if (data == p || size == 0 || end - data < 2 || data[0] != '\r' || data[1] != '\n') break;
    data += 2;
    auto avail = static_cast<uint64_t>(end - data);  // the data and its CRLF must be there
    if (avail < 2 || size > avail - 2 || size > out_cap - out_len || size > limit_ - total_ ||
        data[size] != '\r' || data[size + 1] != '\n')
      break;
    std::memcpy(out + out_len, data, size);
    out_len += size;
    total_ += size;
    p = data + size + 2;
  }
  return static_cast<size_t>(p - start);
}

size_t BodyDecoder::Decode(std::string_view in, char* out, size_t out_cap, size_t& out_len) {
  const char* p = in.data();
  const char* const end = p + in.size();
  auto used = [&] { return static_cast<size_t>(p - in.data()); };
  if (p < end) p += WholeChunks(p, end, out, out_cap, out_len);
  while (state_ != State::kDone && p < end) {
    switch (state_) {
      case State::kData: {
        size_t n = std::min(static_cast<size_t>(end - p), out_cap - out_len);
        if (framing_ != Framing::kUntilClose)
          n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
        if (n == 0) return used();  // the output is full
        if (total_ + n > limit_) {
          Fail(Status::kTooLarge);
          return used();
        }
        std::memcpy(out + out_len, p, n);
        out_len += n;
        total_ += n;
        p += n;
        if (framing_ == Framing::kUntilClose) break;
        remaining_ -= n;
        if (remaining_ == 0)
          state_ = framing_ == Framing::kChunked ? State::kDataEnd : State::kDone;
        break;
      }
      case State::kDataEnd:
        if (end - p < 2) return used();
        if (p[0] != '\r' || p[1] != '\n') {
          Fail(Status::kBad);
          return used();
        }
        p += 2;
        state_ = State::kSize;
        break;
      case State::kSize: {
        // The usual line, hex digits and CRLF, read in place; anything else (extensions,
        // whitespace, a line cut by the read, junk) goes the long way through Line.
        uint64_t size = 0;
        const char* q = ParseHex(p, end, size);
        if (q > p && end - q >= 2 && q[0] == '\r' && q[1] == '\n') {
          StartChunk(size);
          p = q + 2;
          break;
        }
        [[fallthrough]];
      }
      case State::kTrailer: {
        size_t n = Line(std::string_view(p, static_cast<size_t>(end - p)));
        if (n == 0) return used();
        p += n;
        break;
      }
      case State::kDone:
        break;
    }
  }
  return used();
}

}  // namespace sluice::http
