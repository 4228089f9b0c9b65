#pragma once
// A provider's quota (requests and tokens per minute, from config) as the gateway tracks it, so
// that requests wait in the fair queue instead of collecting the provider's 429s. Counted locally
// per one-minute window and corrected by what the provider says is left
// (`x-ratelimit-remaining-{requests,tokens}`, `x-ratelimit-reset-{requests,tokens}` as OpenAI,
// Azure, vLLM-compatible servers send them), which also covers other clients sharing the key.
// Sans-I/O: callers pass the time and lock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::flow {

class ProviderQuota {
 public:
  using Time = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  // 0 = no limit of that kind.
  ProviderQuota(uint64_t requests_per_minute, uint64_t tokens_per_minute)
      : rpm_(requests_per_minute), tpm_(tokens_per_minute) {}

  // No request may go now: no request left, or no token left.
  bool Exhausted(Time now);
  // When the exhausted part refills (now when not exhausted): for a waiting request's retry-after.
  Time RefillsAt(Time now);
  // A request went out, expected to use `tokens` (prompt estimate + max_tokens).
  void OnDispatch(uint64_t tokens, Time now);
  // Its answer reported `actual` tokens instead.
  void Reconcile(uint64_t expected, uint64_t actual);
  // The provider's own count, from its response headers (either may be absent).
  struct Report {
    std::optional<int64_t> remaining_requests, remaining_tokens;
    std::optional<Duration> reset_requests, reset_tokens;
  };
  void OnReport(const Report& report, Time now);

  int64_t remaining_requests(Time now);
  int64_t remaining_tokens(Time now);

 private:
  struct Window {
    int64_t remaining = 0;
    Time resets_at{};
  };
  static void Roll(Window& w, uint64_t limit, Time now);

  uint64_t rpm_, tpm_;
  Window requests_, tokens_;
};

// OpenAI's reset format: "1s", "6m0s", "20ms", "17.28s", "1h2m". nullopt when malformed.
std::optional<std::chrono::steady_clock::duration> ParseResetDuration(std::string_view text);

}  // namespace sluice::flow
