#pragma once
// Everything a request needs from configuration, built once per (re)load and shared read-only by
// every worker: the config itself, the route table, and each provider's parsed origin and TLS
// context. A request holds its snapshot from start to end.
#include <memory>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "http/upstream_client.h"
#include "policy/consumers.h"
#include "policy/jwt.h"
#include "policy/rate_limiter.h"
#include "policy/usage_ledger.h"
#include "providers/gemini/vertex_auth.h"
#include "providers/sim/sim_replica.h"
#include "proxy/flow_pool.h"
#include "proxy/llm_routing.h"
#include "routing/key_pool.h"
#include "routing/route_table.h"
#include "telemetry/span_exporter.h"

namespace sluice::proxy {

// A vertex provider's service account and where its access tokens are minted.
struct VertexAuth {
  providers::gemini::ServiceAccount account;
  http::UpstreamOrigin token_origin;  // of the account's token_uri
  std::string token_path;
};

struct Snapshot {
  explicit Snapshot(std::shared_ptr<const config::Config> c)
      : config(std::move(c)), routes(*config), consumers(config->consumers) {}

  std::shared_ptr<const config::Config> config;
  routing::RouteTable routes;
  std::unordered_map<std::string, http::UpstreamOrigin> origins;  // by provider name (not sim)
  // Key health, shared by the workers; by provider name, for providers with keys.
  std::unordered_map<std::string, std::unique_ptr<routing::KeyPool>> key_pools;
  std::unordered_map<std::string, VertexAuth> vertex_auth;  // by provider name
  policy::ConsumerTable consumers;
  std::unique_ptr<policy::JwtVerifier> jwt;  // set when config.jwt names a JWKS
  // Rate-limit counters, carried from one snapshot to the next so a reload does not reset them.
  std::shared_ptr<policy::RateLimiter> limiter;
  // The usage ledger (config.ledger), kept open across reloads that keep its path.
  std::shared_ptr<policy::UsageLedger> ledger;
  // The span exporter (config.tracing), kept across reloads that keep its settings; null: off.
  std::shared_ptr<telemetry::SpanExporter> tracer;
  // LLM-aware routing state by model name (models with routing.policy), shared by the workers and
  // carried over reloads that keep a model's endpoints.
  std::unordered_map<std::string, std::shared_ptr<LlmPool>> llm_pools;
  // Sim providers acting as model-server replicas (sim.kv_blocks), by provider name; their caches
  // survive reloads that keep kv_blocks.
  std::unordered_map<std::string, std::shared_ptr<providers::sim::SimReplica>> sim_replicas;
  // Provider quotas (providers[].quota) by provider name, shared by the queued models that send to
  // them, carried over reloads that keep a provider's limits.
  ProviderQuotas provider_quotas;
  // Fair queueing by model name (models with queue), shared by the workers and carried over
  // reloads that keep a model's endpoints, with whatever waits in them.
  std::unordered_map<std::string, std::shared_ptr<FlowPool>> flow_pools;

  const http::UpstreamOrigin* origin(const std::string& provider) const {
    auto it = origins.find(provider);
    return it == origins.end() ? nullptr : &it->second;
  }
  const VertexAuth* vertex(const std::string& provider) const {
    auto it = vertex_auth.find(provider);
    return it == vertex_auth.end() ? nullptr : &it->second;
  }
  LlmPool* llm_pool(const std::string& model) const {
    auto it = llm_pools.find(model);
    return it == llm_pools.end() ? nullptr : it->second.get();
  }
  FlowPool* flow_pool(const std::string& model) const {
    auto it = flow_pools.find(model);
    return it == flow_pools.end() ? nullptr : it->second.get();
  }
  providers::sim::SimReplica* sim_replica(const std::string& provider) const {
    auto it = sim_replicas.find(provider);
    return it == sim_replicas.end() ? nullptr : it->second.get();
  }
  const routing::KeyPool* key_pool(const std::string& provider) const {
    auto it = key_pools.find(provider);
    return it == key_pools.end() ? nullptr : it->second.get();
  }
};

// Throws std::exception with a message naming the provider when a URL or CA file is unusable.
// `previous`: the snapshot being replaced, whose rate-limit counters and ledger carry over.
// `open_stores` false (check-config): files such as the ledger are not opened or created.
std::shared_ptr<const Snapshot> BuildSnapshot(std::shared_ptr<const config::Config> config,
                                              const Snapshot* previous = nullptr,
                                              bool open_stores = true);

}  // namespace sluice::proxy
