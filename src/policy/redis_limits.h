#pragma once
// Rate limits kept in Redis, so that every gateway replica draws on the same buckets. Sans-I/O: the
// Lua scripts, the arguments a request sends them and the decoding of their replies; the proxy runs
// them through its per-worker RedisClient.
//
// One admission is one EVALSHA: the script reads every bucket the request falls in, refuses if any
// would overshoot (the same checks as RateLimiter, see Overshoot) and otherwise reserves in all of
// them, atomically — so replicas cannot together overshoot either. Windows come from the Redis
// server's clock (TIME), so replicas whose clocks disagree still share windows. Keys:
// `<prefix>rl:<bucket>:<window start ms>`, a hash {r, i, o, c}, expiring a minute after the window.
// Reconciliation is a second script, sent when the request ends.
#include <string>
#include <vector>

#include "policy/rate_limiter.h"
#include "store/resp.h"

namespace sluice::policy {

const store::RedisScript& RedisAdmitScript();
const store::RedisScript& RedisReconcileScript();

// Keys then arguments for RedisAdmitScript; the number of keys is charges.size().
std::vector<std::string> RedisAdmitArgs(const std::string& prefix,
                                        const std::vector<RateLimiter::Charge>& charges);
// Fills `decision` (and, when admitted, `reservation`) from the script's reply. False when the
// reply is not what the script returns (an error reply, a script from another version).
bool DecodeRedisAdmit(const store::RedisReply& reply,
                      const std::vector<RateLimiter::Charge>& charges,
                      RateLimiter::Decision& decision, RateLimiter::Reservation& reservation);

// Keys then arguments for RedisReconcileScript (one key per held bucket).
std::vector<std::string> RedisReconcileArgs(const std::string& prefix,
                                            const RateLimiter::Reservation& reservation,
                                            uint64_t input, uint64_t output, uint64_t cost_micros);

}  // namespace sluice::policy
