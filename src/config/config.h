#pragma once
// The typed, validated configuration. A Config is built once from YAML (config_loader.h), never
// mutated afterwards, and shared read-only by all workers through a shared_ptr snapshot; a reload
// builds a new one (DESIGN.md §2 "Config snapshots"). Defaults here are the documented defaults
// (docs/config.md).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

using Millis = std::chrono::milliseconds;

struct HostPort {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ToString() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

struct ServerLimits {
  uint64_t max_body_bytes = 8 * 1024 * 1024;
  uint32_t max_header_bytes = 16 * 1024;
  Millis request_timeout{30'000};  // to receive one whole request once its first byte arrived
  Millis idle_timeout{60'000};     // keep-alive connection with no request in flight
  Millis drain_timeout{30'000};    // SIGTERM: longest wait for in-flight requests
};

enum class ProviderType {
  kOpenAi,       // OpenAI and any OpenAI-compatible server (vLLM, SGLang, llama.cpp, DeepSeek...)
  kAzureOpenAi,  // Azure OpenAI: deployments, api-version, api-key header
  kOllama,           // Ollama's native /api/chat (NDJSON streams)
  kDashScope,        // Alibaba DashScope (Qwen), OpenAI-compatible mode
  kDashScopeNative,  // DashScope's native text-generation API
  kAnthropic,
  kGemini,
  kVertex,  // Gemini on Vertex AI: OAuth2 access tokens minted from a service-account key
  kBedrock,
  kSim,
};

// Speaks the OpenAI API (chat/completions, completions, embeddings): OpenAI clients pass through.
bool SpeaksOpenAi(ProviderType type);

// The name used in config files and metrics ("openai", "azure-openai", "anthropic", ...).
std::string_view ProviderTypeName(ProviderType type);
// The path requests go under when base_url has none ("/v1"; "/v1beta" for gemini; "" for
// bedrock and azure-openai).
std::string_view DefaultBasePath(ProviderType type);

// One credential of a provider's key pool. Keys are picked weighted-random among those usable; a
// key answered 401/403 is set aside as dead, one answered 429 rests, each for a while (KeyPool).
struct ApiKey {
  std::string id;   // shown in logs, metrics and the admin API instead of the key
  std::string key;  // the secret; never logged or shown
  uint32_t weight = 1;
};

// Vertex AI: where the model lives and the service-account key file that mints access tokens.
struct VertexSettings {
  std::string project;
  std::string location;              // e.g. us-central1, or global
  std::string service_account_file;  // Google service-account JSON key
};

// AWS credentials of a bedrock provider: requests are signed with SigV4 for service "bedrock".
struct AwsCredentials {
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
};

// The built-in simulated provider: deterministic text at a configurable rate.
struct SimSettings {
  uint32_t tokens = 16;          // completion tokens per answer (capped by max_tokens)
  double tokens_per_second = 0;  // 0: as fast as possible
  uint32_t embedding_dims = 16;
  // > 0: the sim acts as a model-server replica with a prefix cache of this many 16-token
  // blocks: answers report cached_tokens, the first token waits for a prefill of base_ttft +
  // uncached prompt tokens x prefill_ms_per_token queued behind those under way, and the admin
  // plane serves vLLM-format gauges for it.
  uint32_t kv_blocks = 0;
  Millis base_ttft{0};
  double prefill_ms_per_token = 0;
};

// Gauges scraped from a self-hosted model server for LLM-aware routing (docs/routing.md):
// GET `path` (from the origin's root, not base_url's path) every `interval`.
struct MetricsScrape {
  std::string type;  // vllm | sglang | llamacpp; empty: no scraping
  std::string path = "/metrics";
  Millis interval{50};
};

// Passive health: an endpoint that fails `consecutive_failures` times in a row (or too often, see
// failure_rate) is ejected for
// base_ejection, doubling with each ejection up to max_ejection; afterwards one probe request at a
// time is let through until one succeeds.
struct OutlierDetection {
  uint32_t consecutive_failures = 5;  // 0: not by streaks
  // Also eject when at least this share of the last `window` attempts failed (once `window`
  // attempts were seen): catches an endpoint that fails often but never many times in a row.
  double failure_rate = 0;  // 0: off
  uint32_t window = 20;     // attempts, 2-64
  Millis base_ejection{10'000};
  Millis max_ejection{300'000};
};

// Active health checks: GET base_path + path every interval, answered 2xx within timeout. A
// failure counts like a failed request (outlier detection); a success brings an ejected endpoint
// back at once.
struct HealthCheck {
  Millis interval{0};  // 0: off
  std::string path = "/models";
  Millis timeout{2'000};
};

struct Provider {
  std::string name;
  ProviderType type = ProviderType::kOpenAi;
  // openai: scheme://host[:port][/base-path], e.g. https://api.openai.com/v1 or
  // http://127.0.0.1:8000/v1. Requests go to base_path + "/chat/completions" etc.; a base without a
  // path gets "/v1".
  std::string base_url;
  // Sent as the type's auth header (Authorization: Bearer...). `api_key: K` is a pool of one key
  // with id "default"; empty: no key.
  std::vector<ApiKey> api_keys;
  Millis key_dead_time{300'000};  // a key answered 401/403 is skipped this long, then tried again
  Millis key_rest_time{10'000};   // a key answered 429 without retry-after rests this long
  std::string api_version = "2024-10-21";  // azure-openai: the api-version query parameter
  std::string ca_file;  // PEM bundle; empty: system CAs
  bool tls_verify = true;
  Millis connect_timeout{5'000};
  Millis read_timeout{300'000};  // longest wait for any upstream byte (first token, between events)
  // No first content event (stream) or response head (JSON) within this: the attempt fails and the
  // request fails over. 0: off (read_timeout still applies).
  Millis ttft_timeout{0};
  Millis total_timeout{0};  // longest attempt, start to last byte; 0: none
  OutlierDetection outlier;
  HealthCheck health_check;
  uint32_t max_concurrent = 0;  // requests in flight per worker before the circuit opens; 0: no cap
  uint32_t max_pending = 0;     // requests that may wait for a slot when the circuit is open
  Millis pending_timeout{5'000};       // longest such wait
  uint32_t max_idle_connections = 64;  // per worker
  std::vector<std::string>
      forward_headers;  // client request headers passed upstream; "x-foo-*" prefix form
  AwsCredentials aws;  // bedrock
  VertexSettings vertex;
  SimSettings sim;
  MetricsScrape metrics;
  // LoRA adapters this model server can serve, for LLM-aware routing's filter; empty: any.
  std::vector<std::string> lora_adapters;
  // The provider's quota, for fair queueing (models[].queue): a model whose every target has used
  // its quota is saturated. Corrected by the x-ratelimit-remaining-* headers. 0: not limited.
  uint64_t quota_requests_per_minute = 0;
  uint64_t quota_tokens_per_minute = 0;
};

// One backend of a model. Targets are tried by priority (0 first); within a priority group the
// choice is weighted random among healthy targets.
struct Target {
  std::string provider;        // Provider::name
  std::string upstream_model;  // empty: the name the client asked for
  uint32_t priority = 0;
  uint32_t weight = 1;
};

// Retries and failover before the first byte reaches the client.
struct RetryPolicy {
  uint32_t attempts = 3;      // per request, across all targets, the first included
  Millis base_backoff{50};    // exponential with full jitter between attempts
  Millis max_backoff{2'000};  // cap; a longer retry-after sends the retry elsewhere
  double budget = 0.2;        // retries may add at most this share of requests (per worker)
};

// LLM-aware endpoint picking over a model's targets, treated as one pool of model-server
// replicas (docs/routing.md). Off when `policy` is empty: targets by priority and weight.
struct ModelRouting {
  // prefix-aware | cost | least-request | power-of-two | round-robin | random
  std::string policy;
  // prefix-aware: weights of the scorers (each scores endpoints in [0,1]).
  double prefix_weight = 3;  // defaults: endpoint_picker.h ScorerWeights
  double queue_weight = 1;
  double kv_cache_weight = 1;
  double lora_weight = 1;
  double session_weight = 1;
  double latency_weight = 0;
  uint32_t block_chars = 64;        // prompt characters per hashed block (~16 tokens)
  uint32_t max_blocks = 256;        // blocks hashed per prompt (~4k tokens)
  uint32_t index_capacity = 31250;  // blocks remembered per endpoint until it reports its KV size
  // The model name the client asked for is a LoRA adapter (vLLM serves adapters as model names):
  // skip servers whose lora_adapters lack it, prefer those that have it loaded.
  bool lora = false;
};

// Fair queueing (docs/fairness.md): while the model's pool is saturated, requests wait in the
// gateway in strict priority bands, tenants (consumers) served by Virtual Token Counter fairness
// inside a band. Off unless `queue` is given.
struct ModelQueue {
  bool enabled = false;
  bool fair = true;             // policy: vtc (true) or fcfs (one queue for every tenant)
  // policy dlpm: VTC with DLPM's locality (FairQueue::PopLocal), among tenants within `quantum`
  // weighted tokens of the least served, requests whose prefix is cached where there is room go
  // first. Needs routing.policy (its prefix index).
  bool locality = false;
  double quantum = 4096;
  uint32_t max_queued = 1024;   // beyond this the lowest band's newest request is shed
  Millis timeout{30'000};       // longest wait: then 429 policy_queue_timeout
  double input_weight = 1;      // VTC w_in: per prompt token, charged at dispatch
  double output_weight = 2;     // VTC w_out: per output token, charged as streams progress
  // Saturation (src/flow/saturation.h): scraped gauges (targets with metrics, sim replicas),
  // per-endpoint concurrency and provider quotas.
  double queue_depth = 5;        // waiting requests per endpoint
  double kv_cache = 0.8;         // KV-cache use per endpoint
  uint32_t max_concurrency = 0;  // the gateway's requests in flight per endpoint; 0: no cap
  // Of the pool's max_concurrency slots, how many only a tenant with nothing waiting may take:
  // its request goes at once instead of waiting for the next completion (docs/fairness.md).
  uint32_t reserve = 0;
};

// A model the gateway serves. `name` is matched exactly, then `aliases`, then wildcard entries
// (names containing '*') in file order.
struct Model {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<Target> targets;  // at least one; `provider:` in the file is the one-target form
  RetryPolicy retry;
  ModelRouting routing;
  ModelQueue queue;
};

// A client of the gateway, known by its API keys (sent as Authorization: Bearer, x-api-key or
// api-key, whatever the client's dialect). Keys are kept only as SHA-256 hashes once loaded.
struct Consumer {
  std::string name;
  std::string team;                  // optional; rate limits may be keyed by it
  // The API keys, as SHA-256 hex digests (the loader hashes them; the secrets are not kept), and
  // a short prefix of each for operators to tell them apart.
  std::vector<std::string> key_hashes;
  std::vector<std::string> key_prefixes;
  std::vector<std::string> models;   // model names or wildcard patterns allowed; empty: all
  std::vector<std::pair<std::string, std::string>> metadata;
  // Fair queueing: the band this consumer's requests wait in (higher first; negative ones are
  // sheddable, refused at once when saturated; x-sluice-priority may only lower it) and its share
  // of a band relative to other consumers.
  int priority = 0;
  double weight = 1;
};

// One rate-limit rule: budgets per fixed window for every distinct value of `by` (e.g. per
// consumer), over requests for `models` (names or patterns; empty: all). Tokens are reserved at
// admission (the prompt estimated locally, plus max_tokens or default_output_tokens) and
// reconciled to the usage reported when the request ends, so concurrent requests cannot overshoot.
struct RateLimitRule {
  std::string name;
  std::vector<std::string> by;  // "consumer", "team", "model", "route" or "header:<name>"
  std::vector<std::string> models;
  Millis window{60'000};
  bool calendar_month = false;  // `window: month`: from the 1st of each month, 00:00 UTC
  uint64_t requests = 0;  // 0: not limited
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;
  uint64_t total_tokens = 0;
  double cost_usd = 0;  // spend per window (a budget), priced with `pricing`; 0: not limited
  uint32_t default_output_tokens = 256;
  // A hard limit also ends a stream that outgrows what was left (output, total or cost): the
  // client gets a final policy_budget_exceeded error event instead of the rest of the answer.
  bool hard = false;
};

// Price of a model per million tokens, in USD. Cached and cache-creation input default to the
// input price.
struct ModelPricing {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  double cached_input_per_mtok = -1;  // -1: as input
  double cache_creation_per_mtok = -1;
};

// The usage ledger: every request's usage and cost, in SQLite.
struct LedgerSettings {
  std::string path;  // empty: no ledger
};

// Where state shared by gateway replicas lives: rate-limit counters and budgets. In memory by
// default (this process only); in Redis when several replicas must draw on the same buckets.
struct StoreSettings {
  bool redis = false;
  std::string host = "127.0.0.1";  // from url: redis://[[user]:password@]host[:port][/db]
  uint16_t port = 6379;
  std::string username, password;
  int db = 0;
  Millis timeout{50};     // per command and for connecting
  bool fail_open = true;  // Redis unavailable: admit unchecked (open) or refuse with 503 (closed)
  std::string key_prefix = "sluice:";
};

// JWT consumer authentication: Bearer tokens that are JWTs are verified with the keys of a JWKS
// file; `consumer_claim` names a configured consumer.
struct JwtSettings {
  std::string jwks_file;  // empty: JWT authentication off
  std::string jwks;       // the file's content, read at load
  std::string issuer;     // required iss, if set
  std::string audience;   // required in aud, if set
  std::string consumer_claim = "sub";
  Millis leeway{30'000};  // clock skew allowed on exp / nbf
};

enum class AccessLogTarget { kStdout, kOff, kFile };

struct AccessLog {
  AccessLogTarget target = AccessLogTarget::kStdout;
  std::string path;  // kFile
};

// OpenTelemetry tracing (DESIGN.md §1): a server span per request and a client span per upstream
// attempt, exported over OTLP/HTTP with JSON encoding. Off unless otlp_endpoint is set.
struct TracingSettings {
  std::string otlp_endpoint;  // http://host:port[/base]; spans go to <base>/v1/traces
  std::string service_name = "sluice";
  double sample_ratio = 1.0;  // of new traces; a client's traceparent decides for its trace
  uint32_t max_queue = 4096;  // spans waiting for export; more are dropped (counted)
  uint32_t max_batch = 512;   // spans per export request
  Millis flush_interval{1'000};
  Millis export_timeout{5'000};
  bool operator==(const TracingSettings&) const = default;
};

// Prometheus label control (telemetry/label_policy.h).
struct MetricsSettings {
  // Per metric: the labels it keeps (an allow-list); metrics not named keep their defaults.
  std::vector<std::pair<std::string, std::vector<std::string>>> labels;
  uint32_t max_label_values = 500;  // distinct values per open label; later ones become "other"
};

struct Config {
  std::string source;  // file name, or "<embedded>"
  HostPort listen{"127.0.0.1", 8080};
  HostPort admin{"127.0.0.1", 9901};
  uint32_t workers = 0;  // 0: one per core
  ServerLimits limits;
  AccessLog access_log;
  std::vector<Provider> providers;
  std::vector<Model> models;
  std::vector<Consumer> consumers;  // none: no authentication (every request is anonymous)
  bool anonymous = true;  // requests without a key are served; false by default with consumers
  JwtSettings jwt;
  std::vector<RateLimitRule> rate_limits;
  // Prices by model name as clients ask for it (or '*' pattern), for costs and budgets.
  std::vector<std::pair<std::string, ModelPricing>> pricing;
  LedgerSettings ledger;
  TracingSettings tracing;
  MetricsSettings metrics;
  StoreSettings store;

  const Provider* FindProvider(std::string_view name) const {
    for (const auto& p : providers)
      if (p.name == name) return &p;
    return nullptr;
  }
};

}  // namespace sluice::config
