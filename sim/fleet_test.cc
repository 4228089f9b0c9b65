#include "sim/fleet.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sim/workload.h"

namespace sluice::sim {
namespace {

FleetConfig Small(routing::Policy policy) {
  FleetConfig c;
  c.replicas = 4;
  c.replica.num_blocks = 3000;
  c.picker.policy = policy;
  c.seed = 9;
  return c;
}

std::vector<SimRequest> SmallSharedPrefix(uint64_t seed) {
  SharedPrefixOptions o;
  o.groups = 20;
  o.prompts_per_group = 4;
  o.system_tokens = 2000;
  o.question_tokens = 400;
  o.output_tokens = 100;
  return SharedPrefix(o, 6, 400, seed);
}

TEST(Fleet, IsDeterministicForASeed) {
  auto a = RunFleet(Small(routing::Policy::kScored), SmallSharedPrefix(3));
  auto b = RunFleet(Small(routing::Policy::kScored), SmallSharedPrefix(3));
  EXPECT_EQ(a.ttft_p50, b.ttft_p50);
  EXPECT_EQ(a.ttft_p99, b.ttft_p99);
  EXPECT_EQ(a.hit_rate, b.hit_rate);
  EXPECT_EQ(a.makespan, b.makespan);
  auto c = RunFleet(Small(routing::Policy::kScored), SmallSharedPrefix(4));
  EXPECT_NE(a.makespan, c.makespan);
}

TEST(Fleet, EveryPolicyCompletesEveryRequestWithinTheIdealHitRate) {
  for (auto policy :
       {routing::Policy::kRandom, routing::Policy::kRoundRobin, routing::Policy::kLeastRequest,
        routing::Policy::kPowerOfTwo, routing::Policy::kScored, routing::Policy::kCost}) {
    auto r = RunFleet(Small(policy), SmallSharedPrefix(1));
    EXPECT_EQ(r.completed, 400u) << routing::PolicyName(policy);
    EXPECT_EQ(r.rejected, 0u);
    EXPECT_GT(r.hit_rate, 0.0);
    EXPECT_LE(r.hit_rate, r.ideal_hit_rate + 1e-12) << routing::PolicyName(policy);
    EXPECT_GE(r.imbalance, 1.0);
    EXPECT_LE(r.ttft_p50, r.ttft_p90);
    EXPECT_LE(r.ttft_p90, r.ttft_p99);
  }
}

TEST(Fleet, PrefixAwareRoutingHitsTheCacheRoundRobinMisses) {
  auto rr = RunFleet(Small(routing::Policy::kRoundRobin), SmallSharedPrefix(2));
  auto pa = RunFleet(Small(routing::Policy::kScored), SmallSharedPrefix(2));
  EXPECT_GT(pa.hit_rate, rr.hit_rate + 0.2);
  EXPECT_GT(pa.hit_rate, 0.8 * pa.ideal_hit_rate);
  EXPECT_LT(pa.ttft_p50, rr.ttft_p50);
}

TEST(Fleet, MultiTurnPromptsExtendThePreviousTurn) {
  MultiTurnOptions o;
  o.users = 2;
  auto reqs = MultiTurn(o, 1, 6, 1);
  ASSERT_EQ(reqs.size(), 6u);
  for (size_t i = 0; i + 1 < reqs.size(); ++i) EXPECT_LE(reqs[i].arrival, reqs[i + 1].arrival);
  // A user's next prompt starts with its previous prompt and answer.
  for (size_t i = 0; i < reqs.size(); ++i) {
    for (size_t j = i + 1; j < reqs.size(); ++j) {
      if (reqs[j].session != reqs[i].session) continue;
      auto prefix = reqs[i].prompt_blocks;
      prefix.insert(prefix.end(), reqs[i].output_blocks.begin(), reqs[i].output_blocks.end());
      ASSERT_GE(reqs[j].prompt_blocks.size(), prefix.size());
      EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), reqs[j].prompt_blocks.begin()));
      break;
    }
  }
  auto r = RunFleet(Small(routing::Policy::kScored), MultiTurn(o, 2, 40, 1));
  EXPECT_EQ(r.completed, 40u);
  EXPECT_GT(r.hit_rate, 0.8);  // every turn after the first reuses the conversation so far
}

TEST(Trace, LoadsTheShippedSyntheticTrace) {
  std::vector<SimRequest> reqs;
  std::string error;
  ASSERT_TRUE(LoadMooncakeTrace(SLUICE_SOURCE_DIR "/sim/traces/synthetic_trace.jsonl", 1, 100000,
                                reqs, error))
      << error;
  ASSERT_GE(reqs.size(), 500u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.prompt_blocks.size(), (r.prompt_tokens + 15) / 16);
    EXPECT_GE(r.output_tokens, 1u);
  }
  auto result = RunFleet(Small(routing::Policy::kScored), std::move(reqs));
  EXPECT_GT(result.ideal_hit_rate, 0.3);
}

TEST(Trace, ReportsAMalformedLine) {
  std::string path = ::testing::TempDir() + "bad_trace.jsonl";
  std::ofstream(path) << "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5, "
                         "\"hash_ids\": [1]}\n{\"timestamp\": 5}\n";
  std::vector<SimRequest> reqs;
  std::string error;
  EXPECT_FALSE(LoadMooncakeTrace(path, 1, 100, reqs, error));
  EXPECT_NE(error.find(":2:"), std::string::npos) << error;
}

}  // namespace
}  // namespace sluice::sim
