// models[].queue, consumers' priority and weight, providers[].quota (docs/config.md).
#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "config/config_test_util.h"

namespace sluice::config {
namespace {

using namespace std::chrono_literals;

TEST(ConfigQueue, ReadsQueueConsumersAndQuota) {
  LoadResult r = LoadConfigText(R"(providers:
  - name: upstream
    type: openai
    base_url: http://10.0.0.1:8000/v1
    quota: {requests_per_minute: 500, tokens_per_minute: 90000}
  - name: replica
    type: sim
models:
  - name: pool
    targets: [{provider: replica}]
    queue:
      policy: vtc
      max_queued: 64
      timeout: 5s
      input_weight: 1.5
      output_weight: 3
      queue_depth: 8
      kv_cache: 0.9
      max_concurrency: 4
      reserve: 1
  - name: quota
    provider: upstream
    queue: {policy: fcfs}
  - name: plain
    provider: replica
consumers:
  - {name: heavy, keys: [heavy-key-0123456789], priority: -1, weight: 0.5}
  - {name: light, keys: [light-key-0123456789]}
)",
                                "t.yaml");
  ASSERT_TRUE(r.errors.empty()) << ErrorsText(r);
  const Config& c = *r.config;
  const ModelQueue& q = c.models[0].queue;
  EXPECT_TRUE(q.enabled);
  EXPECT_TRUE(q.fair);
  EXPECT_FALSE(q.locality);
  EXPECT_EQ(q.max_queued, 64u);
  EXPECT_EQ(q.timeout, 5s);
  EXPECT_EQ(q.input_weight, 1.5);
  EXPECT_EQ(q.output_weight, 3);
  EXPECT_EQ(q.queue_depth, 8);
  EXPECT_EQ(q.kv_cache, 0.9);
  EXPECT_EQ(q.max_concurrency, 4u);
  EXPECT_EQ(q.reserve, 1u);
  EXPECT_EQ(c.models[1].queue.reserve, 0u);  // default
  EXPECT_TRUE(c.models[1].queue.enabled);
  EXPECT_FALSE(c.models[1].queue.fair);
  EXPECT_EQ(c.models[1].queue.timeout, 30s);  // default
  EXPECT_FALSE(c.models[2].queue.enabled);
  EXPECT_EQ(c.providers[0].quota_requests_per_minute, 500u);
  EXPECT_EQ(c.providers[0].quota_tokens_per_minute, 90000u);
  EXPECT_EQ(c.consumers[0].priority, -1);
  EXPECT_EQ(c.consumers[0].weight, 0.5);
  EXPECT_EQ(c.consumers[1].priority, 0);
  EXPECT_EQ(c.consumers[1].weight, 1);
}

TEST(ConfigQueue, RejectsBadValuesAndAQueueThatCanNeverFill) {
  LoadResult r = LoadConfigText(R"(providers:
  - name: replica
    type: sim
models:
  - name: pool
    provider: replica
    queue: {policy: lifo, kv_cache: 1.5, max_queued: 0, colour: red}
consumers:
  - {name: a, keys: [a-key-0123456789abc], priority: 1.5, weight: 0}
  - {name: b, keys: [b-key-0123456789abc], priority: 5000}
)",
                                "t.yaml");
  ASSERT_FALSE(r.errors.empty());
  std::string errors = ErrorsText(r);
  EXPECT_NE(errors.find("expected vtc, dlpm or fcfs"), std::string::npos) << errors;
  EXPECT_NE(errors.find("between 0 and 1"), std::string::npos) << errors;
  EXPECT_NE(errors.find("max_queued: must be at least 1"), std::string::npos) << errors;
  EXPECT_NE(errors.find("colour"), std::string::npos) << errors;
  EXPECT_NE(errors.find("models[0].queue: the queue can never fill"), std::string::npos) << errors;
  EXPECT_NE(errors.find("consumers[0].priority: expected an integer"), std::string::npos) << errors;
  EXPECT_NE(errors.find("consumers[0].weight: expected a number above 0"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("consumers[1].priority"), std::string::npos) << errors;
  // Every error carries file:line:column.
  EXPECT_NE(errors.find("t.yaml:7:"), std::string::npos) << errors;
}

TEST(ConfigQueue, DlpmNeedsARoutingPolicysPrefixIndex) {
  auto load = [](const std::string& routing) {
    return LoadConfigText(R"(providers:
  - {name: a, type: sim}
models:
  - name: pool
    provider: a
    queue: {policy: dlpm, quantum: 8192, max_concurrency: 2}
)" + routing,
                          "t.yaml");
  };
  LoadResult with = load("    routing: {policy: prefix-aware}\n");
  ASSERT_TRUE(with.errors.empty()) << ErrorsText(with);
  const ModelQueue& q = with.config->models[0].queue;
  EXPECT_TRUE(q.fair);
  EXPECT_TRUE(q.locality);
  EXPECT_EQ(q.quantum, 8192);
  std::string errors = ErrorsText(load(""));
  EXPECT_NE(errors.find("models[0].queue.policy: dlpm needs routing.policy"), std::string::npos)
      << errors;
}

TEST(ConfigQueue, TheReserveMustLeaveSlotsForEveryoneElse) {
  auto load = [](const std::string& queue) {
    return LoadConfigText(R"(providers:
  - {name: a, type: sim}
  - {name: b, type: sim}
models:
  - name: pool
    targets: [{provider: a}, {provider: b}]
    queue: )" + queue + "\n",
                          "t.yaml");
  };
  EXPECT_TRUE(load("{max_concurrency: 2, reserve: 3}").errors.empty());
  std::string errors = ErrorsText(load("{max_concurrency: 2, reserve: 4}"));
  EXPECT_NE(errors.find("models[0].queue.reserve: must be less than max_concurrency x the "
                        "model's targets (4)"),
            std::string::npos)
      << errors;
  errors = ErrorsText(load("{reserve: 1, kv_cache: 0.5}"));
  EXPECT_NE(errors.find("queue.reserve"), std::string::npos) << errors;
}

}  // namespace
}  // namespace sluice::config
