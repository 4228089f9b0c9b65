#include "proxy/shared_limits.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>

#include "policy/redis_limits.h"
#include "store/redis_client.h"

namespace sluice::proxy {

using boost::asio::awaitable;

namespace {

bool SameEndpoint(const store::RedisEndpoint& a, const config::StoreSettings& b) {
  return a.host == b.host && a.port == b.port && a.username == b.username &&
         a.password == b.password && a.db == b.db && a.timeout == b.timeout;
}

// This worker's client for the configured store, (re)made when a reload changed where it is.
std::shared_ptr<store::RedisClient> WorkerRedis(WorkerContext& worker,
                                                const config::StoreSettings& settings) {
  if (worker.redis && SameEndpoint(worker.redis->endpoint(), settings)) return worker.redis;
  if (worker.redis) {
    worker.redis->on_state_change = nullptr;
    worker.redis->Drain();
  }
  store::RedisEndpoint endpoint{settings.host,     settings.port, settings.username,
                                settings.password, settings.db,   settings.timeout};
  worker.redis = std::make_shared<store::RedisClient>(worker.executor, endpoint);
  WorkerContext* w = &worker;
  std::string where = settings.host + ":" + std::to_string(settings.port);
  bool fail_open = settings.fail_open;
  worker.redis->on_state_change = [w, where, fail_open](bool up, const std::string& why) {
    w->metrics.store_connected = up ? 1 : 0;
    if (up)
      std::fprintf(stderr, "sluice: shared store: connected to Redis at %s\n", where.c_str());
    else
      std::fprintf(stderr, "sluice: shared store: Redis at %s unavailable (%s); rate limits %s\n",
                   where.c_str(), why.c_str(),
                   fail_open ? "are not checked until it returns (fail_mode open)"
                             : "refuse requests until it returns (fail_mode closed)");
  };
  return worker.redis;
}

awaitable<void> RunReconcile(std::shared_ptr<store::RedisClient> redis,
                             std::vector<std::string> args, size_t nkeys) {
  co_await redis->Eval(&policy::RedisReconcileScript(), std::move(args), nkeys);
}

}  // namespace

awaitable<std::optional<policy::RateLimiter::Decision>> AdmitInSharedStore(
    RequestContext& ctx, const std::vector<policy::RateLimiter::Charge>& charges,
    std::string& why) {
  const config::StoreSettings& settings = ctx.snapshot->config->store;
  auto redis = WorkerRedis(ctx.worker, settings);
  auto args = policy::RedisAdmitArgs(settings.key_prefix, charges);
  store::RedisResult result =
      co_await redis->Eval(&policy::RedisAdmitScript(), std::move(args), charges.size());
  policy::RateLimiter::Decision decision;
  if (!result.ok) {
    why = result.error;
  } else if (result.reply.is_error()) {
    why = "Redis refused the rate-limit script: " + result.reply.str;
  } else if (!policy::DecodeRedisAdmit(result.reply, charges, decision, ctx.reservation)) {
    why = "unexpected reply from the rate-limit script";
  } else {
    co_return decision;
  }
  co_return std::nullopt;
}

void ReconcileInSharedStore(RequestContext& ctx, uint64_t input, uint64_t output,
                            uint64_t cost_micros) {
  const config::StoreSettings& settings = ctx.snapshot->config->store;
  if (!settings.redis) return;  // a reload moved limits back in memory: nothing to give back to
  auto redis = WorkerRedis(ctx.worker, settings);
  auto args =
      policy::RedisReconcileArgs(settings.key_prefix, ctx.reservation, input, output, cost_micros);
  boost::asio::co_spawn(ctx.worker.executor,
                        RunReconcile(std::move(redis), std::move(args), ctx.reservation.held.size()),
                        boost::asio::detached);
}

void DrainSharedStore(WorkerContext& worker) {
  if (worker.redis) worker.redis->Drain();
}

}  // namespace sluice::proxy
