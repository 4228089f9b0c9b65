// models[].routing, providers[].metrics and the sim replica keys (docs/config.md).
#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "config/config_test_util.h"

namespace sluice::config {
namespace {

using namespace std::chrono_literals;

TEST(ConfigRouting, ReadsPolicyWeightsScrapeAndReplicaSettings) {
  LoadResult r = LoadConfigText(R"(providers:
  - name: vllm-0
    type: openai
    base_url: http://10.0.0.1:8000/v1
    metrics: {type: vllm, interval: 100ms, path: /metrics}
    lora_adapters: [sql, chat]
  - name: replica
    type: sim
    sim: {kv_blocks: 2048, base_ttft: 5ms, prefill_ms_per_token: 0.25}
models:
  - name: pool
    targets: [{provider: vllm-0}, {provider: replica}]
    routing:
      policy: prefix-aware
      weights: {prefix: 2, queue: 0.5, kv_cache: 1.5, lora: 0, session: 4, latency: 1}
      block_chars: 32
      max_blocks: 512
      index_capacity: 1000
      lora: true
  - name: plain
    provider: replica
)",
                                "t.yaml");
  ASSERT_TRUE(r.errors.empty()) << ErrorsText(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.providers[0].metrics.type, "vllm");
  EXPECT_EQ(c.providers[0].metrics.interval, 100ms);
  EXPECT_EQ(c.providers[1].sim.kv_blocks, 2048u);
  EXPECT_EQ(c.providers[1].sim.base_ttft, 5ms);
  EXPECT_DOUBLE_EQ(c.providers[1].sim.prefill_ms_per_token, 0.25);
  const ModelRouting& routing = c.models[0].routing;
  EXPECT_EQ(routing.policy, "prefix-aware");
  EXPECT_DOUBLE_EQ(routing.prefix_weight, 2);
  EXPECT_DOUBLE_EQ(routing.queue_weight, 0.5);
  EXPECT_DOUBLE_EQ(routing.kv_cache_weight, 1.5);
  EXPECT_DOUBLE_EQ(routing.lora_weight, 0);
  EXPECT_DOUBLE_EQ(routing.session_weight, 4);
  EXPECT_DOUBLE_EQ(routing.latency_weight, 1);
  EXPECT_EQ(routing.block_chars, 32u);
  EXPECT_EQ(routing.max_blocks, 512u);
  EXPECT_EQ(routing.index_capacity, 1000u);
  EXPECT_TRUE(routing.lora);
  EXPECT_EQ(c.providers[0].lora_adapters, (std::vector<std::string>{"sql", "chat"}));
  EXPECT_TRUE(c.models[1].routing.policy.empty());  // off unless asked for
  EXPECT_EQ(c.providers[1].metrics.type, "");
}

TEST(ConfigRouting, RejectsUnknownPoliciesEnginesAndMisplacedKeys) {
  LoadResult r = LoadConfigText(R"(providers:
  - name: a
    type: openai
    base_url: http://127.0.0.1:1/v1
    metrics: {type: tgi, interval: 0s}
  - name: s
    type: sim
    metrics: {type: vllm}
models:
  - name: m
    provider: a
    routing: {policy: fastest, weights: {prefix: -1, speed: 2}}
  - name: n
    provider: a
    routing: {weights: {prefix: 1}}
)",
                                "t.yaml");
  std::string errors = ErrorsText(r);
  EXPECT_NE(
      errors.find("t.yaml:5:21: providers[0].metrics.type: expected vllm, sglang or llamacpp"),
      std::string::npos)
      << errors;
  EXPECT_NE(errors.find("providers[0].metrics.interval: must be greater than 0"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("providers[1].metrics: not for type sim"), std::string::npos) << errors;
  EXPECT_NE(errors.find("models[0].routing.policy: expected prefix-aware"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("models[0].routing.weights.prefix: must be at least 0"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("unknown key 'speed' in models[0].routing.weights"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("models[1].routing"), std::string::npos) << errors;  // policy required
}

}  // namespace
}  // namespace sluice::config
