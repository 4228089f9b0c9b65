#pragma once
// A provider's API keys and their health, shared by all workers (atomics, no locks): a key the
// provider answered 401/403 is dead for key_dead_time (doubling with each refusal in a row, up to
// 16x), one answered 429 rests until its retry-after (or key_rest_time); afterwards it is used
// again, and a success clears its record. Keys are picked weighted-random among the usable ones.
// Sans-I/O: the caller passes the time. Lives in the config snapshot: a reload starts afresh.
// The proxy records outcomes only for pools of two or more keys (a lone key has no alternative).
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string_view>

#include "config/config.h"

namespace sluice::routing {

class KeyPool {
 public:
  using Time = std::chrono::steady_clock::time_point;
  enum class State { kUp, kDead, kResting };

  explicit KeyPool(const config::Provider& provider);  // `provider` must outlive the pool

  size_t size() const { return provider_.api_keys.size(); }
  const config::ApiKey& key(size_t i) const { return provider_.api_keys[i]; }

  // A usable key's index, or nullopt when every key is dead or resting (`blocked` says which
  // dominates: kResting if any key merely rests, else kDead; `retry_at` when the first returns).
  std::optional<size_t> Pick(Time now, std::mt19937_64& rng, State* blocked = nullptr,
                             Time* retry_at = nullptr) const;
  void OnSuccess(size_t i) const;
  void OnAuthFailure(size_t i, Time now) const;
  void OnRateLimited(size_t i, Time now, std::optional<std::chrono::milliseconds> retry_after) const;

  State state(size_t i, Time now) const;
  Time until(size_t i) const;  // when a dead or resting key is usable again
  bool AnyUsable(Time now) const;

 private:
  struct Slot {
    std::atomic<int64_t> dead_until{0};  // steady-clock nanoseconds
    std::atomic<int64_t> rest_until{0};
    std::atomic<uint32_t> refusals{0};   // 401/403 in a row
  };
  const config::Provider& provider_;
  std::unique_ptr<Slot[]> slots_;
};

std::string_view KeyStateName(KeyPool::State state);  // "up", "dead", "resting"

}  // namespace sluice::routing
