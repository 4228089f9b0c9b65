// libFuzzer target: arbitrary bytes from a "Redis server", fed to the RESP reader in two pieces
// split at a point taken from the input. Invariants: no crash, no hang; once the reader reports a
// protocol error it keeps doing so; every reply it returns is well-formed enough to walk.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/resp.h"

namespace {

size_t Walk(const sluice::store::RedisReply& r, int depth) {
  if (depth > 64) std::abort();
  size_t n = 1;
  for (const auto& e : r.elements) n += Walk(e, depth + 1);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  sluice::store::RespReader reader;
  sluice::store::RedisReply reply;
  bool failed = false;
  for (std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
    reader.Feed(piece);
    for (;;) {
      auto status = reader.Next(reply);
      if (status == sluice::store::RespReader::Status::kReply) {
        if (failed) std::abort();
        Walk(reply, 0);
        continue;
      }
      if (status == sluice::store::RespReader::Status::kProtocolError) failed = true;
      break;
    }
  }
  return 0;
}
