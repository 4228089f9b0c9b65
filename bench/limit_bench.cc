// Cost of a rate-limit admission: in memory (RateLimiter::Admit, one mutex) and through Redis (the
// admit script over this process's pipelined client, as a worker runs it), p50/p99 µs per check,
// one request at a time and with 32 in flight. Two rules per request (tokens per consumer, requests
// per team), 64 consumers. Needs a redis-server: `bench/limits.sh` starts one.
//   build/release/limit_bench PORT
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "policy/rate_limiter.h"
#include "policy/redis_limits.h"
#include "store/redis_client.h"

using namespace sluice;
using Clock = std::chrono::steady_clock;
using Charges = std::vector<policy::RateLimiter::Charge>;

namespace {

config::RateLimitRule tokens_rule, requests_rule;

Charges ChargesFor(int i) {
  std::string consumer = "consumer-" + std::to_string(i % 64);
  return {{&tokens_rule, "tpm|" + consumer, 40, 256, 0},
          {&requests_rule, "rpm|team-" + std::to_string(i % 8), 40, 256, 0}};
}

void Report(const char* what, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[static_cast<size_t>(q * (us.size() - 1))]; };
  std::printf("%-40s n=%zu  p50 %.2f us  p99 %.2f us\n", what, us.size(), at(0.5), at(0.99));
}

// Loops still going; the last one stops the io_context (the client's pending read would keep
// run() going forever). restart() + run() then carries on with the same connection.
int running = 0;
boost::asio::io_context* io_ptr = nullptr;

boost::asio::awaitable<void> AdmitLoop(std::shared_ptr<store::RedisClient> redis, int from,
                                       int count, std::vector<double>* out, int* failures) {
  for (int i = from; i < from + count; ++i) {
    Charges charges = ChargesFor(i);
    auto start = Clock::now();
    auto args = policy::RedisAdmitArgs("bench:", charges);
    store::RedisResult r =
        co_await redis->Eval(&policy::RedisAdmitScript(), std::move(args), charges.size());
    policy::RateLimiter::Decision d;
    policy::RateLimiter::Reservation held;
    if (!r.ok || !policy::DecodeRedisAdmit(r.reply, charges, d, held)) ++*failures;
    out->push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  if (--running == 0) io_ptr->stop();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: limit_bench REDIS_PORT\n");
    return 2;
  }
  tokens_rule.name = "tpm";
  tokens_rule.total_tokens = 1'000'000'000;  // never refuses: measure the full admit path
  requests_rule.name = "rpm";
  requests_rule.requests = 1'000'000'000;
  constexpr int kN = 20000;

  {
    policy::RateLimiter limiter;
    std::vector<double> us;
    for (int i = 0; i < kN; ++i) {
      Charges charges = ChargesFor(i);
      policy::RateLimiter::Reservation held;
      auto start = Clock::now();
      limiter.Admit(charges, std::chrono::system_clock::now(), held);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      limiter.Reconcile(held, 40, 100);
    }
    Report("memory: Admit", us);
  }

  boost::asio::io_context io;
  store::RedisEndpoint endpoint;
  endpoint.port = static_cast<uint16_t>(std::atoi(argv[1]));
  endpoint.timeout = std::chrono::milliseconds(1000);
  auto redis = std::make_shared<store::RedisClient>(io.get_executor(), endpoint);
  int failures = 0;
  std::vector<double> warm, serial, concurrent;
  io_ptr = &io;
  running = 1;
  boost::asio::co_spawn(io, AdmitLoop(redis, 0, 1000, &warm, &failures), boost::asio::detached);
  io.run();
  io.restart();
  running = 1;
  boost::asio::co_spawn(io, AdmitLoop(redis, 0, kN, &serial, &failures), boost::asio::detached);
  io.run();
  io.restart();
  Report("redis: admit script, 1 in flight", serial);
  running = 32;
  auto concurrent_start = Clock::now();
  for (int c = 0; c < 32; ++c)
    boost::asio::co_spawn(io, AdmitLoop(redis, c * 1000, kN / 32, &concurrent, &failures),
                          boost::asio::detached);
  io.run();
  Report("redis: admit script, 32 in flight", concurrent);
  double seconds = std::chrono::duration<double>(Clock::now() - concurrent_start).count();
  std::printf("redis: %.0f checks/s with 32 in flight over one connection\n",
              concurrent.size() / seconds);
  if (failures) std::printf("FAILED checks: %d\n", failures);
  return failures ? 1 : 0;
}
