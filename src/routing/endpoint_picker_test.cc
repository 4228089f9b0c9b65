#include "routing/endpoint_picker.h"

#include <gtest/gtest.h>

#include <map>

#include "routing/prefix_hash.h"

namespace sluice::routing {
namespace {

PickerConfig With(Policy policy) {
  PickerConfig c;
  c.policy = policy;
  return c;
}

ScorerWeights Only(double prefix, double queue, double kv, double latency = 0) {
  ScorerWeights w;
  w.prefix = prefix;
  w.queue = queue;
  w.kv_cache = kv;
  w.latency = latency;
  return w;
}

std::vector<EndpointInfo> Endpoints(size_t n) {
  std::vector<EndpointInfo> v(n);
  for (size_t i = 0; i < n; ++i) v[i].name = "e" + std::to_string(i);
  return v;
}

std::vector<uint64_t> Blocks(uint64_t first, size_t n) {
  std::vector<uint64_t> ids(n), out;
  for (size_t i = 0; i < n; ++i) ids[i] = first + i;
  HashBlockIds(PrefixSeed("m", ""), ids, out);
  return out;
}

PickRequest Request(const std::vector<uint64_t>& hashes) {
  PickRequest r;
  r.hashes = hashes;
  r.prompt_tokens = static_cast<uint32_t>(hashes.size() * 16);
  r.output_tokens = 100;
  return r;
}

EndpointMetrics Scrape(SteadyTime at, double waiting, double kv) {
  EndpointMetrics m;
  m.at = at;
  m.valid = true;
  m.waiting = waiting;
  m.kv_usage = kv;
  return m;
}

TEST(EndpointPicker, ParsesPolicyNames) {
  EXPECT_EQ(ParsePolicy("prefix-aware"), Policy::kScored);
  EXPECT_EQ(ParsePolicy("least-request"), Policy::kLeastRequest);
  EXPECT_FALSE(ParsePolicy("fastest"));
  EXPECT_EQ(PolicyName(Policy::kCost), "cost");
}

TEST(EndpointPicker, RepeatedPrefixGoesBackToTheEndpointThatCachedIt) {
  PoolState pool(Endpoints(4));
  EndpointPicker picker;
  std::mt19937_64 rng(1);
  SteadyTime now{};
  auto sys = Blocks(100, 64);
  auto first = picker.Pick(pool, Request(sys), now, rng);
  ASSERT_GE(first.endpoint, 0);
  EXPECT_EQ(first.matched_blocks, 0u);
  auto ticket = pool.OnDispatch(Request(sys), first);
  pool.OnComplete(ticket);
  for (int i = 0; i < 20; ++i) {
    auto again = picker.Pick(pool, Request(sys), now, rng);
    EXPECT_EQ(again.endpoint, first.endpoint);
    EXPECT_EQ(again.matched_blocks, 64u);
  }
}

TEST(EndpointPicker, LoadOutweighsAPartialPrefixMatch) {
  PoolState pool(Endpoints(2));
  EndpointPicker picker;
  std::mt19937_64 rng(1);
  SteadyTime now{};
  auto sys = Blocks(100, 10);
  auto ticket = pool.OnDispatch(Request(sys), PickResult{0, 0});
  (void)ticket;                   // still in flight: endpoint 0 is busier
  auto longer = Blocks(100, 40);  // shares a quarter with what endpoint 0 holds
  pool.UpdateMetrics(0, Scrape(now, 4, 0.7));
  pool.UpdateMetrics(1, Scrape(now, 0, 0.1));
  EXPECT_EQ(picker.Pick(pool, Request(longer), now, rng).endpoint, 1);
}

TEST(EndpointPicker, TiesAreBrokenAtRandom) {
  PoolState pool(Endpoints(4));
  EndpointPicker picker;
  std::mt19937_64 rng(3);
  std::map<int, int> seen;
  auto h = Blocks(1, 4);
  for (int i = 0; i < 400; ++i) ++seen[picker.Pick(pool, Request(h), SteadyTime{}, rng).endpoint];
  EXPECT_EQ(seen.size(), 4u);
  for (const auto& [e, count] : seen) EXPECT_GT(count, 50) << e;
}

TEST(EndpointPicker, FiltersUnhealthyAdapterlessAndSaturatedEndpoints) {
  auto eps = Endpoints(4);
  eps[1].adapters = {"sql"};
  eps[2].adapters = {"sql"};
  eps[3].adapters = {"chat"};
  PoolState pool(std::move(eps));
  EndpointPicker picker;
  std::mt19937_64 rng(1);
  SteadyTime now{};
  PickRequest r;
  r.lora = "sql";
  pool.UpdateMetrics(1, Scrape(now, 9, 0.2));  // saturated: 9 waiting
  for (int i = 0; i < 20; ++i) {
    int e = picker.Pick(pool, r, now, rng).endpoint;
    EXPECT_TRUE(e == 0 || e == 2) << e;
  }
  pool.SetHealthy(0, false);
  // Only saturated endpoint 1 and endpoint 2 serve "sql"; 1 is skipped while 2 is there.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(picker.Pick(pool, r, now, rng).endpoint, 2);
  pool.SetHealthy(2, false);
  EXPECT_EQ(picker.Pick(pool, r, now, rng).endpoint, 1);  // saturated beats refusing
  pool.SetHealthy(1, false);
  EXPECT_EQ(picker.Pick(pool, r, now, rng).endpoint, -1);
}

TEST(EndpointPicker, IgnoresStaleScrapes) {
  PoolState pool(Endpoints(2));
  PickerConfig config;
  config.weights = Only(0, 0, 1);
  EndpointPicker picker(config);
  std::mt19937_64 rng(1);
  SteadyTime t0{};
  pool.UpdateMetrics(0, Scrape(t0, 0, 0.0));
  pool.UpdateMetrics(1, Scrape(t0, 0, 0.7));
  EXPECT_EQ(picker.Pick(pool, {}, t0, rng).endpoint, 0);
  pool.UpdateMetrics(1, Scrape(t0 + std::chrono::seconds(5), 0, 0.7));
  // At t0+5s endpoint 0's scrape is stale (neutral 0.5) and 1's fresh 0.3: 0 still wins.
  EXPECT_EQ(picker.Pick(pool, {}, t0 + std::chrono::seconds(5), rng).endpoint, 0);
  pool.UpdateMetrics(1, Scrape(t0 + std::chrono::seconds(5), 0, 0.2));
  EXPECT_EQ(picker.Pick(pool, {}, t0 + std::chrono::seconds(5), rng).endpoint, 1);
}

TEST(EndpointPicker, LoraAffinityPrefersTheEndpointRunningTheAdapter) {
  PoolState pool(Endpoints(3));
  EndpointPicker picker;
  std::mt19937_64 rng(1);
  SteadyTime now{};
  for (size_t e = 0; e < 3; ++e) {
    auto m = Scrape(now, 0, 0.1);
    m.has_lora = true;
    m.lora.max_lora = 1;
    if (e == 2) m.lora.running = {"sql"};
    if (e == 1) m.lora.running = {"chat"};
    pool.UpdateMetrics(e, m);
  }
  PickRequest r;
  r.lora = "sql";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(picker.Pick(pool, r, now, rng).endpoint, 2);
}

TEST(EndpointPicker, SessionStaysOnOneEndpoint) {
  PoolState pool(Endpoints(8));
  PickerConfig config;
  config.weights.session = 10;
  EndpointPicker picker(config);
  std::mt19937_64 rng(1);
  std::map<int, int> first_of;
  for (uint64_t session = 1; session <= 50; ++session) {
    PickRequest r;
    r.session = session * 0x9e3779b97f4a7c15ull;
    int e = picker.Pick(pool, r, SteadyTime{}, rng).endpoint;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(picker.Pick(pool, r, SteadyTime{}, rng).endpoint, e);
    ++first_of[e];
  }
  EXPECT_GE(first_of.size(), 5u);  // sessions spread over endpoints
}

TEST(EndpointPicker, LatencyScorerPrefersTheFasterEndpoint) {
  PoolState pool(Endpoints(2));
  PickerConfig config;
  config.weights = Only(0, 0, 0, 1);
  EndpointPicker picker(config);
  std::mt19937_64 rng(1);
  for (int e = 0; e < 2; ++e) {
    auto t = pool.OnDispatch(PickRequest{}, PickResult{e, 0});
    pool.OnFirstToken(t, e == 0 ? 900 : 100);
    pool.OnComplete(t);
  }
  EXPECT_EQ(picker.Pick(pool, {}, SteadyTime{}, rng).endpoint, 1);
}

TEST(EndpointPicker, Baselines) {
  PoolState pool(Endpoints(3));
  std::mt19937_64 rng(1);
  EndpointPicker rr(With(Policy::kRoundRobin));
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) order.push_back(rr.Pick(pool, {}, SteadyTime{}, rng).endpoint);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  pool.SetHealthy(1, false);
  EXPECT_EQ(rr.Pick(pool, {}, SteadyTime{}, rng).endpoint, 0);
  EXPECT_EQ(rr.Pick(pool, {}, SteadyTime{}, rng).endpoint, 2);
  pool.SetHealthy(1, true);

  for (int e : {0, 0, 1}) (void)pool.OnDispatch({}, PickResult{e, 0});  // 0 busiest, 2 idle
  EndpointPicker lr(With(Policy::kLeastRequest));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lr.Pick(pool, {}, SteadyTime{}, rng).endpoint, 2);
  EndpointPicker p2c(With(Policy::kPowerOfTwo));
  for (int i = 0; i < 50; ++i) EXPECT_NE(p2c.Pick(pool, {}, SteadyTime{}, rng).endpoint, 0);
}

TEST(EndpointPicker, CostPolicyTradesCachedPrefixAgainstQueuedPrefill) {
  PoolState pool(Endpoints(2));
  EndpointPicker picker(With(Policy::kCost));
  std::mt19937_64 rng(1);
  auto sys = Blocks(100, 100);  // 1600 tokens
  auto warm = pool.OnDispatch(Request(sys), PickResult{0, 0});
  pool.OnFirstToken(warm, 50);
  pool.OnComplete(warm);
  auto hit = picker.Pick(pool, Request(sys), SteadyTime{}, rng);
  EXPECT_EQ(hit.endpoint, 0);
  EXPECT_EQ(hit.matched_blocks, 100u);
  // A long uncached prefill queued on 0 makes recomputing on idle 1 the faster start.
  auto big = Blocks(5000, 400);
  auto queued = pool.OnDispatch(Request(big), PickResult{0, 0});
  EXPECT_EQ(picker.Pick(pool, Request(sys), SteadyTime{}, rng).endpoint, 1);
  pool.OnFirstToken(queued, 10);
  pool.OnComplete(queued);
  EXPECT_EQ(pool.at(0).load.requests, 0u);
  EXPECT_EQ(pool.at(0).load.tokens, 0u);
  EXPECT_EQ(pool.at(0).load.prefill_tokens, 0u);
}

TEST(PoolState, SizesTheIndexFromTheReportedKvCapacity) {
  PoolState pool(Endpoints(1), 16, 1000);
  EndpointMetrics m;
  m.valid = true;
  m.block_size = 32;
  m.num_blocks = 50;  // 1600 tokens = 100 of our 16-token blocks
  pool.UpdateMetrics(0, m);
  EXPECT_EQ(pool.index().capacity(0), 100u);
}

}  // namespace
}  // namespace sluice::routing
