#pragma once
// Token and request rate limits over fixed windows (aligned to wall-clock multiples of the window),
// in memory and shared by all workers (one short critical section per admission and per
// reconciliation). Admission reserves what a request may use — one request, its estimated prompt
// tokens, and max_tokens (or the rule's default) of output — in every bucket it falls in, or
// nothing at all; when the request ends, the reservation is replaced by the usage it really had.
// So concurrent requests cannot together overshoot a limit. Sans-I/O: the caller passes the time.
// Outlives config reloads: counters are keyed by rule name and the bucket's values.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace sluice::policy {

class RateLimiter {
 public:
  using Time = std::chrono::system_clock::time_point;

  // What one request asks of one rule's bucket.
  struct Charge {
    const config::RateLimitRule* rule;
    std::string bucket;  // rule name + the values of its `by` keys
    uint64_t input = 0;
    uint64_t output = 0;
    uint64_t cost_micros = 0;  // estimated spend, in millionths of a USD
    double output_micros_per_token = 0;  // the model's output price (hard cost limits)
  };
  // Held by the request until it ends.
  struct Reservation {
    struct Held {
      std::string bucket;
      int64_t window_start_ms;
      uint64_t input;
      uint64_t output;
      uint64_t cost_micros;
    };
    std::vector<Held> held;
    bool in_redis = false;  // held in the shared store (reconciled there), not in this process
  };
  struct Decision {
    bool admitted = true;
    std::string rule;        // the rule that refused
    std::string dimension;   // "requests", "input_tokens", "output_tokens", "total_tokens", "cost_usd"
    std::chrono::milliseconds retry_after{0};
    // For x-ratelimit-* headers: the tightest request and token budgets (-1: none applies).
    int64_t limit_requests = -1, remaining_requests = -1;
    int64_t limit_tokens = -1, remaining_tokens = -1;
    // Output tokens the request may produce before a hard rule cuts its stream (-1: no hard rule
    // applies), and that rule.
    int64_t output_allowance = -1;
    std::string hard_rule;
  };

  // What a bucket holds in its current window.
  struct Counts {
    uint64_t requests = 0, input = 0, output = 0, cost_micros = 0;
  };

  Decision Admit(const std::vector<Charge>& charges, Time now, Reservation& reservation);
  // Replaces the reservation by the actual usage (in windows that are still current).
  void Reconcile(const Reservation& reservation, uint64_t input, uint64_t output,
                 uint64_t cost_micros = 0);

 private:
  struct Bucket {
    int64_t window_start_ms = 0;
    int64_t window_ms = 0;
    Counts counts;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  uint64_t admissions_ = 0;
};

// The window `rule` counts in at `now_ms` (Unix ms): its start and length. Fixed windows are
// multiples of their length since the epoch; `window: month` runs from the 1st, 00:00 UTC.
void WindowAt(const config::RateLimitRule& rule, int64_t now_ms, int64_t& start, int64_t& length);

// The limit checks, shared by the in-memory limiter and the Redis store (whose Lua script mirrors
// Overshoot, so both refuse the same requests).
uint64_t CostLimitMicros(const config::RateLimitRule& rule);  // 0: no cost limit
// The dimension ("requests", "input_tokens", ...) `charge` would overshoot in a bucket holding
// `counts`, or nullptr when it fits.
const char* Overshoot(const config::RateLimitRule& rule, const RateLimiter::Counts& counts,
                      const RateLimiter::Charge& charge);
// Records a refusal by `rule` in `decision` (retry_after: until the window ends).
void NoteRefusal(RateLimiter::Decision& decision, const config::RateLimitRule& rule,
                 const char* dimension, const RateLimiter::Counts& counts,
                 std::chrono::milliseconds retry_after);
// Tightens the decision's x-ratelimit figures (and a hard rule's output allowance) with the bucket
// `charge` was admitted in, holding `counts` after admission.
void NoteAdmission(RateLimiter::Decision& decision, const RateLimiter::Charge& charge,
                   const RateLimiter::Counts& counts);

}  // namespace sluice::policy
