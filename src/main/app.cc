#include "main/app.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "admin/admin.h"
#include "proxy/key_report.h"
#include "telemetry/json_text.h"
#include "telemetry/metrics.h"
#include "config/config_loader.h"
#include "config/default_config.h"
#include "net/worker.h"
#include "proxy/snapshot.h"

namespace sluice::app {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

void Log(const std::string& message) { std::fprintf(stderr, "sluice: %s\n", message.c_str()); }

tcp::endpoint ResolveListen(asio::io_context& io, const config::HostPort& hp) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(hp.host, ec);
  if (!ec) return {address, hp.port};
  tcp::resolver resolver(io);
  auto results = resolver.resolve(hp.host, std::to_string(hp.port));  // throws if unknown
  return results.begin()->endpoint();
}

std::string EndpointText(const tcp::endpoint& ep) {
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

config::LoadResult LoadConfig(const std::string& path) {
  if (path.empty())
    return config::LoadConfigText(std::string(config::kDefaultConfigYaml), "<embedded>");
  return config::LoadConfigFile(path);
}

class Server : public admin::AdminSource, public http::SessionEnvironment {
 public:
  explicit Server(Options options) : options_(std::move(options)), admin_handler_(*this) {
    signals_.add(SIGUSR1);  // reopen the access log
  }

  int Run();

  // admin::AdminSource
  bool ready() const override { return !draining_; }
  asio::awaitable<std::string> ScrapeMetrics() override;
  asio::awaitable<std::string> LiveStatsJson(int window_s) override;
  std::string ProvidersJson() override {
    return proxy::RenderProvidersJson(*snapshot_, std::chrono::steady_clock::now());
  }
  std::pair<int, std::string> UsageJson(std::string_view query) override;
  std::optional<std::string> SimReplicaMetrics(std::string_view provider) override {
    auto* replica = snapshot_->sim_replica(std::string(provider));
    if (!replica) return std::nullopt;
    return replica->RenderVllmMetrics(provider, std::chrono::steady_clock::now());
  }

  // http::SessionEnvironment (the admin listener)
  http::SessionLimits limits() const override {
    return {1 << 20, 16 * 1024, std::chrono::seconds(10), std::chrono::seconds(60)};
  }
  http::RequestHandler& handler() override { return admin_handler_; }
  http::SessionRegistry& registry() override { return admin_sessions_; }

 private:
  // Loads, applies command-line overrides, builds the snapshot. Null (errors logged) on failure.
  std::shared_ptr<const proxy::Snapshot> Prepare(const char* context);
  bool OpenAccessLog(const config::AccessLog& settings);
  asio::awaitable<telemetry::MetricsShard> MergeShards();
  asio::awaitable<void> HandleSignals();
  void Reload();
  void BeginDrain();
  void OnWorkerExited(size_t index);

  Options options_;
  asio::io_context io_{1};
  std::shared_ptr<const proxy::Snapshot> snapshot_;
  std::unique_ptr<core::AccessLogWriter> access_log_;
  std::unique_ptr<telemetry::LabelValueCap> label_cap_;  // shared by the workers' metric shards
  // Every span exporter a snapshot ever had, released here at exit: a reload that replaces one
  // must not leave its last reference (whose destructor flushes and joins) to a worker thread.
  std::vector<std::shared_ptr<telemetry::SpanExporter>> tracers_;
  std::vector<std::unique_ptr<net::Worker>> workers_;
  std::vector<bool> worker_exited_;
  size_t workers_exited_ = 0;
  std::optional<tcp::acceptor> admin_acceptor_;
  admin::AdminHandler admin_handler_;
  http::SessionRegistry admin_sessions_;
  asio::signal_set signals_{io_, SIGTERM, SIGINT, SIGHUP};
  asio::steady_timer drain_timer_{io_};
  bool draining_ = false;
};

std::shared_ptr<const proxy::Snapshot> Server::Prepare(const char* context) {
  config::LoadResult loaded = LoadConfig(options_.config_path);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) Log(std::string(context) + ": " + e.ToString());
    return nullptr;
  }
  auto cfg = std::make_shared<config::Config>(*loaded.config);
  for (auto [flag, value, target] : {std::tuple{"--listen", &options_.listen, &cfg->listen},
                                     std::tuple{"--admin", &options_.admin, &cfg->admin}}) {
    if (!*value) continue;
    std::string why;
    auto parsed = config::ParseHostPort(**value, &why);
    if (!parsed) {
      Log(std::string(context) + ": " + flag + ": " + why + "'" + **value + "'");
      return nullptr;
    }
    *target = *parsed;
  }
  if (options_.workers) cfg->workers = *options_.workers;
  try {
    // Not moved: the error message below still reads cfg. Counters carry over from the running
    // snapshot.
    return proxy::BuildSnapshot(cfg, snapshot_.get());
  } catch (const std::exception& e) {
    Log(std::string(context) + ": " + cfg->source + ": " + e.what());
    return nullptr;
  }
}

bool Server::OpenAccessLog(const config::AccessLog& settings) {
  switch (settings.target) {
    case config::AccessLogTarget::kOff:
      access_log_ = std::make_unique<core::AccessLogWriter>(-1, false);
      return true;
    case config::AccessLogTarget::kStdout:
      access_log_ = std::make_unique<core::AccessLogWriter>(STDOUT_FILENO, false);
      return true;
    case config::AccessLogTarget::kFile: {
      int fd = ::open(settings.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) {
        Log("cannot open access log '" + settings.path + "'");
        return false;
      }
      access_log_ = std::make_unique<core::AccessLogWriter>(fd, true, settings.path);
      return true;
    }
  }
  return false;
}

int Server::Run() {
  snapshot_ = Prepare("config");
  if (!snapshot_) return 1;
  const config::Config& cfg = *snapshot_->config;
  if (!OpenAccessLog(cfg.access_log)) return 1;

  label_cap_ = std::make_unique<telemetry::LabelValueCap>(cfg.metrics.max_label_values);
  if (snapshot_->tracer) tracers_.push_back(snapshot_->tracer);

  size_t count = cfg.workers ? cfg.workers : std::max(1u, std::thread::hardware_concurrency());
  tcp::endpoint data_ep, admin_ep;
  try {
    data_ep = ResolveListen(io_, cfg.listen);
    for (size_t i = 0; i < count; ++i) {
      workers_.push_back(
          std::make_unique<net::Worker>(static_cast<int>(i), snapshot_, access_log_.get()));
      workers_.back()->set_label_cap(label_cap_.get());
      data_ep = workers_.back()->Listen(data_ep);  // port 0 resolves once; the rest share it
    }
    admin_acceptor_.emplace(net::OpenListener(io_, ResolveListen(io_, cfg.admin), false));
    admin_ep = admin_acceptor_->local_endpoint();
  } catch (const std::exception& e) {
    Log(std::string("cannot listen: ") + e.what());
    return 1;
  }
  worker_exited_.assign(count, false);
  for (size_t i = 0; i < count; ++i)
    workers_[i]->Start([this, i] { asio::post(io_, [this, i] { OnWorkerExited(i); }); });
  asio::co_spawn(io_, http::AcceptLoop(*admin_acceptor_, *this), asio::detached);
  asio::co_spawn(io_, HandleSignals(), asio::detached);
  Log("listening data=" + EndpointText(data_ep) + " admin=" + EndpointText(admin_ep) +
      " workers=" + std::to_string(count));

  io_.run();
  for (auto& w : workers_) w->Join();
  workers_.clear();
  access_log_.reset();  // flushes
  Log("stopped");
  return 0;
}

asio::awaitable<void> Server::HandleSignals() {
  for (;;) {
    auto [ec, signal] = co_await signals_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    if (signal == SIGHUP)
      Reload();
    else if (signal == SIGUSR1)
      access_log_->RequestReopen();  // after log rotation
    else
      BeginDrain();
  }
}

void Server::Reload() {
  if (options_.config_path.empty()) {
    Log("reload: running on the embedded config; nothing to reload");
    return;
  }
  auto next = Prepare("reload rejected");
  if (!next) return;  // the old snapshot keeps serving
  const auto& old_cfg = *snapshot_->config;
  const auto& new_cfg = *next->config;
  if (new_cfg.listen.ToString() != old_cfg.listen.ToString() ||
      new_cfg.admin.ToString() != old_cfg.admin.ToString() || new_cfg.workers != old_cfg.workers)
    Log("reload: listen, admin and workers changes take effect only after a restart");
  if (next->tracer && next->tracer != snapshot_->tracer) tracers_.push_back(next->tracer);
  snapshot_ = next;
  label_cap_->set_limit(new_cfg.metrics.max_label_values);
  for (auto& w : workers_) w->SetSnapshot(snapshot_);
  Log("reload: config applied (" + std::to_string(new_cfg.models.size()) + " models)");
}

void Server::BeginDrain() {
  if (draining_) {
    Log("second stop signal: stopping without waiting");
    for (auto& w : workers_) w->ForceStop();
    return;
  }
  draining_ = true;
  Log("draining");
  for (auto& w : workers_) w->BeginDrain();
  drain_timer_.expires_after(snapshot_->config->limits.drain_timeout);
  drain_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    Log("drain timeout: stopping with requests in flight");
    for (auto& w : workers_) w->ForceStop();
  });
}

void Server::OnWorkerExited(size_t index) {
  worker_exited_[index] = true;
  if (++workers_exited_ < workers_.size()) return;
  boost::system::error_code ignored;
  admin_acceptor_->close(ignored);
  admin_sessions_.Drain();
  drain_timer_.cancel();
  signals_.cancel();
  io_.stop();
}

// Every live worker's shard, copied on its own thread, merged here on the admin thread.
asio::awaitable<telemetry::MetricsShard> Server::MergeShards() {
  telemetry::MetricsShard merged;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (worker_exited_[i]) continue;
    merged.Merge(co_await asio::co_spawn(workers_[i]->io(), workers_[i]->CopyMetrics(),
                                         asio::use_awaitable));
  }
  co_return merged;
}

asio::awaitable<std::string> Server::LiveStatsJson(int window_s) {
  telemetry::MetricsShard merged = co_await MergeShards();
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
  co_return merged.live.RenderJson(now_s, window_s);
}

// Reads `name=value` from a query string (values are plain: days, names; no %-decoding needed
// beyond what the ledger's own validation refuses).
std::string QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.substr(0, pair.find('=')) == name && pair.find('=') != std::string_view::npos)
      return std::string(pair.substr(pair.find('=') + 1));
  }
  return {};
}

std::pair<int, std::string> Server::UsageJson(std::string_view query) {
  auto error_json = [](const std::string& message) {
    std::string body = "{\"error\":";
    telemetry::AppendJsonString(body, message);
    return body + "}";
  };
  if (!snapshot_->ledger) return {404, error_json("no usage ledger is configured (ledger.path)")};
  policy::LedgerQuery q;
  q.consumer = QueryParam(query, "consumer");
  q.model = QueryParam(query, "model");
  q.from_day = QueryParam(query, "from");
  q.to_day = QueryParam(query, "to");
  std::string group = QueryParam(query, "group_by");
  if (!group.empty()) {
    auto by = policy::ParseGroupBy(group);
    if (!by) return {400, error_json("group_by is consumer, model, day or consumer,model,day")};
    q.group_by = *by;
  }
  snapshot_->ledger->Flush();  // include the requests that just ended
  std::string error;
  auto rows = snapshot_->ledger->Query(q, error);
  if (!error.empty()) return {400, error_json(error)};
  return {200, policy::RowsToJson(rows)};
}

asio::awaitable<std::string> Server::ScrapeMetrics() {
  telemetry::MetricsShard merged = co_await MergeShards();
  std::string text = merged.RenderPrometheus(telemetry::LabelPolicy(snapshot_->config->metrics.labels));
  // The process's own counters, one unlabelled sample each.
  auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    telemetry::AppendMetricHead(text, name, "counter", help);
    telemetry::AppendSample(text, name, "", std::to_string(value));
  };
  counter("sluice_access_log_dropped_total",
          "Access log lines dropped because the writer fell behind.",
          access_log_ ? access_log_->dropped() : 0);
  std::map<std::string, proxy::QueueStats> queues;
  for (const auto& [model, pool] : snapshot_->flow_pools) queues.emplace(model, pool->Stats());
  proxy::RenderQueueMetrics(text, queues);
  if (const auto& tracer = snapshot_->tracer) {
    counter("sluice_trace_spans_exported_total", "Spans the OTLP collector accepted.",
            tracer->exported());
    counter("sluice_trace_spans_dropped_total",
            "Spans dropped because the export queue was full.", tracer->dropped());
    counter("sluice_trace_spans_failed_total",
            "Spans lost because their batch could not be exported.", tracer->failed());
  }
  text += proxy::RenderKeyHealthMetrics(*snapshot_, std::chrono::steady_clock::now());
  if (snapshot_->ledger) {
    counter("sluice_ledger_dropped_total", "Usage-ledger entries dropped (queue full).",
            snapshot_->ledger->dropped());
    counter("sluice_ledger_failed_total", "Usage-ledger entries lost to write errors.",
            snapshot_->ledger->failed());
  }
  co_return text;
}

}  // namespace

int RunGateway(const Options& options) {
  Server server(options);
  return server.Run();
}

int CheckConfig(const std::string& path) {
  config::LoadResult loaded = config::LoadConfigFile(path);
  for (const auto& e : loaded.errors) std::fprintf(stdout, "%s\n", e.ToString().c_str());
  if (!loaded.errors.empty()) return 1;
  try {
    proxy::BuildSnapshot(loaded.config, nullptr, /*open_stores=*/false);
  } catch (const std::exception& e) {
    std::fprintf(stdout, "%s: %s\n", path.c_str(), e.what());
    return 1;
  }
  std::fprintf(stdout, "%s: ok (%zu providers, %zu models)\n", path.c_str(),
               loaded.config->providers.size(), loaded.config->models.size());
  return 0;
}

}  // namespace sluice::app
