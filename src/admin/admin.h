#pragma once
// The admin plane (separate listener, loopback by default): /healthz, /readyz, /metrics,
// /admin/stats?window=SECONDS (live stats as JSON, default 60 s), /admin/providers (key health),
// /admin/usage (the usage ledger), /sim/<provider>/metrics (a sim replica's vLLM-format gauges).
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "http/server.h"

namespace sluice::admin {

class AdminSource {
 public:
  virtual ~AdminSource() = default;
  virtual bool ready() const = 0;  // false while draining
  // Prometheus text of all workers' merged metrics. Runs on the admin thread.
  virtual boost::asio::awaitable<std::string> ScrapeMetrics() = 0;
  // /admin/stats: recent per-route stats (telemetry/live_stats.h) over the last `window_s`.
  virtual boost::asio::awaitable<std::string> LiveStatsJson(int window_s) = 0;
  // /admin/providers: each provider's type and API keys (id, weight, health; never the key).
  virtual std::string ProvidersJson() = 0;
  // /admin/usage?group_by=&consumer=&model=&from=&to=: the usage ledger's aggregates. Returns the
  // HTTP status (200, 400 for a bad query, 404 without a ledger) and the JSON body.
  virtual std::pair<int, std::string> UsageJson(std::string_view query) = 0;
  // /sim/<provider>/metrics: vLLM-format gauges of a sim provider acting as a model-server
  // replica (sim.kv_blocks); nullopt when there is no such replica.
  virtual std::optional<std::string> SimReplicaMetrics(std::string_view provider) = 0;
};

class AdminHandler : public http::RequestHandler {
 public:
  explicit AdminHandler(AdminSource& source) : source_(source) {}
  boost::asio::awaitable<void> Handle(http::Exchange& exchange) override;

 private:
  AdminSource& source_;
};

}  // namespace sluice::admin
