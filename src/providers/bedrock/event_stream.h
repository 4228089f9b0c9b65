#pragma once
// AWS event-stream framing (application/vnd.amazon.eventstream), as ConverseStream answers with.
// Sans-I/O: bytes in as they arrive (split anywhere), whole messages out.
//
// A message: total length (u32 BE), headers length (u32 BE), prelude CRC32 (over the first 8
// bytes), headers, payload, message CRC32 (over everything before it). A header: name length (u8),
// name, value type (u8), value. CRC32 is the IEEE/zlib one.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::providers::bedrock {

// CRC32 (IEEE 802.3, reflected polynomial 0xEDB88320), continuing from `crc` (0 to start).
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

enum class EventStreamValueType : uint8_t {
  kBoolTrue = 0,
  kBoolFalse = 1,
  kByte = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kBytes = 6,      // u16 length + bytes
  kString = 7,     // u16 length + UTF-8
  kTimestamp = 8,  // i64 milliseconds since the epoch
  kUuid = 9,       // 16 bytes
};

// One decoded message. Views point into the decoder's buffer (or the fed bytes) and are valid only
// during the callback. Headers the gateway does not read are validated and skipped.
struct EventStreamMessage {
  std::string_view event_type;      // :event-type
  std::string_view message_type;    // :message-type: "event", "exception" or "error"
  std::string_view exception_type;  // :exception-type (message_type "exception")
  std::string_view error_code;      // :error-code (message_type "error")
  std::string_view error_message;   // :error-message (message_type "error")
  std::string_view content_type;    // :content-type
  std::string_view payload;
};

class EventStreamDecoder {
 public:
  static constexpr size_t kDefaultMaxMessageBytes = 16 << 20;
  explicit EventStreamDecoder(size_t max_message_bytes = kDefaultMaxMessageBytes)
      : max_message_bytes_(max_message_bytes) {}

  // Feeds the next bytes of the stream; calls on_message for every message they complete. Returns
  // false (and keeps failing) when the stream is malformed: CRC mismatch, a length below the
  // 16-byte minimum or above the maximum, headers that overrun the message or are truncated, an
  // unknown header type. error() says which. The prelude is checked as soon as its 12 bytes are
  // in, so a bad length is rejected before anything is buffered for it.
  bool Feed(std::string_view bytes,
            const std::function<void(const EventStreamMessage&)>& on_message);

  std::string_view error() const { return error_; }
  // Bytes of an unfinished message held back; non-zero at end of stream means it was truncated.
  size_t pending_bytes() const { return buffer_.size(); }

 private:
  // Decodes whole messages from the front of `data`; returns the bytes consumed, or npos on error.
  size_t Drain(std::string_view data,
               const std::function<void(const EventStreamMessage&)>& on_message);
  bool Fail(std::string message);

  size_t max_message_bytes_;
  std::string buffer_;
  std::string error_;
};

// A header to encode. `value` holds the string/bytes for kString/kBytes and the raw big-endian
// bytes for fixed-size types (1, 2, 4, 8 or 16 bytes as the type says); booleans carry none.
struct EventStreamHeader {
  std::string name;
  EventStreamValueType type = EventStreamValueType::kString;
  std::string value;
};

// Frames one message (for tests and the fake provider). Names over 255 bytes and string/bytes
// values over 65535 are truncated to fit the format.
std::string EncodeEventStreamMessage(const std::vector<EventStreamHeader>& headers,
                                     std::string_view payload);

}  // namespace sluice::providers::bedrock
