#include "store/resp.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

namespace sluice::store {

void AppendCommand(std::string& out, std::span<const std::string> args) {
  out.push_back('*');
  out.append(std::to_string(args.size())).append("\r\n");
  for (const std::string& a : args) {
    out.push_back('$');
    out.append(std::to_string(a.size())).append("\r\n").append(a).append("\r\n");
  }
}

RedisScript::RedisScript(std::string text) : source(std::move(text)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : digest) {
    sha1.push_back(kHex[b >> 4]);
    sha1.push_back(kHex[b & 15]);
  }
}

namespace {

RedisReply Convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  out.integer = r.integer;
  if (r.str) out.str.assign(r.str, r.len);
  out.elements.reserve(r.elements);
  for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Convert(*r.element[i]));
  return out;
}

}  // namespace

struct RespReader::Impl {
  redisReader* reader = redisReaderCreate();
  ~Impl() {
    if (reader) redisReaderFree(reader);
  }
};

RespReader::RespReader() : impl_(std::make_unique<Impl>()) {}
RespReader::~RespReader() = default;

void RespReader::Feed(std::string_view bytes) {
  if (failed_ || !impl_->reader) return;
  if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK) failed_ = true;
}

RespReader::Status RespReader::Next(RedisReply& out) {
  if (failed_ || !impl_->reader) return Status::kProtocolError;
  void* reply = nullptr;
  if (redisReaderGetReply(impl_->reader, &reply) != REDIS_OK) {
    failed_ = true;  // hiredis's reader cannot resume after a protocol error
    return Status::kProtocolError;
  }
  if (!reply) return Status::kNeedMore;
  out = Convert(*static_cast<redisReply*>(reply));
  freeReplyObject(reply);
  return Status::kReply;
}

}  // namespace sluice::store
