#include "proxy/retry_policy.h"

#include <algorithm>

#include "core/parse_integer.h"

namespace sluice::proxy {

std::string_view FailureClassName(FailureClass c) {
  switch (c) {
    case FailureClass::kNone:
      return "none";
    case FailureClass::kCredential:
      return "credential";
    case FailureClass::kTransient:
      return "transient";
    case FailureClass::kOverloaded:
      return "overloaded";
    case FailureClass::kCaller:
      return "caller";
    case FailureClass::kPolicy:
      return "policy";
  }
  return "none";
}

bool Retryable(FailureClass c) {
  return c == FailureClass::kCredential || c == FailureClass::kTransient ||
         c == FailureClass::kOverloaded;
}

bool CountsAsEndpointFailure(FailureClass c) {
  return c == FailureClass::kTransient || c == FailureClass::kOverloaded;
}

FailureClass ClassifyStatus(int status) {
  if (status >= 200 && status < 300) return FailureClass::kNone;
  if (status == 401 || status == 403) return FailureClass::kCredential;
  if (status == 429 || status == 503 || status == 529) return FailureClass::kOverloaded;
  if (status == 408 || status >= 500) return FailureClass::kTransient;
  if (status >= 400) return FailureClass::kCaller;
  return FailureClass::kTransient;  // 1xx/3xx from an API endpoint: broken upstream
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view retry_after,
                                                         std::string_view retry_after_ms) {
  constexpr uint64_t kCapMs = 24ULL * 3600 * 1000;
  if (auto ms = core::ParseInteger<uint64_t>(retry_after_ms)) return std::chrono::milliseconds(std::min(*ms, kCapMs));
  if (auto s = core::ParseInteger<uint64_t>(retry_after))
    return std::chrono::milliseconds(std::min(*s, kCapMs / 1000) * 1000);
  return std::nullopt;
}

std::chrono::milliseconds Backoff(const config::RetryPolicy& policy, uint32_t retry,
                                  std::mt19937_64& rng) {
  int64_t base = policy.base_backoff.count();
  int64_t cap = policy.max_backoff.count();
  int64_t ceiling = std::min(cap, base << std::min<uint32_t>(retry > 0 ? retry - 1 : 0, 20));
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, ceiling)(rng));
}

}  // namespace sluice::proxy
