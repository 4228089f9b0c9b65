#pragma once
// HTTP/1.1 response body framing, sans-I/O: a Content-Length, chunked or read-until-close body is
// decoded from the connection's read buffer into the caller's output buffer. The upstream client
// uses it instead of Beast's body parser: a streamed answer sends one HTTP chunk per SSE event, and
// Beast's parser returns to its caller, with its error_code plumbing, once per chunk (about 500
// instructions per event, a sixth of a pass-through stream's user CPU).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::http {

class BodyDecoder {
 public:
  enum class Framing {
    kNone,        // no body (204, 304, HEAD, Content-Length: 0)
    kLength,      // Content-Length bytes
    kChunked,     // Transfer-Encoding: chunked (chunk extensions and trailers are skipped)
    kUntilClose,  // neither: the body ends when the peer closes the connection
  };
  enum class Status { kOk, kBad, kTooLarge };

  // Starts a body. `limit` bounds the decoded bytes (kTooLarge past it).
  void Reset(Framing framing, uint64_t content_length, uint64_t limit);

  // Decodes as much of `in` as fits into out[0, out_cap): appends to `out_len` and returns how many
  // bytes of `in` were used. Bytes not used (an unfinished chunk-size line, or what follows the
  // body) must be passed again, with more after them. Stops at the end of the body.
  size_t Decode(std::string_view in, char* out, size_t out_cap, size_t& out_len);

  // The peer closed the connection: the end of a read-until-close body (for the other framings the
  // body is cut short, which the caller reports).
  void OnEof() {
    if (framing_ == Framing::kUntilClose && state_ == State::kData) state_ = State::kDone;
  }

  bool done() const { return state_ == State::kDone; }
  Status status() const { return status_; }
  bool until_close() const { return framing_ == Framing::kUntilClose; }

 private:
  enum class State { kData, kSize, kDataEnd, kTrailer, kDone };
  // Handles one whole line at the front of `in` (kSize or kTrailer); returns the bytes used, 0 if
  // the line is not complete yet.
  size_t Line(std::string_view in);
  // The common case of a chunked body, at the start of a chunk: decodes the whole chunks (size
  // line, data, CRLF) that are in [p, end) and fit the output in one tight loop; returns the bytes
  // used. Whatever it leaves (a cut chunk, the last chunk, anything unusual) goes through the state
  // machine.
  size_t WholeChunks(const char* p, const char* end, char* out, size_t out_cap, size_t& out_len);
  // A chunk-size line was read: its data follows, or the trailer for the last chunk.
  void StartChunk(uint64_t size);
  void Fail(Status s) {
    status_ = s;
    state_ = State::kDone;
  }

  Framing framing_ = Framing::kNone;
  State state_ = State::kDone;
  Status status_ = Status::kOk;
  uint64_t remaining_ = 0;  // bytes left in the body (kLength) or the current chunk (kChunked)
  uint64_t total_ = 0;      // decoded so far
  uint64_t limit_ = 0;
};

}  // namespace sluice::http
