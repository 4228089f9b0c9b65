// The `tracing` and `metrics` sections (kept apart from config_loader_test.cc).
#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "config/config_test_util.h"

namespace sluice::config {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTail = R"(providers:
  - name: sim
    type: sim
models:
  - name: sim
    provider: sim
)";

LoadResult Load(const std::string& head) { return LoadConfigText(head + kTail, "t.yaml"); }

TEST(TelemetryConfig, TracingIsOffByDefault) {
  auto r = Load("");
  ASSERT_TRUE(r.config) << ErrorsText(r);
  EXPECT_TRUE(r.config->tracing.otlp_endpoint.empty());
  EXPECT_EQ(r.config->metrics.max_label_values, 500u);
  EXPECT_TRUE(r.config->metrics.labels.empty());
}

TEST(TelemetryConfig, ReadsTracing) {
  auto r = Load(R"(tracing:
  otlp_endpoint: http://127.0.0.1:4318
  service_name: gw
  sample_ratio: 0.25
  max_queue: 100
  max_batch: 10
  flush_interval: 200ms
  export_timeout: 2s
)");
  ASSERT_TRUE(r.config) << ErrorsText(r);
  const auto& t = r.config->tracing;
  EXPECT_EQ(t.otlp_endpoint, "http://127.0.0.1:4318");
  EXPECT_EQ(t.service_name, "gw");
  EXPECT_DOUBLE_EQ(t.sample_ratio, 0.25);
  EXPECT_EQ(t.max_queue, 100u);
  EXPECT_EQ(t.max_batch, 10u);
  EXPECT_EQ(t.flush_interval, 200ms);
  EXPECT_EQ(t.export_timeout, 2s);
}

TEST(TelemetryConfig, RejectsBadTracing) {
  auto r = Load("tracing:\n  otlp_endpoint: https://collector:4318\n  sample_ratio: 2\n");
  EXPECT_FALSE(r.config);
  std::string e = ErrorsText(r);
  EXPECT_NE(e.find("t.yaml:2:18: tracing.otlp_endpoint: expected an http:// URL"), std::string::npos)
      << e;
  EXPECT_NE(e.find("tracing.sample_ratio: expected a ratio between 0 and 1"), std::string::npos);
  r = Load("tracing:\n  service_name: x\n");
  EXPECT_NE(ErrorsText(r).find("missing required key 'otlp_endpoint'"), std::string::npos);
}

TEST(TelemetryConfig, ReadsLabelAllowLists) {
  auto r = Load(R"(metrics:
  max_label_values: 50
  labels:
    gen_ai_client_token_usage: [gen_ai_operation_name, gen_ai_token_type, consumer]
    sluice_requests_total: []
)");
  ASSERT_TRUE(r.config) << ErrorsText(r);
  const auto& m = r.config->metrics;
  EXPECT_EQ(m.max_label_values, 50u);
  ASSERT_EQ(m.labels.size(), 2u);
  EXPECT_EQ(m.labels[0].first, "gen_ai_client_token_usage");
  EXPECT_EQ(m.labels[0].second,
            (std::vector<std::string>{"gen_ai_operation_name", "gen_ai_token_type", "consumer"}));
  EXPECT_TRUE(m.labels[1].second.empty());
}

TEST(TelemetryConfig, RejectsUnknownMetricsAndLabels) {
  auto r = Load(R"(metrics:
  labels:
    sluice_request_total: [route]
    sluice_tokens_total: [route, model]
)");
  EXPECT_FALSE(r.config);
  std::string e = ErrorsText(r);
  EXPECT_NE(e.find("t.yaml:3:5: unknown metric 'sluice_request_total'"), std::string::npos) << e;
  EXPECT_NE(e.find("t.yaml:4:34: metrics.labels.sluice_tokens_total[1]: sluice_tokens_total has "
                   "no label 'model' (it has route, type, consumer)"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace sluice::config
