#pragma once
// A worker: one thread, one io_context, its own SO_REUSEPORT listener, its own upstream pools and
// metric shard. A request lives on one worker from accept to completion; other threads talk to a
// worker only by posting to its io_context.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "http/server.h"
#include "proxy/gateway.h"
#include "proxy/request_context.h"

namespace sluice::net {

// Opens a listening socket with SO_REUSEPORT (so each worker can have its own). Throws on failure.
boost::asio::ip::tcp::acceptor OpenListener(boost::asio::io_context& io,
                                            const boost::asio::ip::tcp::endpoint& endpoint,
                                            bool reuse_port);

class Worker : public http::SessionEnvironment {
 public:
  Worker(int index, std::shared_ptr<const proxy::Snapshot> snapshot, core::AccessLogWriter* log);
  ~Worker() override;

  // Binds this worker's listener (on the calling thread, so bind errors surface at start-up).
  boost::asio::ip::tcp::endpoint Listen(const boost::asio::ip::tcp::endpoint& endpoint);
  // Starts the thread. `on_exit` runs on that thread when its loop has finished.
  void Start(std::function<void()> on_exit);
  void Join();

  // Before Start: the process-wide cap on metric label values.
  void set_label_cap(telemetry::LabelValueCap* cap) { context_.metrics.set_label_cap(cap); }

  // Thread-safe: each posts to the worker.
  void SetSnapshot(std::shared_ptr<const proxy::Snapshot> snapshot);
  void BeginDrain();
  void ForceStop() { io_.stop(); }

  // Runs on the worker's thread (co_spawn it there): a copy of its metric shard.
  boost::asio::awaitable<telemetry::MetricsShard> CopyMetrics();
  boost::asio::io_context& io() { return io_; }

  // http::SessionEnvironment
  http::SessionLimits limits() const override;
  http::RequestHandler& handler() override { return gateway_; }
  http::SessionRegistry& registry() override { return registry_; }
  void OnConnectionOpen() override { ++context_.metrics.active_connections; }
  void OnConnectionClose() override { --context_.metrics.active_connections; }
  std::string OnProtocolError(int status, std::string_view code) override;

 private:
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  proxy::WorkerContext context_;
  proxy::GatewayHandler gateway_;
  http::SessionRegistry registry_;
  std::thread thread_;
};

}  // namespace sluice::net
