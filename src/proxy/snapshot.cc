#include "proxy/snapshot.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "telemetry/otlp_http.h"

namespace sluice::proxy {

namespace {

// The service account of a vertex provider: its key file parsed, its token endpoint resolved.
VertexAuth LoadVertexAuth(const config::Provider& provider) {
  std::ifstream in(provider.vertex.service_account_file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw std::runtime_error("cannot read the service-account file");
  VertexAuth auth;
  std::string error;
  if (!providers::gemini::ParseServiceAccount(text, auth.account, error))
    throw std::runtime_error("service-account file: " + error);
  auth.token_origin = http::MakeUpstreamOrigin(auth.account.token_uri, "", true, "/");
  auth.token_path = auth.token_origin.base_path;
  return auth;
}

// Posts batches from the exporter's thread; a failure is logged once per streak, not per batch.
std::shared_ptr<telemetry::SpanExporter> NewSpanExporter(const config::TracingSettings& tracing) {
  std::string why;
  auto target = telemetry::OtlpTracesTarget(tracing.otlp_endpoint, &why);
  if (!target) throw std::runtime_error("tracing.otlp_endpoint: " + why);
  telemetry::SpanExporterOptions options;
  options.service_name = tracing.service_name;
  options.service_version = SLUICE_VERSION;
  options.max_queue = tracing.max_queue;
  options.max_batch = tracing.max_batch;
  options.flush_interval = tracing.flush_interval;
  auto timeout = tracing.export_timeout;
  auto post = [target = *target, timeout, failing = false](const std::string& body) mutable {
    std::string error;
    bool ok = telemetry::HttpPost(target, body, timeout, &error);
    if (!ok && !failing)
      std::fprintf(stderr, "sluice: tracing: export to %s:%u%s failed: %s\n", target.host.c_str(),
                   static_cast<unsigned>(target.port), target.path.c_str(), error.c_str());
    failing = !ok;
    return ok;
  };
  return std::make_shared<telemetry::SpanExporter>(std::move(options), std::move(post));
}

}  // namespace

std::shared_ptr<const Snapshot> BuildSnapshot(std::shared_ptr<const config::Config> config,
                                              const Snapshot* previous, bool open_stores) {
  auto snapshot = std::make_shared<Snapshot>(std::move(config));
  snapshot->limiter = previous ? previous->limiter : std::make_shared<policy::RateLimiter>();
  const std::string& ledger_path = snapshot->config->ledger.path;
  if (!ledger_path.empty() && previous && previous->ledger &&
      previous->config->ledger.path == ledger_path) {
    snapshot->ledger = previous->ledger;
  } else if (!ledger_path.empty() && open_stores) {
    std::string error;
    snapshot->ledger = policy::UsageLedger::Open(ledger_path, error);
    if (!snapshot->ledger) throw std::runtime_error("ledger.path '" + ledger_path + "': " + error);
  }
  const config::TracingSettings& tracing = snapshot->config->tracing;
  if (!tracing.otlp_endpoint.empty() && previous && previous->tracer &&
      previous->config->tracing == tracing) {
    snapshot->tracer = previous->tracer;
  } else if (!tracing.otlp_endpoint.empty() && open_stores) {
    snapshot->tracer = NewSpanExporter(tracing);
  }
  if (!snapshot->config->jwt.jwks.empty()) {
    std::string error;
    snapshot->jwt = policy::JwtVerifier::FromJwks(snapshot->config->jwt.jwks, error);
    if (!snapshot->jwt) throw std::runtime_error("jwt.jwks_file: " + error);
  }
  for (const auto& provider : snapshot->config->providers) {
    if (provider.type == config::ProviderType::kSim && provider.sim.kv_blocks > 0) {
      std::shared_ptr<providers::sim::SimReplica> replica;
      if (previous) {
        auto old = previous->sim_replicas.find(provider.name);
        if (old != previous->sim_replicas.end() &&
            old->second->kv_blocks() == provider.sim.kv_blocks)
          replica = old->second;
      }
      if (!replica) replica = std::make_shared<providers::sim::SimReplica>(provider.sim.kv_blocks);
      snapshot->sim_replicas.emplace(provider.name, std::move(replica));
    }
    if (!provider.api_keys.empty())
      snapshot->key_pools.emplace(provider.name, std::make_unique<routing::KeyPool>(provider));
    if (provider.type == config::ProviderType::kSim) continue;  // in-process, no origin
    try {
      if (provider.type == config::ProviderType::kVertex)
        snapshot->vertex_auth.emplace(provider.name, LoadVertexAuth(provider));
      snapshot->origins.emplace(
          provider.name,
          http::MakeUpstreamOrigin(provider.base_url, provider.ca_file, provider.tls_verify,
                                   config::DefaultBasePath(provider.type)));
    } catch (const std::exception& e) {
      throw std::runtime_error("provider '" + provider.name + "': " + e.what());
    }
  }
  for (const auto& model : snapshot->config->models) {
    if (model.routing.policy.empty()) continue;
    routing::ResolvedRoute resolved = snapshot->routes.Resolve(model.name);
    if (!resolved.route || resolved.route->model != &model) continue;
    std::shared_ptr<LlmPool> pool;
    if (previous) {
      auto old = previous->llm_pools.find(model.name);
      if (old != previous->llm_pools.end() && old->second->SameEndpoints(*resolved.route)) {
        pool = old->second;
        pool->Configure(model.routing, *resolved.route);
      }
    }
    if (!pool) pool = std::make_shared<LlmPool>(model.routing, *resolved.route);
    snapshot->llm_pools.emplace(model.name, std::move(pool));
  }
  for (const auto& p : snapshot->config->providers) {
    if (!p.quota_requests_per_minute && !p.quota_tokens_per_minute) continue;
    std::shared_ptr<SharedQuota> quota;
    if (previous) {
      auto old = previous->provider_quotas.find(p.name);
      if (old != previous->provider_quotas.end() && old->second->SameLimits(p)) quota = old->second;
    }
    if (!quota)
      quota = std::make_shared<SharedQuota>(p.quota_requests_per_minute, p.quota_tokens_per_minute);
    snapshot->provider_quotas.emplace(p.name, std::move(quota));
  }
  for (const auto& model : snapshot->config->models) {
    if (!model.queue.enabled) continue;
    routing::ResolvedRoute resolved = snapshot->routes.Resolve(model.name);
    if (!resolved.route || resolved.route->model != &model) continue;
    FlowPoolLinks links;
    for (const auto& target : resolved.route->targets) {
      auto it = snapshot->sim_replicas.find(target.provider->name);
      links.replicas.push_back(it == snapshot->sim_replicas.end() ? nullptr : it->second);
    }
    links.quotas = snapshot->provider_quotas;
    if (auto llm = snapshot->llm_pools.find(model.name); llm != snapshot->llm_pools.end())
      links.llm = llm->second;
    std::shared_ptr<FlowPool> pool;
    if (previous) {
      auto old = previous->flow_pools.find(model.name);
      if (old != previous->flow_pools.end() && old->second->SameEndpoints(*resolved.route)) {
        pool = old->second;  // waiters, grants and counters carry over
        pool->Configure(model, std::move(links));
      }
    }
    if (!pool) pool = std::make_shared<FlowPool>(model, *resolved.route, std::move(links));
    snapshot->flow_pools.emplace(model.name, std::move(pool));
  }
  return snapshot;
}

}  // namespace sluice::proxy
