// Decision cost of the LLM-aware endpoint picker (docs/routing.md): 16 endpoints with full
// prefix indexes, 4k-token prompts (256 blocks of 64 characters). Not part of the tests:
//   cmake --build --preset release --target picker_bench && build/release/picker_bench
// Besides Google Benchmark's mean, each Pick benchmark times every call and reports the p50 and
// p99 per decision as counters (the steady_clock reads add ~20-40 ns to those).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "routing/endpoint_picker.h"
#include "routing/prefix_hash.h"

namespace {

using namespace sluice::routing;

constexpr size_t kEndpoints = 16;
constexpr size_t kBlocks = 256;  // 4k tokens

std::vector<uint64_t> Prompt(uint64_t family, uint64_t variant, size_t shared) {
  std::vector<uint64_t> ids(kBlocks), out;
  for (size_t i = 0; i < kBlocks; ++i)
    ids[i] = i < shared ? family * 100000 + i : variant * 7919 + i;
  HashBlockIds(PrefixSeed("model", ""), ids, out);
  return out;
}

// 16 endpoints, each LRU full (31,250 blocks, GIE's default) with 4k-token prompts from 64
// families of shared prefixes; scrapes fresh; some requests in flight.
struct Fixture {
  Fixture() : pool(Endpoints()) {
    std::mt19937_64 rng(1);
    for (uint64_t n = 0; n < kEndpoints * 140; ++n) {
      auto p = Prompt(n % 64, n, 128);
      PickRequest r;
      r.hashes = p;
      r.prompt_tokens = 4096;
      (void)pool.OnDispatch(r, PickResult{int(n % kEndpoints), 0});
    }
    for (size_t e = 0; e < kEndpoints; ++e) {
      EndpointMetrics m;
      m.valid = true;
      m.waiting = double(e % 3);
      m.kv_usage = 0.1 * double(e % 7);
      pool.UpdateMetrics(e, m);
    }
    hit = Prompt(5, 5, 128);           // family 5's prefix and its own tail: full match
    partial = Prompt(6, 999999, 128);  // family 6's prefix, new tail: half match
    miss = Prompt(999, 1, 0);          // nothing shared
  }
  static std::vector<EndpointInfo> Endpoints() {
    std::vector<EndpointInfo> v(kEndpoints);
    for (size_t i = 0; i < kEndpoints; ++i) v[i].name = "10.0.0." + std::to_string(i) + ":8000";
    return v;
  }
  PoolState pool;
  std::vector<uint64_t> hit, partial, miss;
};

Fixture& Shared() {
  static Fixture f;
  return f;
}

void RunPick(benchmark::State& state, Policy policy, const std::vector<uint64_t>& hashes) {
  Fixture& f = Shared();
  PickerConfig config;
  config.policy = policy;
  EndpointPicker picker(config);
  std::mt19937_64 rng(2);
  PickRequest r;
  r.hashes = hashes;
  r.prompt_tokens = 4096;
  r.output_tokens = 256;
  std::vector<double> ns;
  ns.reserve(1 << 20);
  SteadyTime now{};
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    PickResult p = picker.Pick(f.pool, r, now, rng);
    auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(p);
    if (ns.size() < ns.capacity()) ns.push_back(double((t1 - t0).count()));
  }
  std::sort(ns.begin(), ns.end());
  if (!ns.empty()) {
    state.counters["p50_ns"] = ns[ns.size() / 2];
    state.counters["p99_ns"] = ns[ns.size() * 99 / 100];
  }
}

void BM_PickPrefixAwareHit(benchmark::State& s) { RunPick(s, Policy::kScored, Shared().hit); }
void BM_PickPrefixAwarePartial(benchmark::State& s) {
  RunPick(s, Policy::kScored, Shared().partial);
}
void BM_PickPrefixAwareMiss(benchmark::State& s) { RunPick(s, Policy::kScored, Shared().miss); }
void BM_PickCostHit(benchmark::State& s) { RunPick(s, Policy::kCost, Shared().hit); }
void BM_PickLeastRequest(benchmark::State& s) { RunPick(s, Policy::kLeastRequest, Shared().hit); }
BENCHMARK(BM_PickPrefixAwareHit);
BENCHMARK(BM_PickPrefixAwarePartial);
BENCHMARK(BM_PickPrefixAwareMiss);
BENCHMARK(BM_PickCostHit);
BENCHMARK(BM_PickLeastRequest);

// Hashing the 4k-token prompt (16 KiB of canonical text), done once per request before picking.
void BM_HashPrompt4kTokens(benchmark::State& state) {
  std::string text(16384, 'x');
  for (size_t i = 0; i < text.size(); ++i) text[i] = char('a' + (i * 7) % 26);
  std::vector<uint64_t> out;
  uint64_t seed = PrefixSeed("model", "");
  for (auto _ : state) {
    HashPrompt(seed, text, {}, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_HashPrompt4kTokens);

// Recording a dispatch: 256 LRU touches plus owner-set updates (after the pick, off its path).
void BM_DispatchInsert4kTokens(benchmark::State& state) {
  Fixture& f = Shared();
  PickRequest r;
  r.hashes = f.hit;
  r.prompt_tokens = 4096;
  for (auto _ : state) {
    DispatchTicket t = f.pool.OnDispatch(r, PickResult{3, 0});
    f.pool.OnComplete(t);
  }
}
BENCHMARK(BM_DispatchInsert4kTokens);

}  // namespace

BENCHMARK_MAIN();
