#include "flow/provider_quota.h"

#include <algorithm>
#include <charconv>

namespace sluice::flow {

using namespace std::chrono_literals;

void ProviderQuota::Roll(Window& w, uint64_t limit, Time now) {
  if (now < w.resets_at) return;
  w.remaining = static_cast<int64_t>(limit);
  w.resets_at = now + 1min;
}

int64_t ProviderQuota::remaining_requests(Time now) {
  if (rpm_ == 0) return INT64_MAX;
  Roll(requests_, rpm_, now);
  return requests_.remaining;
}

int64_t ProviderQuota::remaining_tokens(Time now) {
  if (tpm_ == 0) return INT64_MAX;
  Roll(tokens_, tpm_, now);
  return tokens_.remaining;
}

bool ProviderQuota::Exhausted(Time now) {
  return remaining_requests(now) <= 0 || remaining_tokens(now) <= 0;
}

ProviderQuota::Time ProviderQuota::RefillsAt(Time now) {
  Time at = now;
  if (remaining_requests(now) <= 0) at = std::max(at, requests_.resets_at);
  if (remaining_tokens(now) <= 0) at = std::max(at, tokens_.resets_at);
  return at;
}

void ProviderQuota::OnDispatch(uint64_t tokens, Time now) {
  if (rpm_ && remaining_requests(now) != INT64_MAX) --requests_.remaining;
  if (tpm_ && remaining_tokens(now) != INT64_MAX) tokens_.remaining -= static_cast<int64_t>(tokens);
}

void ProviderQuota::Reconcile(uint64_t expected, uint64_t actual) {
  if (tpm_) tokens_.remaining += static_cast<int64_t>(expected) - static_cast<int64_t>(actual);
}

void ProviderQuota::OnReport(const Report& report, Time now) {
  // The provider's figure wins: it counts every client of the key, and its window is the real one.
  auto apply = [now](Window& w, uint64_t limit, std::optional<int64_t> remaining,
                     std::optional<Duration> reset) {
    if (limit == 0 || !remaining) return;
    Roll(w, limit, now);
    w.remaining = *remaining;
    if (reset) w.resets_at = now + *reset;
  };
  apply(requests_, rpm_, report.remaining_requests, report.reset_requests);
  apply(tokens_, tpm_, report.remaining_tokens, report.reset_tokens);
}

std::optional<std::chrono::steady_clock::duration> ParseResetDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double seconds = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    double value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || next == end || value < 0) return std::nullopt;
    p = next;
    if (end - p >= 2 && p[0] == 'm' && p[1] == 's') {
      seconds += value / 1000;
      p += 2;
    } else if (*p == 'h') {
      seconds += value * 3600;
      ++p;
    } else if (*p == 'm') {
      seconds += value * 60;
      ++p;
    } else if (*p == 's') {
      seconds += value;
      ++p;
    } else {
      return std::nullopt;
    }
  }
  if (seconds > 86400) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds));
}

}  // namespace sluice::flow
