#include "policy/rate_limiter.h"

#include <algorithm>

namespace sluice::policy {

namespace {

int64_t Millis(RateLimiter::Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Budget left under `limit` (0 = unlimited: returns -1).
int64_t Left(uint64_t limit, uint64_t used) {
  if (!limit) return -1;
  return used >= limit ? 0 : static_cast<int64_t>(limit - used);
}

}  // namespace

void WindowAt(const config::RateLimitRule& rule, int64_t now_ms, int64_t& start,
              int64_t& length) {
  if (!rule.calendar_month) {
    length = rule.window.count();
    start = now_ms / length * length;
    return;
  }
  using namespace std::chrono;
  auto day = floor<days>(sys_time<milliseconds>(milliseconds(now_ms)));
  year_month_day ymd{day};
  year_month_day first_ymd = ymd.year() / ymd.month() / 1;
  sys_days first{first_ymd};
  sys_days next{first_ymd + months(1)};
  start = duration_cast<milliseconds>(first.time_since_epoch()).count();
  length = duration_cast<milliseconds>(next - first).count();
}

uint64_t CostLimitMicros(const config::RateLimitRule& rule) {
  return rule.cost_usd > 0 ? std::max<uint64_t>(1, static_cast<uint64_t>(rule.cost_usd * 1e6)) : 0;
}

const char* Overshoot(const config::RateLimitRule& r, const RateLimiter::Counts& b,
                      const RateLimiter::Charge& c) {
  if (r.requests && b.requests + 1 > r.requests) return "requests";
  if (r.input_tokens && b.input + c.input > r.input_tokens) return "input_tokens";
  if (r.output_tokens && b.output + c.output > r.output_tokens) return "output_tokens";
  if (r.total_tokens && b.input + b.output + c.input + c.output > r.total_tokens)
    return "total_tokens";
  if (uint64_t cost = CostLimitMicros(r); cost && b.cost_micros + c.cost_micros > cost)
    return "cost_usd";
  return nullptr;
}

void NoteRefusal(RateLimiter::Decision& d, const config::RateLimitRule& r, const char* dimension,
                 const RateLimiter::Counts& b, std::chrono::milliseconds retry_after) {
  d.admitted = false;
  d.rule = r.name;
  d.dimension = dimension;
  d.retry_after = retry_after;
  std::string_view dim = dimension;
  if (dim == "cost_usd") return;  // no x-ratelimit header speaks money
  uint64_t limit = dim == "requests"       ? r.requests
                   : dim == "input_tokens"  ? r.input_tokens
                   : dim == "output_tokens" ? r.output_tokens
                                            : r.total_tokens;
  uint64_t used = dim == "requests"       ? b.requests
                  : dim == "input_tokens"  ? b.input
                  : dim == "output_tokens" ? b.output
                                           : b.input + b.output;
  int64_t& limit_out = dim == "requests" ? d.limit_requests : d.limit_tokens;
  int64_t& left_out = dim == "requests" ? d.remaining_requests : d.remaining_tokens;
  limit_out = static_cast<int64_t>(limit);
  left_out = Left(limit, used);
}

void NoteAdmission(RateLimiter::Decision& d, const RateLimiter::Charge& c,
                   const RateLimiter::Counts& b) {
  const config::RateLimitRule& r = *c.rule;
  auto tighten = [](int64_t& limit_out, int64_t& remaining_out, uint64_t limit, int64_t remaining) {
    if (remaining < 0) return;
    if (remaining_out < 0 || remaining < remaining_out) {
      remaining_out = remaining;
      limit_out = static_cast<int64_t>(limit);
    }
  };
  tighten(d.limit_requests, d.remaining_requests, r.requests, Left(r.requests, b.requests));
  uint64_t token_limit = r.total_tokens ? r.total_tokens : std::max(r.input_tokens, r.output_tokens);
  uint64_t token_used = r.total_tokens ? b.input + b.output : r.input_tokens ? b.input : b.output;
  tighten(d.limit_tokens, d.remaining_tokens, token_limit, Left(token_limit, token_used));
  if (!r.hard) return;
  // The output this request may produce: its own reservation plus whatever the bucket has left.
  auto allow = [&](int64_t left) {
    if (left < 0) return;
    int64_t allowance = static_cast<int64_t>(c.output) + left;
    if (d.output_allowance < 0 || allowance < d.output_allowance) {
      d.output_allowance = allowance;
      d.hard_rule = r.name;
    }
  };
  allow(Left(r.output_tokens, b.output));
  allow(Left(r.total_tokens, b.input + b.output));
  int64_t cost_left = Left(CostLimitMicros(r), b.cost_micros);
  if (cost_left >= 0 && c.output_micros_per_token > 0)
    allow(static_cast<int64_t>(static_cast<double>(cost_left) / c.output_micros_per_token));
}

RateLimiter::Decision RateLimiter::Admit(const std::vector<Charge>& charges, Time now,
                                         Reservation& reservation) {
  Decision d;
  int64_t now_ms = Millis(now);
  std::lock_guard lock(mu_);
  if (++admissions_ % 4096 == 0)  // forget buckets whose window ended (bounded memory)
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.window_start_ms + kv.second.window_ms <= now_ms;
    });
  std::vector<Bucket*> buckets;
  for (const Charge& c : charges) {
    int64_t start, window_ms;
    WindowAt(*c.rule, now_ms, start, window_ms);
    auto [it, added] = buckets_.try_emplace(c.bucket);
    Bucket& b = it->second;
    if (added || b.window_start_ms != start) b = Bucket{start, window_ms, {}};
    buckets.push_back(&b);
    if (const char* dimension = Overshoot(*c.rule, b.counts, c)) {
      NoteRefusal(d, *c.rule, dimension, b.counts,
                  std::chrono::milliseconds(start + window_ms - now_ms));
      return d;  // nothing reserved anywhere
    }
  }
  for (size_t i = 0; i < charges.size(); ++i) {
    const Charge& c = charges[i];
    Bucket& b = *buckets[i];
    b.counts.requests += 1;
    b.counts.input += c.input;
    b.counts.output += c.output;
    b.counts.cost_micros += c.cost_micros;
    reservation.held.push_back({c.bucket, b.window_start_ms, c.input, c.output, c.cost_micros});
    NoteAdmission(d, c, b.counts);
  }
  return d;
}

void RateLimiter::Reconcile(const Reservation& reservation, uint64_t input, uint64_t output,
                            uint64_t cost_micros) {
  std::lock_guard lock(mu_);
  for (const auto& h : reservation.held) {
    auto it = buckets_.find(h.bucket);
    if (it == buckets_.end() || it->second.window_start_ms != h.window_start_ms) continue;
    Counts& b = it->second.counts;
    b.input = b.input - std::min(b.input, h.input) + input;
    b.output = b.output - std::min(b.output, h.output) + output;
    b.cost_micros = b.cost_micros - std::min(b.cost_micros, h.cost_micros) + cost_micros;
  }
}

}  // namespace sluice::policy
