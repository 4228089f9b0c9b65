#pragma once
// Failure classes and retry decisions, sans-I/O (DESIGN.md §2 "Upstream attempts").
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "config/config.h"

namespace sluice::proxy {

enum class FailureClass {
  kNone,        // success
  kCredential,  // 401/403 from the provider: this key is bad; another target may work
  kTransient,   // connect failure, reset, timeout, 5xx, malformed response
  kOverloaded,  // 429, 503, 529: back off, prefer another target
  kCaller,      // the request itself is wrong (provider 4xx): retrying cannot help
  kPolicy,      // our own rules refused it
};

std::string_view FailureClassName(FailureClass c);
// Worth another attempt (on this or another target)?
bool Retryable(FailureClass c);
// Counts against the endpoint's health (outlier detection)?
bool CountsAsEndpointFailure(FailureClass c);
FailureClass ClassifyStatus(int status);

// Parses retry-after (seconds, or an HTTP date is ignored) and retry-after-ms.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view retry_after,
                                                         std::string_view retry_after_ms);

// Delay before attempt number `retry` (1 = first retry): full jitter over base * 2^(retry-1),
// capped at max_backoff.
std::chrono::milliseconds Backoff(const config::RetryPolicy& policy, uint32_t retry,
                                  std::mt19937_64& rng);

// Retry budget (per worker, per route): every request earns `budget` retry tokens, each retry
// spends one, with a floor of kMinTokens so a quiet route can still retry. During an outage the
// retries stay a bounded share of the load instead of multiplying it.
class RetryBudget {
 public:
  static constexpr double kMinTokens = 3;
  static constexpr double kMaxTokens = 100;
  void OnRequest(double budget) { tokens_ = std::min(kMaxTokens, tokens_ + budget); }
  bool TrySpend() {
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double tokens_ = kMinTokens;
};

}  // namespace sluice::proxy
