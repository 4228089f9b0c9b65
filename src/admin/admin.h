#pragma once
// The admin plane (separate listener, loopback by default): /healthz, /readyz, /metrics,
// /admin/stats?window=SECONDS (live stats as JSON, default 60 s), /admin/providers (key health).
#include <boost/asio/awaitable.hpp>
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
};

class AdminHandler : public http::RequestHandler {
 public:
  explicit AdminHandler(AdminSource& source) : source_(source) {}
  boost::asio::awaitable<void> Handle(http::Exchange& exchange) override;

 private:
  AdminSource& source_;
};

}  // namespace sluice::admin
