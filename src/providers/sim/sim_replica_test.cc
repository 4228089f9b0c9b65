#include "providers/sim/sim_replica.h"

#include <gtest/gtest.h>

#include "routing/prefix_hash.h"
#include "routing/server_metrics.h"

namespace sluice::providers::sim {
namespace {

std::vector<uint64_t> Hashes(std::string_view text) {
  std::vector<uint64_t> out;
  routing::HashPrompt(routing::PrefixSeed("m", ""), text, {}, out);
  return out;
}

TEST(SimReplica, RepeatedPrefixIsServedFromCache) {
  SimReplica replica(1000);
  std::string system(640, 's');  // ten 64-character blocks
  auto first = Hashes(system + std::string(64, 'a'));
  EXPECT_EQ(replica.Admit(first, 176, 16), 0u);
  replica.Finish(176);
  auto second = Hashes(system + std::string(64, 'b'));
  EXPECT_EQ(replica.Admit(second, 176, 16), 160u);  // the system prompt's ten blocks
  EXPECT_EQ(replica.running(), 1u);
  auto again = Hashes(system + std::string(64, 'b'));
  EXPECT_EQ(replica.Admit(again, 176, 16), 175u);  // everything but the token to compute
  replica.Finish(176);
  replica.Finish(176);
  EXPECT_EQ(replica.running(), 0u);
  EXPECT_EQ(replica.kv_usage(), 0.0);
}

TEST(SimReplica, EvictsWhenFull) {
  SimReplica replica(4);
  auto a = Hashes(std::string(256, 'a'));  // 4 blocks
  replica.Admit(a, 64, 16);
  replica.Admit(Hashes(std::string(256, 'b')), 64, 16);
  EXPECT_EQ(replica.Admit(a, 64, 16), 0u);
}

TEST(SimReplica, MetricsParseAsVllm) {
  SimReplica replica(500);
  replica.Admit(Hashes(std::string(800, 'x')), 200, 16);
  routing::EndpointMetrics m;
  ASSERT_TRUE(routing::ParseServerMetrics(replica.RenderVllmMetrics("pool", {}),
                                          routing::ServerKind::kVllm, m));
  EXPECT_EQ(m.running, 1);
  EXPECT_EQ(m.waiting, 0);
  EXPECT_EQ(m.num_blocks, 500u);
  EXPECT_EQ(m.block_size, 16u);
  EXPECT_NEAR(m.kv_usage, 200.0 / 8000, 1e-6);
}

TEST(SimReplica, PrefillsQueueBehindEachOther) {
  using std::chrono::milliseconds;
  SimReplica replica(100);
  SimReplica::Time t0{};
  EXPECT_EQ(replica.SchedulePrefill(t0, milliseconds(30)), t0 + milliseconds(30));
  // Arrives 10 ms later: waits for the first prefill's remaining 20 ms, then runs its own 5.
  EXPECT_EQ(replica.SchedulePrefill(t0 + milliseconds(10), milliseconds(5)), t0 + milliseconds(35));
  replica.Admit({}, 10, 16);
  replica.Admit({}, 10, 16);
  EXPECT_EQ(replica.waiting(t0 + milliseconds(20)), 1u);
  EXPECT_EQ(replica.waiting(t0 + milliseconds(31)), 0u);
  routing::EndpointMetrics m;
  ASSERT_TRUE(routing::ParseServerMetrics(replica.RenderVllmMetrics("pool", t0 + milliseconds(20)),
                                          routing::ServerKind::kVllm, m));
  EXPECT_EQ(m.waiting, 1);
  EXPECT_EQ(m.running, 1);
  // Idle again: the next prefill starts at once.
  EXPECT_EQ(replica.SchedulePrefill(t0 + milliseconds(100), milliseconds(1)),
            t0 + milliseconds(101));
}

}  // namespace
}  // namespace sluice::providers::sim
