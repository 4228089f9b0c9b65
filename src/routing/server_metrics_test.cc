#include "routing/server_metrics.h"

#include <gtest/gtest.h>

namespace sluice::routing {
namespace {

TEST(ServerMetrics, ReadsVllmV1WithTwoEnginesAndLora) {
  const char* text = R"(# HELP vllm:num_requests_waiting Number of requests waiting.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="m"} 3.0
vllm:num_requests_waiting{engine="1",model_name="m"} 2.0
vllm:num_requests_running{engine="0",model_name="m"} 7.0
vllm:num_requests_running{engine="1",model_name="m"} 1.0
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.5
vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.25
vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.9
vllm:cache_config_info{block_size="16",cache_dtype="auto",num_gpu_blocks="31250",prefix_caching="True"} 1.0
vllm:lora_requests_info{max_lora="2",running_lora_adapters="sql,chat",waiting_lora_adapters=""} 1.7e9
vllm:lora_requests_info{max_lora="2",running_lora_adapters="old",waiting_lora_adapters="x"} 1.6e9
vllm:prefix_cache_hits_total{engine="0"} 12345
)";
  EndpointMetrics m;
  ASSERT_TRUE(ParseServerMetrics(text, ServerKind::kVllm, m));
  EXPECT_TRUE(m.valid);
  EXPECT_EQ(m.waiting, 5);
  EXPECT_EQ(m.running, 8);
  EXPECT_DOUBLE_EQ(m.kv_usage, 0.375);  // the new name wins over the deprecated one
  EXPECT_EQ(m.block_size, 16u);
  EXPECT_EQ(m.num_blocks, 31250u);
  ASSERT_TRUE(m.has_lora);
  EXPECT_EQ(m.lora.max_lora, 2u);
  EXPECT_EQ(m.lora.running, (std::vector<std::string>{"sql", "chat"}));
  EXPECT_TRUE(m.lora.waiting.empty());
}

TEST(ServerMetrics, ReadsVllmV0GpuCacheUsage) {
  EndpointMetrics m;
  ASSERT_TRUE(
      ParseServerMetrics("vllm:num_requests_waiting 1\nvllm:num_requests_running 2\n"
                         "vllm:gpu_cache_usage_perc 0.8\n",
                         ServerKind::kVllm, m));
  EXPECT_DOUBLE_EQ(m.kv_usage, 0.8);
  EXPECT_FALSE(m.has_lora);
}

TEST(ServerMetrics, ReadsSglangAndLlamaCpp) {
  EndpointMetrics s;
  ASSERT_TRUE(
      ParseServerMetrics("sglang:num_queue_reqs{model_name=\"m\"} 4\r\n"
                         "sglang:num_running_reqs{model_name=\"m\"} 9\r\n"
                         "sglang:token_usage{model_name=\"m\"} 0.6\r\n"
                         "sglang:cache_config_info{page_size=\"1\",num_pages=\"500000\"} 1\r\n",
                         ServerKind::kSglang, s));
  EXPECT_EQ(s.waiting, 4);
  EXPECT_EQ(s.running, 9);
  EXPECT_DOUBLE_EQ(s.kv_usage, 0.6);
  EXPECT_EQ(s.block_size, 1u);
  EXPECT_EQ(s.num_blocks, 500000u);
  EndpointMetrics l;
  ASSERT_TRUE(
      ParseServerMetrics("llamacpp:requests_deferred 2\nllamacpp:requests_processing 1\n"
                         "llamacpp:kv_cache_usage_ratio 0.125\n",
                         ServerKind::kLlamaCpp, l));
  EXPECT_EQ(l.waiting, 2);
  EXPECT_DOUBLE_EQ(l.kv_usage, 0.125);
}

TEST(ServerMetrics, GarbageIsNotAScrape) {
  EndpointMetrics m;
  EXPECT_FALSE(ParseServerMetrics("<html>502 Bad Gateway</html>", ServerKind::kVllm, m));
  EXPECT_FALSE(m.valid);
  EXPECT_FALSE(
      ParseServerMetrics("vllm:num_requests_waiting{engine=\"0 NaN\n{{{\n", ServerKind::kVllm, m));
  EXPECT_FALSE(ParseServerMetrics("vllm:num_requests_waiting NaN\n", ServerKind::kVllm, m));
  EXPECT_FALSE(ParseServerMetrics("vllm:num_requests_waiting -nan\nvllm:num_requests_running inf\n",
                                  ServerKind::kVllm, m));
  EXPECT_FALSE(ParseServerMetrics("vllm:num_requests_waiting 1e400\n", ServerKind::kVllm, m));
  EXPECT_EQ(ParseServerKind("sglang"), ServerKind::kSglang);
  EXPECT_FALSE(ParseServerKind("tgi"));
}

}  // namespace
}  // namespace sluice::routing
