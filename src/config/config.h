#pragma once
// The typed, validated configuration. A Config is built once from YAML (config_loader.h), never
// mutated afterwards, and shared read-only by all workers through a shared_ptr snapshot; a reload
// builds a new one (DESIGN.md §2 "Config snapshots"). Defaults here are the documented defaults
// (docs/config.md).
#include <chrono>
#include <cstdint>
#include <string>
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

enum class ProviderType { kOpenAi, kSim };

// The built-in simulated provider: deterministic text at a configurable rate.
struct SimSettings {
  uint32_t tokens = 16;          // completion tokens per answer (capped by max_tokens)
  double tokens_per_second = 0;  // 0: as fast as possible
  uint32_t embedding_dims = 16;
};

struct Provider {
  std::string name;
  ProviderType type = ProviderType::kOpenAi;
  // openai: scheme://host[:port][/base-path], e.g. https://api.openai.com/v1 or
  // http://127.0.0.1:8000/v1. Requests go to base_path + "/chat/completions" etc.; a base without a
  // path gets "/v1".
  std::string base_url;
  std::string api_key;  // sent as Authorization: Bearer; may be empty
  std::string ca_file;  // PEM bundle; empty: system CAs
  bool tls_verify = true;
  Millis connect_timeout{5'000};
  Millis read_timeout{300'000};  // longest wait for any upstream byte (first token, between events)
  uint32_t max_idle_connections = 64;  // per worker
  std::vector<std::string>
      forward_headers;  // client request headers passed upstream; "x-foo-*" prefix form
  SimSettings sim;
};

// A model the gateway serves. `name` is matched exactly, then `aliases`, then wildcard entries
// (names containing '*') in file order.
struct Model {
  std::string name;
  std::vector<std::string> aliases;
  std::string provider;        // Provider::name
  std::string upstream_model;  // empty: the name the client asked for
};

enum class AccessLogTarget { kStdout, kOff, kFile };

struct AccessLog {
  AccessLogTarget target = AccessLogTarget::kStdout;
  std::string path;  // kFile
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

  const Provider* FindProvider(std::string_view name) const {
    for (const auto& p : providers)
      if (p.name == name) return &p;
    return nullptr;
  }
};

}  // namespace sluice::config
