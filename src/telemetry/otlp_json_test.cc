#include "telemetry/otlp_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "telemetry/trace_context.h"

namespace sluice::telemetry {
namespace {

namespace json = boost::json;

Span ServerSpan() {
  Span s;
  s.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  s.span_id = "00f067aa0ba902b7";
  s.parent_span_id = "b7ad6b7169203331";
  s.trace_state = "vendor=opaque";
  s.name = "chat gpt-4o";
  s.kind = SpanKind::kServer;
  s.start_unix_ns = 1700000000123456789;
  s.end_unix_ns = 1700000000223456789;
  s.Add("gen_ai.request.model", std::string("gpt-4o \"mini\""));
  s.Add("gen_ai.usage.input_tokens", int64_t{9007199254740993});  // beyond a double's precision
  s.Add("sluice.ttft_ms", 12.5);
  s.AddBool("sluice.stream", true);
  s.status = SpanStatus::kError;
  s.status_message = "provider_server_error";
  return s;
}

TEST(OtlpJson, EncodesAnExportTraceServiceRequest) {
  Span client;
  client.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  client.span_id = "1111111111111111";
  client.parent_span_id = "00f067aa0ba902b7";
  client.name = "chat gpt-4o-2024";
  client.kind = SpanKind::kClient;
  client.start_unix_ns = 1;
  client.end_unix_ns = 2;
  const Span spans[] = {ServerSpan(), client};
  json::value doc = json::parse(EncodeOtlpTraces(spans, "sluice-test", "0.1.0"));

  const auto& rs = doc.at("resourceSpans").as_array().at(0);
  const auto& resource_attrs = rs.at("resource").at("attributes").as_array();
  EXPECT_EQ(resource_attrs.at(0).at("key"), "service.name");
  EXPECT_EQ(resource_attrs.at(0).at("value").at("stringValue"), "sluice-test");
  EXPECT_EQ(resource_attrs.at(1).at("key"), "service.version");
  const auto& scope = rs.at("scopeSpans").as_array().at(0);
  EXPECT_EQ(scope.at("scope").at("name"), "sluice");
  const auto& out = scope.at("spans").as_array();
  ASSERT_EQ(out.size(), 2u);

  const auto& s = out.at(0);
  EXPECT_EQ(s.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s.at("spanId"), "00f067aa0ba902b7");
  EXPECT_EQ(s.at("parentSpanId"), "b7ad6b7169203331");
  EXPECT_EQ(s.at("traceState"), "vendor=opaque");
  EXPECT_EQ(s.at("name"), "chat gpt-4o");
  EXPECT_EQ(s.at("kind"), 2);
  // Nanosecond times and 64-bit integers are decimal strings (proto3 JSON mapping).
  EXPECT_EQ(s.at("startTimeUnixNano"), "1700000000123456789");
  EXPECT_EQ(s.at("endTimeUnixNano"), "1700000000223456789");
  const auto& attrs = s.at("attributes").as_array();
  ASSERT_EQ(attrs.size(), 4u);
  EXPECT_EQ(attrs.at(0).at("key"), "gen_ai.request.model");
  EXPECT_EQ(attrs.at(0).at("value").at("stringValue"), "gpt-4o \"mini\"");
  EXPECT_EQ(attrs.at(1).at("value").at("intValue"), "9007199254740993");
  EXPECT_EQ(attrs.at(2).at("value").at("doubleValue"), 12.5);
  EXPECT_EQ(attrs.at(3).at("value").at("boolValue"), true);
  EXPECT_EQ(s.at("status").at("code"), 2);
  EXPECT_EQ(s.at("status").at("message"), "provider_server_error");

  const auto& c = out.at(1);
  EXPECT_EQ(c.at("kind"), 3);
  EXPECT_EQ(c.at("parentSpanId"), "00f067aa0ba902b7");
  EXPECT_FALSE(c.as_object().contains("traceState"));
  EXPECT_TRUE(c.at("status").as_object().empty());  // unset
}

TEST(OtlpJson, RootSpanHasNoParent) {
  Span s = ServerSpan();
  s.parent_span_id.clear();
  json::value doc = json::parse(EncodeOtlpTraces({&s, 1}, "x", "y"));
  const auto& span = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_FALSE(span.as_object().contains("parentSpanId"));
}

TEST(TraceContext, ParsesAndFormatsTraceparent) {
  auto tp = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tp->span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(tp->sampled);
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->sampled);
  for (std::string_view bad :
       {"", "00-xyz", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"})
    EXPECT_FALSE(ParseTraceParent(bad)) << bad;
  EXPECT_EQ(FormatTraceParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  std::mt19937_64 rng(7);
  std::string trace = NewTraceId(rng), span = NewSpanId(rng);
  EXPECT_TRUE(ParseTraceParent(FormatTraceParent(trace, span, false)));
  EXPECT_NE(NewSpanId(rng), span);
}

}  // namespace
}  // namespace sluice::telemetry
