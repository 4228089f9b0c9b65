// Active health checks (providers[].health_check): each worker probes the providers that ask for
// it, GET base_path + path, and feeds the answers into its own endpoint health table, the same one
// passive outlier detection uses. Workers probe independently (N workers: N probes per interval),
// as they judge health independently.
// The same loop scrapes model-server gauges (providers[].metrics) for LLM-aware routing: one worker
// scrapes, every worker's picks read the result from the model's shared pool (llm_routing.h).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>

#include "proxy/gateway.h"
#include "routing/server_metrics.h"

namespace sluice::proxy {

using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTick = std::chrono::milliseconds(50);

awaitable<bool> Probe(WorkerContext& worker, const config::Provider& provider,
                      const http::UpstreamOrigin& origin) {
  const auto& check = provider.health_check;
  http::UpstreamFailure failure;
  auto conn = co_await worker.pool.Acquire(
      origin, std::min(provider.connect_timeout, check.timeout), failure);
  if (!conn) co_return false;
  std::string head = "GET " + origin.base_path + check.path +
                     " HTTP/1.1\r\nhost: " + origin.host_header +
                     "\r\naccept: application/json\r\n";
  // Probes authenticate with the first key: a probe checks the endpoint, not the keys.
  if (!provider.api_keys.empty())
    head += "authorization: Bearer " + provider.api_keys.front().key + "\r\n";
  head += "user-agent: sluice-health-check\r\n\r\n";
  http::UpstreamCall call(*conn, check.timeout);
  call.set_deadline(Clock::now() + check.timeout);
  if (co_await call.Send(head, {}) != http::UpstreamFailure::kNone) co_return false;
  bool ok = call.status() >= 200 && call.status() < 300;
  for (bool done = false; !done;) {  // drain the body so the connection can be reused
    std::string_view piece;
    if (co_await call.ReadBody(piece, done) != http::UpstreamFailure::kNone) co_return false;
  }
  if (call.reusable()) worker.pool.Release(origin, std::move(conn), provider.max_idle_connections);
  co_return ok;
}

// GET the provider's metrics path; true with the body on a 2xx answer.
awaitable<bool> FetchMetrics(WorkerContext& worker, const config::Provider& provider,
                             const http::UpstreamOrigin& origin, std::string& body) {
  // Answers older than a few intervals would be stale anyway.
  auto timeout = std::min(provider.connect_timeout,
                          std::max(provider.metrics.interval * 4, config::Millis(200)));
  http::UpstreamFailure failure;
  auto conn = co_await worker.pool.Acquire(origin, timeout, failure);
  if (!conn) co_return false;
  std::string head = "GET " + provider.metrics.path + " HTTP/1.1\r\nhost: " + origin.host_header +
                     "\r\naccept: text/plain\r\nuser-agent: sluice-metrics-scrape\r\n\r\n";
  http::UpstreamCall call(*conn, timeout);
  call.set_deadline(Clock::now() + timeout);
  if (co_await call.Send(head, {}) != http::UpstreamFailure::kNone) co_return false;
  bool ok = call.status() >= 200 && call.status() < 300;
  for (bool done = false; !done;) {
    std::string_view piece;
    if (co_await call.ReadBody(piece, done) != http::UpstreamFailure::kNone) co_return false;
    if (body.size() < (4u << 20)) body.append(piece);
  }
  if (call.reusable()) worker.pool.Release(origin, std::move(conn), provider.max_idle_connections);
  co_return ok;
}

// Scrapes `provider` and hands the gauges to every LLM pool and fair queue it serves; a failed
// scrape leaves the previous gauges to go stale (the picker ignores them after a while).
awaitable<void> ScrapeProvider(WorkerContext& worker, const Snapshot& snapshot,
                               const config::Provider& provider,
                               const http::UpstreamOrigin& origin) {
  std::string body;
  if (!co_await FetchMetrics(worker, provider, origin, body)) co_return;
  auto kind = routing::ParseServerKind(provider.metrics.type);
  routing::EndpointMetrics m;
  m.at = Clock::now();
  if (!kind || !routing::ParseServerMetrics(body, *kind, m)) co_return;
  for (const auto& [model, pool] : snapshot.llm_pools) pool->UpdateMetrics(provider.name, m);
  for (const auto& [model, pool] : snapshot.flow_pools) pool->UpdateGauges(provider.name, m);
}

}  // namespace

awaitable<void> RunHealthChecks(WorkerContext& worker) {
  boost::asio::steady_timer timer(worker.executor);
  worker.health_check_timer = &timer;
  std::unordered_map<std::string, Clock::time_point> next_due;     // by provider name
  std::unordered_map<std::string, Clock::time_point> next_scrape;  // by provider name
  bool any_checks = true;
  while (!worker.stopping) {
    // Without any provider to probe, only look again now and then (a reload may add one).
    timer.expires_after(any_checks ? kTick : std::chrono::milliseconds(1000));
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (worker.stopping) break;
    // Hold the snapshot: a reload during a probe must not free the provider being probed.
    std::shared_ptr<const Snapshot> snapshot = worker.snapshot;
    any_checks = false;
    for (const auto& provider : snapshot->config->providers) {
      if (!worker.scrapes_metrics || provider.metrics.type.empty()) continue;
      any_checks = true;
      const http::UpstreamOrigin* origin = snapshot->origin(provider.name);
      auto now = Clock::now();
      auto& due = next_scrape[provider.name];
      if (!origin || now < due) continue;
      due = now + provider.metrics.interval;
      co_await ScrapeProvider(worker, *snapshot, provider, *origin);
      if (worker.stopping) break;
    }
    for (const auto& provider : snapshot->config->providers) {
      any_checks = any_checks || provider.health_check.interval.count() > 0;
      if (provider.health_check.interval.count() <= 0) continue;
      const http::UpstreamOrigin* origin = snapshot->origin(provider.name);
      if (!origin) continue;
      auto now = Clock::now();
      auto& due = next_due[provider.name];
      if (now < due) continue;
      due = now + provider.health_check.interval;
      bool ok = co_await Probe(worker, provider, *origin);
      routing::EndpointHealth& health = worker.health.at(provider.name);
      uint32_t ejections_before = health.ejections();
      health.OnProbe(provider, ok, Clock::now());
      if (health.ejections() > ejections_before) worker.metrics.RecordEjection(provider.name);
      worker.metrics.RecordAttempt(provider.name, ok ? "probe_ok" : "probe_failed");
      if (worker.stopping) break;
    }
  }
  worker.health_check_timer = nullptr;
}

}  // namespace sluice::proxy
