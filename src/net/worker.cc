#include "net/worker.h"

#include "proxy/shared_limits.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <random>

namespace sluice::net {

namespace asio = boost::asio;
using asio::ip::tcp;

tcp::acceptor OpenListener(asio::io_context& io, const tcp::endpoint& endpoint, bool reuse_port) {
  tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (reuse_port)
    acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

static uint64_t RandomSeed(int index) {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(index);
}

Worker::Worker(int index, std::shared_ptr<const proxy::Snapshot> snapshot,
               core::AccessLogWriter* log)
    : context_(io_.get_executor(), std::move(snapshot), log, RandomSeed(index)),
      gateway_(context_) {
  context_.scrapes_metrics = index == 0;
}

Worker::~Worker() { Join(); }

tcp::endpoint Worker::Listen(const tcp::endpoint& endpoint) {
  acceptor_.emplace(OpenListener(io_, endpoint, /*reuse_port=*/true));
  return acceptor_->local_endpoint();
}

void Worker::Start(std::function<void()> on_exit) {
  guard_.emplace(io_.get_executor());
  asio::co_spawn(io_, http::AcceptLoop(*acceptor_, *this), asio::detached);
  asio::co_spawn(io_, proxy::RunHealthChecks(context_), asio::detached);
  thread_ = std::thread([this, on_exit = std::move(on_exit)] {
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception&) {
        // A handler that escaped its backstop: keep the worker serving.
      }
    }
    if (on_exit) on_exit();
  });
}

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::SetSnapshot(std::shared_ptr<const proxy::Snapshot> snapshot) {
  asio::post(io_, [this, snapshot = std::move(snapshot)]() mutable {
    context_.snapshot = std::move(snapshot);
  });
}

void Worker::BeginDrain() {
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    if (acceptor_) acceptor_->close(ignored);
    registry_.Drain();
    context_.stopping = true;
    if (context_.health_check_timer) context_.health_check_timer->cancel();
    context_.pool.CloseIdle();  // and ReleaseUpstream pools nothing more once stopping
    proxy::DrainSharedStore(context_);
    guard_.reset();  // the loop ends once the last in-flight request is done
  });
}

asio::awaitable<telemetry::MetricsShard> Worker::CopyMetrics() {
  telemetry::MetricsShard copy = context_.metrics;
  for (const auto& p : context_.snapshot->config->providers)
    if (p.type != config::ProviderType::kSim) copy.endpoint_ejected[p.name] = 0;
  auto now = std::chrono::steady_clock::now();
  for (const auto& [provider, health] : context_.health.all())
    if (auto it = copy.endpoint_ejected.find(provider); it != copy.endpoint_ejected.end())
      it->second = health.state(now) != routing::EndpointHealth::State::kHealthy;
  co_return copy;
}

http::SessionLimits Worker::limits() const {
  const auto& l = context_.snapshot->config->limits;
  return {l.max_body_bytes, l.max_header_bytes, l.request_timeout, l.idle_timeout};
}

std::string Worker::OnProtocolError(int status, std::string_view code) {
  context_.metrics.RecordProtocolError(status, code);
  telemetry::RequestOutcome o;
  o.request_id = context_.ids.Next();
  o.status = status;
  o.error_code = code;
  if (context_.access_log && context_.access_log->enabled())
    context_.access_log->Append(telemetry::RenderAccessLogLine(o));
  return o.request_id;
}

}  // namespace sluice::net
