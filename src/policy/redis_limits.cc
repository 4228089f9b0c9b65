#include "policy/redis_limits.h"

namespace sluice::policy {

namespace {

// ARGV per bucket: window ms, window start ms (0: a fixed window, placed on the Redis server's
// clock; else a calendar month, placed by the gateway), limits (requests, input, output, total,
// cost micros; 0 = none), then the charge (input, output, cost micros).
constexpr size_t kArgsPerBucket = 10;

// Mirrors Overshoot (rate_limiter.cc): same order of checks, same dimension numbering as
// kDimensions below. Replies {1, start, r, i, o, c, start, ...} per bucket when admitted,
// {0, bucket index, dimension, retry ms, r, i, o, c} when refused.
constexpr const char* kAdmit = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local keys, starts, before = {}, {}, {}
for k = 1, #KEYS do
  local a = (k - 1) * 10
  local w, start = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  if start == 0 then start = now - (now % w) end
  a = a + 1
  local key = KEYS[k] .. ':' .. start
  local v = redis.call('HMGET', key, 'r', 'i', 'o', 'c')
  local r, i, o, c = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0
  local lr, li, lo, lt, lc = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]),
                             tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local ci, co, cc = tonumber(ARGV[a + 7]), tonumber(ARGV[a + 8]), tonumber(ARGV[a + 9])
  local dim = 0
  if lr > 0 and r + 1 > lr then dim = 1
  elseif li > 0 and i + ci > li then dim = 2
  elseif lo > 0 and o + co > lo then dim = 3
  elseif lt > 0 and i + o + ci + co > lt then dim = 4
  elseif lc > 0 and c + cc > lc then dim = 5 end
  if dim > 0 then return {0, k, dim, start + w - now, r, i, o, c} end
  keys[k], starts[k], before[k] = key, start, {r, i, o, c}
end
local out = {1}
for k = 1, #KEYS do
  local a = (k - 1) * 10 + 1
  local key, b = keys[k], before[k]
  redis.call('HINCRBY', key, 'r', 1)
  -- Only the fields that change are written (HINCRBY: exact integers, which Lua numbers past
  -- 2^53 would not be).
  local fields = {'i', 'o', 'c'}
  for f = 1, 3 do
    if ARGV[a + 6 + f] ~= '0' then redis.call('HINCRBY', key, fields[f], ARGV[a + 6 + f]) end
  end
  if b[1] == 0 then redis.call('PEXPIRE', key, tonumber(ARGV[a]) + 60000) end
  out[#out + 1] = starts[k]
  out[#out + 1] = b[1] + 1
  for f = 1, 3 do out[#out + 1] = b[f + 1] + tonumber(ARGV[a + 6 + f]) end
end
return out
)lua";

// ARGV per key: reserved input, output, cost micros; then the request's real usage (same three).
// A window that has ended (key expired) is left alone, as in memory.
constexpr const char* kReconcile = R"lua(
for k = 1, #KEYS do
  local key = KEYS[k]
  if redis.call('EXISTS', key) == 1 then
    local a = (k - 1) * 6
    local fields = {'i', 'o', 'c'}
    for f = 1, 3 do
      local cur = tonumber(redis.call('HGET', key, fields[f])) or 0
      local held, used = tonumber(ARGV[a + f]), tonumber(ARGV[a + 3 + f])
      redis.call('HINCRBY', key, fields[f], used - math.min(cur, held))
    end
  end
end
return #KEYS
)lua";

constexpr const char* kDimensions[] = {"", "requests", "input_tokens", "output_tokens",
                                       "total_tokens", "cost_usd"};

std::string BucketKey(const std::string& prefix, const std::string& bucket) {
  return prefix + "rl:" + bucket;
}

bool Integers(const store::RedisReply& reply, size_t from, size_t n, int64_t* out) {
  if (reply.elements.size() < from + n) return false;
  for (size_t i = 0; i < n; ++i) {
    const auto& e = reply.elements[from + i];
    if (e.type != store::RedisReply::Type::kInteger || e.integer < 0) return false;
    out[i] = e.integer;
  }
  return true;
}

RateLimiter::Counts CountsOf(const int64_t* v) {
  return {static_cast<uint64_t>(v[0]), static_cast<uint64_t>(v[1]), static_cast<uint64_t>(v[2]),
          static_cast<uint64_t>(v[3])};
}

}  // namespace

const store::RedisScript& RedisAdmitScript() {
  static const store::RedisScript script(kAdmit);
  return script;
}

const store::RedisScript& RedisReconcileScript() {
  static const store::RedisScript script(kReconcile);
  return script;
}

std::vector<std::string> RedisAdmitArgs(const std::string& prefix,
                                        const std::vector<RateLimiter::Charge>& charges) {
  std::vector<std::string> out;
  out.reserve(charges.size() * (1 + kArgsPerBucket));
  for (const auto& c : charges) out.push_back(BucketKey(prefix, c.bucket));
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& c : charges) {
    const auto& r = *c.rule;
    int64_t start = 0, length = r.window.count();
    if (r.calendar_month) WindowAt(r, now_ms, start, length);
    for (uint64_t v : {static_cast<uint64_t>(length), static_cast<uint64_t>(start), r.requests,
                       r.input_tokens,
                       r.output_tokens, r.total_tokens, CostLimitMicros(r), c.input,
                       c.output, c.cost_micros})
      out.push_back(std::to_string(v));
  }
  return out;
}

bool DecodeRedisAdmit(const store::RedisReply& reply,
                      const std::vector<RateLimiter::Charge>& charges,
                      RateLimiter::Decision& decision, RateLimiter::Reservation& reservation) {
  if (reply.type != store::RedisReply::Type::kArray || reply.elements.empty() ||
      reply.elements[0].type != store::RedisReply::Type::kInteger)
    return false;
  if (reply.elements[0].integer == 0) {  // refused
    int64_t v[7];
    if (!Integers(reply, 1, 7, v) || v[0] < 1 || static_cast<size_t>(v[0]) > charges.size() ||
        v[1] < 1 || v[1] > 5)
      return false;
    NoteRefusal(decision, *charges[v[0] - 1].rule, kDimensions[v[1]], CountsOf(v + 3),
                std::chrono::milliseconds(v[2]));
    return true;
  }
  if (reply.elements.size() != 1 + 5 * charges.size()) return false;
  std::vector<RateLimiter::Reservation::Held> held;
  for (size_t k = 0; k < charges.size(); ++k) {
    int64_t v[5];
    if (!Integers(reply, 1 + 5 * k, 5, v)) return false;
    const auto& c = charges[k];
    held.push_back({c.bucket, v[0], c.input, c.output, c.cost_micros});
    NoteAdmission(decision, c, CountsOf(v + 1));
  }
  reservation.held = std::move(held);
  reservation.in_redis = true;
  return true;
}

std::vector<std::string> RedisReconcileArgs(const std::string& prefix,
                                            const RateLimiter::Reservation& reservation,
                                            uint64_t input, uint64_t output, uint64_t cost_micros) {
  std::vector<std::string> out;
  for (const auto& h : reservation.held)
    out.push_back(BucketKey(prefix, h.bucket) + ":" + std::to_string(h.window_start_ms));
  for (const auto& h : reservation.held)
    for (uint64_t v : {h.input, h.output, h.cost_micros, input, output, cost_micros})
      out.push_back(std::to_string(v));
  return out;
}

}  // namespace sluice::policy
