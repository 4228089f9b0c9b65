#include "telemetry/metrics.h"

#include <gtest/gtest.h>

namespace sluice::telemetry {
namespace {

RequestOutcome Outcome(std::string route, int status, std::string_view code) {
  RequestOutcome o;
  o.route = std::move(route);
  o.provider = "up";
  o.status = status;
  o.error_code = code;
  o.has_usage = true;
  o.usage.input = 5;
  o.usage.output = 2;
  o.overhead_us = 30;
  o.duration_ms = 12;
  return o;
}

TEST(MetricsShard, CountsSeriesAndMergesShards) {
  MetricsShard a, b;
  a.RecordRequest(Outcome("m", 200, ""));
  a.RecordRequest(Outcome("m", 200, ""));
  b.RecordRequest(Outcome("m", 200, ""));
  b.RecordRequest(Outcome("we\"ird", 502, "provider_server_error"));
  b.RecordAttempt("up", "transient");
  b.RecordFallback("m");
  a.Merge(b);
  std::string text = a.RenderPrometheus();
  EXPECT_NE(
      text.find("sluice_requests_total{route=\"m\",provider=\"up\",status=\"200\",code=\"\"} 3\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "route=\"we\\\"ird\",provider=\"up\",status=\"502\",code=\"provider_server_error\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("sluice_tokens_total{route=\"m\",type=\"input\"} 15\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_upstream_attempts_total{provider=\"up\",result=\"transient\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sluice_fallbacks_total{route=\"m\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_overhead_seconds_bucket{le=\"5e-05\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_overhead_seconds_count 4\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE sluice_requests_total counter\n"), std::string::npos);
}

TEST(SeriesLess, FindsTupleKeysByViews) {
  std::map<std::tuple<std::string, int>, int, SeriesLess> m;
  m.emplace(std::tuple<std::string, int>("a", 2), 1);
  m.emplace(std::tuple<std::string, int>("a", 10), 2);
  m.emplace(std::tuple<std::string, int>("b", 1), 3);
  EXPECT_EQ(m.find(std::tuple<std::string_view, int>("a", 10))->second, 2);
  EXPECT_EQ(m.find(std::tuple<std::string_view, int>("b", 2)), m.end());
  EXPECT_EQ(m.begin()->second, 1);
}

}  // namespace
}  // namespace sluice::telemetry
