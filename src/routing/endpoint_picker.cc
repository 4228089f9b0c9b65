#include "routing/endpoint_picker.h"

#include <algorithm>

#include "routing/scorers.h"

namespace sluice::routing {
namespace {

constexpr std::array<std::pair<std::string_view, Policy>, 6> kPolicies{{
    {"random", Policy::kRandom},
    {"round-robin", Policy::kRoundRobin},
    {"least-request", Policy::kLeastRequest},
    {"power-of-two", Policy::kPowerOfTwo},
    {"prefix-aware", Policy::kScored},
    {"cost", Policy::kCost},
}};

bool ServesAdapter(const EndpointInfo& e, std::string_view lora) {
  if (lora.empty() || e.adapters.empty()) return true;
  return std::find(e.adapters.begin(), e.adapters.end(), lora) != e.adapters.end();
}

// Index of the best value (by `better`), ties broken uniformly at random (reservoir sampling).
template <typename Better>
size_t BestWithTies(size_t n, std::mt19937_64& rng, Better better, auto equal) {
  size_t best = 0, ties = 1;
  for (size_t k = 1; k < n; ++k) {
    if (better(k, best)) {
      best = k;
      ties = 1;
    } else if (equal(k, best) && std::uniform_int_distribution<size_t>(0, ties++)(rng) == 0) {
      best = k;
    }
  }
  return best;
}

}  // namespace

std::optional<Policy> ParsePolicy(std::string_view name) {
  for (const auto& [n, p] : kPolicies)
    if (n == name) return p;
  return std::nullopt;
}

std::string_view PolicyName(Policy policy) {
  for (const auto& [n, p] : kPolicies)
    if (p == policy) return n;
  return "?";
}

size_t EndpointPicker::Filter(const PoolState& pool, const PickRequest& request, SteadyTime now) {
  size_t n = 0;
  for (size_t e = 0; e < pool.size(); ++e) {
    const auto& info = pool.at(e);
    if (info.healthy && ServesAdapter(info, request.lora))
      candidates_[n++] = static_cast<uint16_t>(e);
  }
  if (config_.policy != Policy::kScored && config_.policy != Policy::kCost) return n;
  if (!config_.saturation_filter) return n;
  size_t kept = 0;
  for (size_t k = 0; k < n; ++k) {
    const auto& m = pool.at(candidates_[k]).metrics;
    bool saturated =
        Fresh(m, now, config_.stale_after) &&
        (m.waiting >= config_.saturation_waiting || m.kv_usage >= config_.saturation_kv);
    if (!saturated) candidates_[kept++] = candidates_[k];
  }
  if (kept > 0) return kept;
  // Everything is saturated: skipping all would refuse the request; choose among them all.
  n = 0;
  for (size_t e = 0; e < pool.size(); ++e) {
    const auto& info = pool.at(e);
    if (info.healthy && ServesAdapter(info, request.lora))
      candidates_[n++] = static_cast<uint16_t>(e);
  }
  return n;
}

PickResult EndpointPicker::Pick(const PoolState& pool, const PickRequest& request, SteadyTime now,
                                std::mt19937_64& rng) {
  size_t n = Filter(pool, request, now);
  if (n == 0) return {};
  auto result = [&](size_t k) { return PickResult{candidates_[k], 0}; };
  auto in_flight = [&](size_t k) { return pool.at(candidates_[k]).load.requests; };
  switch (config_.policy) {
    case Policy::kRandom:
      return result(std::uniform_int_distribution<size_t>(0, n - 1)(rng));
    case Policy::kRoundRobin: {
      // Advance past the last pick in pool order, skipping endpoints filtered out.
      size_t k = 0;
      while (k < n && candidates_[k] < next_) ++k;
      if (k == n) k = 0;
      next_ = candidates_[k] + 1u;
      return result(k);
    }
    case Policy::kLeastRequest:
      return result(BestWithTies(
          n, rng, [&](size_t a, size_t b) { return in_flight(a) < in_flight(b); },
          [&](size_t a, size_t b) { return in_flight(a) == in_flight(b); }));
    case Policy::kPowerOfTwo: {
      if (n == 1) return result(0);
      size_t a = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
      size_t b = std::uniform_int_distribution<size_t>(0, n - 2)(rng);
      if (b >= a) ++b;
      return result(in_flight(b) < in_flight(a) ? b : a);
    }
    case Policy::kScored:
      return PickScored(pool, request, n, now, rng);
    case Policy::kCost:
      return PickCost(pool, request, n, rng);
  }
  return {};
}

PickResult EndpointPicker::PickScored(const PoolState& pool, const PickRequest& request, size_t n,
                                      SteadyTime now, std::mt19937_64& rng) {
  const auto& w = config_.weights;
  std::span<const uint16_t> cands(candidates_.data(), n);
  std::span<double> s(scratch_.data(), n);
  std::fill(total_.begin(), total_.begin() + n, 0.0);
  auto add = [&](double weight) {
    for (size_t k = 0; k < n; ++k) total_[k] += weight * s[k];
  };
  bool matched = false;
  if (w.prefix != 0 && !request.hashes.empty()) {
    pool.index().Match(request.hashes, std::span(matched_.data(), pool.size()));
    matched = true;
    ScorePrefix(matched_, request.hashes.size(), cands, s);
    add(w.prefix);
  }
  if (w.queue != 0) {
    ScoreQueue(pool, cands, now, config_.stale_after, s);
    add(w.queue);
  }
  if (w.kv_cache != 0) {
    ScoreKvCache(pool, cands, now, config_.stale_after, s);
    add(w.kv_cache);
  }
  if (w.lora != 0 && !request.lora.empty()) {
    ScoreLora(pool, cands, request.lora, now, config_.stale_after, s);
    add(w.lora);
  }
  if (w.session != 0 && request.session != 0) {
    ScoreSession(pool, cands, request.session, s);
    add(w.session);
  }
  if (w.latency != 0) {
    ScoreLatency(pool, cands, s);
    add(w.latency);
  }
  constexpr double kEps = 1e-9;
  size_t best = BestWithTies(
      n, rng, [&](size_t a, size_t b) { return total_[a] > total_[b] + kEps; },
      [&](size_t a, size_t b) { return std::abs(total_[a] - total_[b]) <= kEps; });
  return {candidates_[best], matched ? matched_[candidates_[best]] : 0};
}

PickResult EndpointPicker::PickCost(const PoolState& pool, const PickRequest& request, size_t n,
                                    std::mt19937_64& rng) {
  bool matched = !request.hashes.empty();
  if (matched) pool.index().Match(request.hashes, std::span(matched_.data(), pool.size()));
  for (size_t k = 0; k < n; ++k) {
    const auto& load = pool.at(candidates_[k]).load;
    uint64_t cached = matched ? uint64_t{matched_[candidates_[k]]} * pool.block_tokens() : 0;
    double uncached =
        double(request.prompt_tokens - std::min<uint64_t>(cached, request.prompt_tokens));
    total_[k] = config_.cost_prefill_weight * (double(load.prefill_tokens) + uncached) +
                config_.cost_decode_weight * double(load.tokens);
  }
  constexpr double kEps = 1e-9;
  size_t best = BestWithTies(
      n, rng, [&](size_t a, size_t b) { return total_[a] < total_[b] - kEps; },
      [&](size_t a, size_t b) { return std::abs(total_[a] - total_[b]) <= kEps; });
  return {candidates_[best], matched ? matched_[candidates_[best]] : 0};
}

}  // namespace sluice::routing
