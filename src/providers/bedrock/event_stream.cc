#include "providers/bedrock/event_stream.h"

#include <array>

namespace sluice::providers::bedrock {

namespace {

constexpr size_t kPreludeBytes = 12;     // total length, headers length, prelude CRC
constexpr size_t kMinMessageBytes = 16;  // prelude + message CRC

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

uint32_t ReadU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

uint16_t ReadU16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}

void AppendU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// Size of a fixed-size value, 0 for booleans, -1 for length-prefixed, -2 for unknown types.
int FixedSize(uint8_t type) {
  switch (static_cast<EventStreamValueType>(type)) {
    case EventStreamValueType::kBoolTrue:
    case EventStreamValueType::kBoolFalse:
      return 0;
    case EventStreamValueType::kByte:
      return 1;
    case EventStreamValueType::kInt16:
      return 2;
    case EventStreamValueType::kInt32:
      return 4;
    case EventStreamValueType::kInt64:
    case EventStreamValueType::kTimestamp:
      return 8;
    case EventStreamValueType::kUuid:
      return 16;
    case EventStreamValueType::kBytes:
    case EventStreamValueType::kString:
      return -1;
  }
  return -2;
}

// Parses the header block into `msg`; false with `error` set when it is malformed.
bool ParseHeaders(std::string_view block, EventStreamMessage& msg, std::string& error) {
  size_t i = 0;
  while (i < block.size()) {
    size_t name_len = static_cast<unsigned char>(block[i++]);
    if (block.size() - i < name_len + 1) {
      error = "event-stream header name truncated";
      return false;
    }
    std::string_view name = block.substr(i, name_len);
    i += name_len;
    uint8_t type = static_cast<uint8_t>(block[i++]);
    int fixed = FixedSize(type);
    if (fixed == -2) {
      error = "event-stream header has unknown value type " + std::to_string(type);
      return false;
    }
    std::string_view value;
    if (fixed >= 0) {
      if (block.size() - i < static_cast<size_t>(fixed)) {
        error = "event-stream header value truncated";
        return false;
      }
      value = block.substr(i, static_cast<size_t>(fixed));
    } else {
      if (block.size() - i < 2) {
        error = "event-stream header value truncated";
        return false;
      }
      size_t len = ReadU16(block.data() + i);
      i += 2;
      if (block.size() - i < len) {
        error = "event-stream header value truncated";
        return false;
      }
      value = block.substr(i, len);
    }
    i += value.size();
    if (type != static_cast<uint8_t>(EventStreamValueType::kString)) continue;
    if (name == ":event-type")
      msg.event_type = value;
    else if (name == ":message-type")
      msg.message_type = value;
    else if (name == ":exception-type")
      msg.exception_type = value;
    else if (name == ":error-code")
      msg.error_code = value;
    else if (name == ":error-message")
      msg.error_message = value;
    else if (name == ":content-type")
      msg.content_type = value;
  }
  return true;
}

}  // namespace

uint32_t Crc32(std::string_view data, uint32_t crc) {
  crc = ~crc;
  for (unsigned char c : data) crc = kCrcTable[(crc ^ c) & 0xff] ^ (crc >> 8);
  return ~crc;
}

bool EventStreamDecoder::Fail(std::string message) {
  error_ = std::move(message);
  buffer_.clear();
  buffer_.shrink_to_fit();
  return false;
}

size_t EventStreamDecoder::Drain(std::string_view data,
                                 const std::function<void(const EventStreamMessage&)>& on_message) {
  size_t consumed = 0;
  while (data.size() - consumed >= kPreludeBytes) {
    const char* p = data.data() + consumed;
    uint32_t total = ReadU32(p);
    uint32_t headers_len = ReadU32(p + 4);
    if (Crc32({p, 8}) != ReadU32(p + 8)) {
      Fail("event-stream prelude CRC mismatch");
      return std::string_view::npos;
    }
    if (total < kMinMessageBytes) {
      Fail("event-stream message length " + std::to_string(total) + " below the minimum");
      return std::string_view::npos;
    }
    if (total > max_message_bytes_) {
      Fail("event-stream message of " + std::to_string(total) + " bytes exceeds the maximum");
      return std::string_view::npos;
    }
    if (headers_len > total - kMinMessageBytes) {
      Fail("event-stream headers length overruns the message");
      return std::string_view::npos;
    }
    if (data.size() - consumed < total) break;  // wait for the rest
    std::string_view message(p, total);
    if (Crc32(message.substr(0, total - 4)) != ReadU32(p + total - 4)) {
      Fail("event-stream message CRC mismatch");
      return std::string_view::npos;
    }
    EventStreamMessage msg;
    if (!ParseHeaders(message.substr(kPreludeBytes, headers_len), msg, error_)) {
      Fail(std::move(error_));
      return std::string_view::npos;
    }
    msg.payload =
        message.substr(kPreludeBytes + headers_len, total - kMinMessageBytes - headers_len);
    consumed += total;
    on_message(msg);
  }
  return consumed;
}

bool EventStreamDecoder::Feed(std::string_view bytes,
                              const std::function<void(const EventStreamMessage&)>& on_message) {
  if (!error_.empty()) return false;
  if (buffer_.empty()) {
    // Fast path: decode straight from the caller's bytes, keep only an unfinished tail.
    size_t consumed = Drain(bytes, on_message);
    if (consumed == std::string_view::npos) return false;
    buffer_.assign(bytes.substr(consumed));
    return true;
  }
  buffer_.append(bytes);
  size_t consumed = Drain(buffer_, on_message);
  if (consumed == std::string_view::npos) return false;
  buffer_.erase(0, consumed);
  return true;
}

std::string EncodeEventStreamMessage(const std::vector<EventStreamHeader>& headers,
                                     std::string_view payload) {
  std::string block;
  for (const EventStreamHeader& h : headers) {
    std::string_view name = std::string_view(h.name).substr(0, 255);
    block.push_back(static_cast<char>(name.size()));
    block += name;
    block.push_back(static_cast<char>(h.type));
    int fixed = FixedSize(static_cast<uint8_t>(h.type));
    if (fixed >= 0) {
      std::string value = h.value.substr(0, static_cast<size_t>(fixed));
      value.resize(static_cast<size_t>(fixed), '\0');
      block += value;
    } else {
      std::string_view value = std::string_view(h.value).substr(0, 65535);
      block.push_back(static_cast<char>(value.size() >> 8));
      block.push_back(static_cast<char>(value.size()));
      block += value;
    }
  }
  uint32_t total = static_cast<uint32_t>(kMinMessageBytes + block.size() + payload.size());
  std::string out;
  out.reserve(total);
  AppendU32(out, total);
  AppendU32(out, static_cast<uint32_t>(block.size()));
  AppendU32(out, Crc32(out));
  out += block;
  out += payload;
  AppendU32(out, Crc32(out));
  return out;
}

}  // namespace sluice::providers::bedrock
