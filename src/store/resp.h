#pragma once
// RESP, the Redis protocol, without I/O: commands are encoded into a byte buffer (so many can go out
// in one write: pipelining) and replies are parsed from whatever bytes have arrived, by hiredis's
// reader. Tested and fuzzed without sockets.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::store {

struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // bulk string, status or error text
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::kError; }
};

// Appends one command (an array of bulk strings) to `out`.
void AppendCommand(std::string& out, std::span<const std::string> args);

// A Lua script run with EVALSHA, falling back to EVAL when the server does not know it yet.
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // hex
};

class RespReader {
 public:
  RespReader();
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  enum class Status { kReply, kNeedMore, kProtocolError };
  // Buffers `bytes`; then call Next until it stops returning kReply.
  void Feed(std::string_view bytes);
  Status Next(RedisReply& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool failed_ = false;
};

}  // namespace sluice::store
