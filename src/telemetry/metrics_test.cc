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

// Each family remembers the series of the last request: a change of labels, back and forth, and a
// copied shard (a scrape's) must still count every request in its own series.
TEST(MetricsShard, CountsAlternatingSeriesAndCopiesIndependently) {
  MetricsShard shard;
  shard.RecordRequest(Outcome("m", 200, ""));
  shard.RecordRequest(Outcome("m", 502, "provider_server_error"));
  shard.RecordRequest(Outcome("m", 200, ""));
  MetricsShard copy = shard;
  copy.RecordRequest(Outcome("n", 200, ""));
  copy.RecordRequest(Outcome("m", 200, ""));
  shard.RecordRequest(Outcome("m", 200, ""));
  std::string text = shard.RenderPrometheus();
  EXPECT_NE(text.find("{route=\"m\",provider=\"up\",status=\"200\",code=\"\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("code=\"provider_server_error\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("route=\"n\""), std::string::npos) << text;
  EXPECT_NE(text.find("sluice_tokens_total{route=\"m\",type=\"output\"} 8\n"), std::string::npos)
      << text;
  std::string copied = copy.RenderPrometheus();
  EXPECT_NE(copied.find("{route=\"m\",provider=\"up\",status=\"200\",code=\"\"} 3\n"),
            std::string::npos)
      << copied;
  EXPECT_NE(copied.find("{route=\"n\",provider=\"up\",status=\"200\",code=\"\"} 1\n"),
            std::string::npos)
      << copied;
}

RequestOutcome Inference(std::string route, std::string_view consumer) {
  RequestOutcome o = Outcome(std::move(route), 200, "");
  o.operation = "chat";
  o.provider_type = "openai";
  o.served_model = "m-2024";
  o.consumer = consumer;
  return o;
}

TEST(MetricsShard, AllowListsDropLabelsAndMergeTheirSeries) {
  MetricsShard shard;
  shard.RecordRequest(Inference("a", "alice"));
  shard.RecordRequest(Inference("b", "bob"));
  shard.RecordRequest(Inference("b", "alice"));
  // Defaults: consumer is opt-in.
  std::string text = shard.RenderPrometheus();
  EXPECT_EQ(text.find("consumer="), std::string::npos) << text;
  EXPECT_NE(text.find("sluice_requests_total{route=\"b\",provider=\"up\",status=\"200\",code=\"\"} 2\n"),
            std::string::npos)
      << text;

  LabelPolicy policy({{"sluice_requests_total", {"status", "consumer"}},
                      {"gen_ai_client_token_usage", {"gen_ai_token_type"}}});
  text = shard.RenderPrometheus(policy);
  EXPECT_NE(text.find("sluice_requests_total{status=\"200\",consumer=\"alice\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sluice_requests_total{status=\"200\",consumer=\"bob\"} 1\n"),
            std::string::npos);
  // Three requests' input tokens in one series: the routes were merged.
  EXPECT_NE(text.find("gen_ai_client_token_usage_count{gen_ai_token_type=\"input\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gen_ai_client_token_usage_sum{gen_ai_token_type=\"input\"} 15\n"),
            std::string::npos);
  // Metrics not named keep their labels.
  EXPECT_NE(text.find("gen_ai_server_request_duration_seconds_count{gen_ai_operation_name=\"chat\","
                      "gen_ai_provider_name=\"openai\",gen_ai_request_model=\"a\","
                      "gen_ai_response_model=\"m-2024\"} 1\n"),
            std::string::npos);
  // An empty allow-list leaves one unlabelled series.
  text = shard.RenderPrometheus(LabelPolicy(LabelPolicy::AllowLists{{"sluice_tokens_total", {}}}));
  EXPECT_NE(text.find("\nsluice_tokens_total 21\n"), std::string::npos) << text;
}

TEST(MetricsShard, CapCollapsesLaterValuesIntoOther) {
  LabelValueCap cap(2);
  MetricsShard a, b;  // two workers sharing the cap
  a.set_label_cap(&cap);
  b.set_label_cap(&cap);
  a.RecordRequest(Inference("r1", ""));
  b.RecordRequest(Inference("r2", ""));
  a.RecordRequest(Inference("r3", ""));
  b.RecordRequest(Inference("r1", ""));
  b.RecordRequest(Inference("r4", ""));
  a.Merge(b);
  std::string text = a.RenderPrometheus(LabelPolicy(LabelPolicy::AllowLists{{"sluice_requests_total", {"route"}}}));
  EXPECT_NE(text.find("sluice_requests_total{route=\"r1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sluice_requests_total{route=\"r2\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("sluice_requests_total{route=\"other\"} 2\n"), std::string::npos);
  EXPECT_EQ(text.find("r3"), std::string::npos);
  EXPECT_NE(text.find("gen_ai_request_model=\"other\""), std::string::npos);
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
