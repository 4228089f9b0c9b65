#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <ctime>
#include <regex>
#include <string>

#include "telemetry/request_outcome.h"

namespace sluice::telemetry {
namespace {

TEST(AccessLogLine, IsOneParseableJsonObjectWithTheRequestFields) {
  RequestOutcome o;
  o.request_id = "abc";
  o.method = "POST";
  o.path = "/v1/chat/completions";
  o.model = "we\"ird\nmodel";
  o.served_model = "up";
  o.route = "*";
  o.provider = "fake";
  o.status = 502;
  o.error_code = "provider_server_error";
  o.has_usage = true;
  o.usage.input = 7;
  o.usage.output = 3;
  o.usage.estimated = true;
  o.ttft_ms = 1.23456;
  o.duration_ms = 10;
  o.overhead_us = 42.9;
  o.attempts = 2;
  o.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  std::string line = RenderAccessLogLine(o);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v["request_id"].as_string(), "abc");
  EXPECT_EQ(v["model"].as_string(), "we\"ird\nmodel");
  EXPECT_EQ(v["status"].as_int64(), 502);
  EXPECT_EQ(v["error_code"].as_string(), "provider_server_error");
  EXPECT_EQ(v["input_tokens"].as_int64(), 7);
  EXPECT_EQ(v["output_tokens"].as_int64(), 3);
  EXPECT_TRUE(v["estimated"].as_bool());
  EXPECT_NEAR(v["ttft_ms"].to_number<double>(), 1.235, 1e-9);
  EXPECT_EQ(v["overhead_us"].as_int64(), 42);
  EXPECT_EQ(v["attempts"].as_int64(), 2);
  EXPECT_EQ(v["cache"].as_string(), "none");  // no response cache exists yet
  EXPECT_EQ(v["trace_id"].as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(line.find("\"ttft_ms\":1.235"), std::string::npos);
}

// The date is cached per second per thread: lines in a row still carry the current time, in the
// same RFC 3339 shape.
TEST(AccessLogLine, TimestampIsNowInRfc3339) {
  RequestOutcome o;
  const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  for (int i = 0; i < 3; ++i) {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::string ts(boost::json::parse(RenderAccessLogLine(o)).as_object()["ts"].as_string());
    ASSERT_TRUE(std::regex_match(ts, shape)) << ts;
    std::tm tm{};
    ASSERT_NE(strptime(ts.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr);
    EXPECT_LE(std::abs(static_cast<double>(timegm(&tm) - now)), 1.0) << ts;
  }
}

TEST(AccessLogLine, NullsWhenUnknown) {
  RequestOutcome o;
  o.request_id = "x";
  o.status = 413;
  o.error_code = "caller_body_too_large";
  auto v = boost::json::parse(RenderAccessLogLine(o)).as_object();
  EXPECT_TRUE(v["model"].is_null());
  EXPECT_TRUE(v["input_tokens"].is_null());
  EXPECT_TRUE(v["ttft_ms"].is_null());
  EXPECT_FALSE(v.contains("trace_id"));  // not traced
}

TEST(UsageTrailer, IsANamedSseEventWithUsageAttemptsAndBackend) {
  RequestOutcome o;
  o.request_id = "r1";
  o.provider = "up";
  o.attempts = 2;
  core::TokenUsage usage;
  usage.input = 9;
  usage.output = 4;
  usage.estimated = true;
  std::string event = RenderUsageTrailer(o, usage);
  ASSERT_TRUE(event.starts_with("event: sluice.usage\ndata: {"));
  ASSERT_TRUE(event.ends_with("}\n\n"));
  auto data = event.substr(event.find("data: ") + 6);
  auto v = boost::json::parse(data).as_object();
  EXPECT_EQ(v["backend"].as_string(), "up");
  EXPECT_EQ(v["attempts"].as_int64(), 2);
  EXPECT_EQ(v["usage"].at("input_tokens").as_int64(), 9);
  EXPECT_TRUE(v["usage"].at("estimated").as_bool());
}

}  // namespace
}  // namespace sluice::telemetry
