// libFuzzer target: bytes through the AWS event-stream decoder, cut at arbitrary points, and every
// decoded message through the ConverseStream decoder (and its payload through the Converse
// response decoder). Random bytes rarely carry valid CRCs, so half the inputs are instead read as
// (event name, payload) records that are framed properly first: that reaches the JSON side.
// Invariants: no crash; a failure always says why; held-back bytes never exceed what went in.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "providers/bedrock/converse_codec.h"
#include "providers/bedrock/event_stream.h"

namespace bedrock = sluice::providers::bedrock;

// Records separated by '\x01', alternating event name and payload.
static std::string FrameRecords(std::string_view input) {
  std::string out;
  std::string_view name;
  bool have_name = false;
  while (true) {
    size_t sep = input.find('\x01');
    std::string_view field = input.substr(0, sep);
    if (!have_name) {
      name = field;
      have_name = true;
    } else {
      bool exception = name.size() > 9 && name.substr(name.size() - 9) == "Exception";
      using T = bedrock::EventStreamValueType;
      out += bedrock::EncodeEventStreamMessage(
          {{exception ? ":exception-type" : ":event-type", T::kString, std::string(name)},
           {":message-type", T::kString, exception ? "exception" : "event"},
           {":content-type", T::kString, "application/json"}},
          field);
      have_name = false;
    }
    if (sep == std::string_view::npos) break;
    input.remove_prefix(sep + 1);
  }
  return out;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t cut_every = 1 + (data[0] & 0x3f);
  bool framed = data[0] & 0x80;
  std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string owned = framed ? FrameRecords(raw) : std::string(raw);
  std::string_view input = owned;

  bedrock::EventStreamDecoder decoder(1 << 20);
  bedrock::ConverseStreamDecoder converse;
  bool stream_ok = true;
  auto on_message = [&](const bedrock::EventStreamMessage& msg) {
    sluice::api::ChatResponse response;
    sluice::core::GatewayError error;
    if (!bedrock::DecodeConverseResponse(msg.payload, response, error) && error.message.empty())
      std::abort();
    if (!stream_ok) return;
    std::string_view name = msg.message_type == "exception" ? msg.exception_type : msg.event_type;
    sluice::core::GatewayError stream_error;
    size_t deltas = 0;
    stream_ok = converse.OnEvent(
        name, msg.payload, [&](const sluice::api::StreamDelta&) { ++deltas; }, stream_error);
    if (!stream_ok && stream_error.message.empty()) std::abort();
  };
  for (size_t off = 0; off < input.size(); off += cut_every) {
    if (!decoder.Feed(input.substr(off, cut_every), on_message)) {
      if (decoder.error().empty()) std::abort();
      if (framed && input.size() < (1u << 20)) std::abort();  // our own framing must decode
      return 0;
    }
    if (decoder.pending_bytes() > off + cut_every) std::abort();
  }
  // Properly framed input always decodes to the end.
  if (framed && decoder.pending_bytes() != 0) std::abort();
  return 0;
}
