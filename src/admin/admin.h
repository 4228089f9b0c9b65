#pragma once
// The admin plane (separate listener, loopback by default): /healthz, /readyz, /metrics.
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
};

class AdminHandler : public http::RequestHandler {
 public:
  explicit AdminHandler(AdminSource& source) : source_(source) {}
  boost::asio::awaitable<void> Handle(http::Exchange& exchange) override;

 private:
  AdminSource& source_;
};

}  // namespace sluice::admin
