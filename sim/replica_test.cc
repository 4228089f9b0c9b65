#include "sim/replica.h"

#include <gtest/gtest.h>

#include "routing/prefix_hash.h"

namespace sluice::sim {
namespace {

SimRequest Prompt(std::vector<uint64_t> ids, uint32_t tokens, uint32_t output) {
  SimRequest r;
  r.prompt_blocks = std::move(ids);
  r.prompt_tokens = tokens;
  r.output_tokens = output;
  routing::HashBlockIds(1, r.prompt_blocks, r.hashes);
  return r;
}

// Runs steps until the replica is idle; returns the events and the total time.
double Drain(Replica& replica, std::vector<StepEvent>& events) {
  double t = 0;
  while (replica.busy()) t += replica.Step(events);
  return t;
}

TEST(Replica, RepeatedPromptHitsTheCacheUpToAllButOneToken) {
  ReplicaConfig config;
  config.num_blocks = 100;
  Replica replica(config);
  auto a = Prompt({1, 2, 3, 4}, 64, 3);
  std::vector<StepEvent> events;
  replica.Enqueue(0, &a);
  Drain(replica, events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, StepEvent::kFirstToken);
  EXPECT_EQ(events[0].cached_tokens, 0u);
  EXPECT_EQ(events[1].kind, StepEvent::kDone);
  EXPECT_DOUBLE_EQ(replica.gauges().kv_usage, 0.0);  // finished: cached but evictable
  events.clear();
  auto again = Prompt({1, 2, 3, 4}, 64, 1);
  replica.Enqueue(1, &again);
  Drain(replica, events);
  EXPECT_EQ(events[0].cached_tokens, 48u);  // the last block is recomputed for the first token
  auto longer = Prompt({1, 2, 3, 4, 5}, 75, 1);
  replica.Enqueue(2, &longer);
  events.clear();
  Drain(replica, events);
  EXPECT_EQ(events[0].cached_tokens, 64u);
  EXPECT_EQ(replica.prompt_tokens_total(), 64u + 64 + 75);
  EXPECT_EQ(replica.cached_tokens_total(), 48u + 64);
}

TEST(Replica, EvictsLeastRecentlyFreedBlocksTailFirst) {
  ReplicaConfig config;
  config.num_blocks = 6;
  Replica replica(config);
  std::vector<StepEvent> events;
  auto a = Prompt({1, 2, 3, 4}, 64, 1);  // 4 blocks + 1 for the output token
  replica.Enqueue(0, &a);
  Drain(replica, events);
  auto b = Prompt({9, 8}, 32, 1);  // needs 3 of the 2 free: one of a's goes, its tail
  replica.Enqueue(1, &b);
  Drain(replica, events);
  events.clear();
  auto a2 = Prompt({1, 2, 3, 4}, 64, 1);
  replica.Enqueue(2, &a2);
  Drain(replica, events);
  EXPECT_EQ(events[0].cached_tokens, 48u);  // blocks 1-3 survived (a's tail block went first)
  EXPECT_EQ(replica.cached_blocks(), 5u);   // a's four and b's head
}

TEST(Replica, StepTimeGrowsWithUncachedPrefill) {
  ReplicaConfig config;
  config.alpha_ms = 10;
  config.beta_ms = 0.1;
  config.gamma_ms = 0;
  config.delta_ms = 0;
  Replica replica(config);
  std::vector<StepEvent> events;
  auto a = Prompt({1, 2, 3, 4, 5, 6, 7, 8}, 128, 1);
  replica.Enqueue(0, &a);
  EXPECT_DOUBLE_EQ(replica.Step(events), (10 + 0.1 * 128) / 1000);
  auto again = Prompt({1, 2, 3, 4, 5, 6, 7, 8}, 128, 1);
  replica.Enqueue(1, &again);
  EXPECT_DOUBLE_EQ(replica.Step(events), (10 + 0.1 * 16) / 1000);
}

TEST(Replica, ChunkedPrefillAndBatching) {
  ReplicaConfig config;
  config.step_tokens = 100;
  config.max_seqs = 2;
  Replica replica(config);
  std::vector<StepEvent> events;
  std::vector<SimRequest> reqs;
  for (uint64_t i = 0; i < 3; ++i) reqs.push_back(Prompt({i * 10 + 1, i * 10 + 2}, 32, 5));
  reqs.push_back(Prompt({100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112}, 200, 1));
  for (uint32_t i = 0; i < reqs.size(); ++i) replica.Enqueue(i, &reqs[i]);
  replica.Step(events);
  EXPECT_EQ(replica.gauges().running, 2u);  // max_seqs
  EXPECT_EQ(replica.gauges().waiting, 2u);
  Drain(replica, events);
  size_t done = 0;
  for (const auto& e : events) done += e.kind == StepEvent::kDone;
  EXPECT_EQ(done, 4u);
  EXPECT_DOUBLE_EQ(replica.gauges().kv_usage, 0.0);
}

TEST(Replica, RejectsARequestLargerThanTheWholeCache) {
  ReplicaConfig config;
  config.num_blocks = 2;
  Replica replica(config);
  std::vector<StepEvent> events;
  auto big = Prompt({1, 2, 3}, 48, 1);
  replica.Enqueue(0, &big);
  Drain(replica, events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, StepEvent::kRejected);
}

}  // namespace
}  // namespace sluice::sim
