#pragma once
// Helpers for the golden tests of the dialect codecs and provider adapters (test-only; included by
// *_test.cc files). SSE text is compared event by event as (name, parsed JSON) so key order and
// number formatting do not matter; upstream fixtures are fed through the real SSE splitter.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "api/stream_encoder.h"
#include "api/unified.h"
#include "core/error.h"
#include "http/sse.h"
#include "providers/stream_decoder.h"

namespace sluice::golden {

// Unified-model parts and messages for request fixtures.
inline api::Part Text(std::string text) {
  api::Part p;
  p.text = std::move(text);
  return p;
}

inline api::Part ToolCall(std::string id, std::string name, std::string args,
                          std::string signature = {}) {
  api::Part p;
  p.kind = api::Part::Kind::kToolCall;
  p.id = std::move(id);
  p.name = std::move(name);
  p.arguments = std::move(args);
  p.signature = std::move(signature);
  return p;
}

inline api::Part ToolResult(std::string id, std::string text, bool is_error = false) {
  api::Part p;
  p.kind = api::Part::Kind::kToolResult;
  p.tool_call_id = std::move(id);
  p.text = std::move(text);
  p.is_error = is_error;
  return p;
}

inline api::Message Msg(api::Role role, std::vector<api::Part> parts) {
  return {role, std::move(parts)};
}

struct SseEv {
  std::string name;
  boost::json::value data;  // parsed JSON, or the string "[DONE]"
  bool operator==(const SseEv&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const SseEv& e) {
  return os << "event: " << (e.name.empty() ? "(none)" : e.name) << " data: "
            << boost::json::serialize(e.data);
}

// Splits SSE text into events; fails the test if bytes of an unfinished event are left over.
inline std::vector<SseEv> ParseSse(std::string_view text) {
  std::vector<SseEv> out;
  http::SseSplitter splitter;
  splitter.Feed(text, [&](const http::SseEvent& ev) {
    SseEv e;
    e.name = std::string(ev.name);
    if (ev.data == "[DONE]")
      e.data = "[DONE]";
    else
      e.data = boost::json::parse(ev.data);
    out.push_back(std::move(e));
  });
  EXPECT_EQ(splitter.pending_bytes(), 0u) << "unterminated event in:\n" << text;
  return out;
}

// Compares two SSE texts event by event (each event's JSON compared as a value).
inline void ExpectSameEvents(std::string_view actual, std::string_view expected) {
  std::vector<SseEv> a = ParseSse(actual), e = ParseSse(expected);
  for (size_t i = 0; i < std::min(a.size(), e.size()); ++i)
    EXPECT_EQ(a[i], e[i]) << "event #" << i;
  EXPECT_EQ(a.size(), e.size()) << "actual stream:\n" << actual;
}

inline std::string KindName(api::StreamDelta::Kind k) {
  using K = api::StreamDelta::Kind;
  switch (k) {
    case K::kStart: return "start";
    case K::kText: return "text";
    case K::kThinking: return "thinking";
    case K::kThinkingSignature: return "signature";
    case K::kToolCallStart: return "tool_start";
    case K::kToolCallArgs: return "tool_args";
    case K::kFinish: return "finish";
    case K::kUsage: return "usage";
  }
  return "?";
}

inline std::string FinishName(api::FinishReason f) {
  switch (f) {
    case api::FinishReason::kUnset: return "unset";
    case api::FinishReason::kStop: return "stop";
    case api::FinishReason::kLength: return "length";
    case api::FinishReason::kToolCalls: return "tool_calls";
    case api::FinishReason::kContentFilter: return "content_filter";
    case api::FinishReason::kStopSequence: return "stop_sequence";
  }
  return "?";
}

// One delta as a line of text, e.g. "tool_start 0 toolu_01 get_weather" or
// "usage in=2100 out=15 cached=1800 created=200 reasoning=0".
inline std::string Render(const api::StreamDelta& d) {
  using K = api::StreamDelta::Kind;
  std::string s = KindName(d.kind);
  switch (d.kind) {
    case K::kStart:
      return s + " " + std::string(d.id) + " " + std::string(d.model);
    case K::kText:
    case K::kThinking:
    case K::kThinkingSignature:
      return s + " " + std::string(d.text);
    case K::kToolCallStart:
      return s + " " + std::to_string(d.index) + " " + std::string(d.id) + " " +
             std::string(d.name);
    case K::kToolCallArgs:
      return s + " " + std::to_string(d.index) + " " + std::string(d.text);
    case K::kFinish:
      return s + " " + FinishName(d.finish) + (d.text.empty() ? "" : " " + std::string(d.text));
    case K::kUsage:
      return s + " in=" + std::to_string(d.usage.input) + " out=" + std::to_string(d.usage.output) +
             " cached=" + std::to_string(d.usage.cached_input) +
             " created=" + std::to_string(d.usage.cache_creation_input) +
             " reasoning=" + std::to_string(d.usage.reasoning);
  }
  return s;
}

struct StreamRun {
  std::vector<std::string> deltas;  // Render() of each delta, in order
  bool ok = true;                   // every event was accepted
  core::GatewayError error;         // when !ok
  bool finished = false;            // decoder.finished() at the end
  std::string client;               // what the encoder wrote (End or Fail appended)
};

// Feeds an upstream SSE fixture through `decoder`, each delta straight into `encoder` (may be
// null), as the translated relay does; stops at the first rejected event and then calls Fail.
inline StreamRun Drive(providers::StreamDecoder& decoder, std::string_view upstream,
                       api::StreamEncoder* encoder) {
  StreamRun run;
  http::SseSplitter splitter;
  providers::DeltaSink sink = [&](const api::StreamDelta& d) {
    run.deltas.push_back(Render(d));
    if (encoder) encoder->OnDelta(d, run.client);
  };
  splitter.Feed(upstream, [&](const http::SseEvent& ev) {
    if (!run.ok) return;
    run.ok = decoder.OnEvent(ev.name, ev.data, sink, run.error);
  });
  EXPECT_EQ(splitter.pending_bytes(), 0u);
  run.finished = decoder.finished();
  if (encoder) {
    if (run.ok)
      encoder->End(run.client);
    else
      encoder->Fail(run.error, run.client);
  }
  return run;
}

}  // namespace sluice::golden
