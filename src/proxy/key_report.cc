#include "proxy/key_report.h"

#include <cstdio>

#include "telemetry/json_text.h"

namespace sluice::proxy {

std::string RenderProvidersJson(const Snapshot& snapshot,
                                std::chrono::steady_clock::time_point now) {
  std::string out = "{\"providers\":[";
  bool first = true;
  for (const auto& provider : snapshot.config->providers) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    telemetry::AppendJsonString(out, provider.name);
    out += ",\"type\":";
    telemetry::AppendJsonString(out, config::ProviderTypeName(provider.type));
    out += ",\"keys\":[";
    const routing::KeyPool* pool = snapshot.key_pool(provider.name);
    for (size_t i = 0; pool && i < pool->size(); ++i) {
      if (i) out += ',';
      auto state = pool->state(i, now);
      out += "{\"id\":";
      telemetry::AppendJsonString(out, pool->key(i).id);
      out += ",\"weight\":" + std::to_string(pool->key(i).weight) + ",\"state\":";
      telemetry::AppendJsonString(out, routing::KeyStateName(state));
      if (state != routing::KeyPool::State::kUp) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f",
                      std::chrono::duration<double>(pool->until(i) - now).count());
        out += ",\"back_in_s\":";
        out += buf;
      }
      out += '}';
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string RenderKeyHealthMetrics(const Snapshot& snapshot,
                                   std::chrono::steady_clock::time_point now) {
  std::string out =
      "# HELP sluice_provider_key_up 1 while a provider API key is usable, 0 while it is set aside "
      "(refused: 401/403, or resting after a 429).\n"
      "# TYPE sluice_provider_key_up gauge\n";
  // Provider names and key ids are restricted to [A-Za-z0-9._-] by the config loader: no
  // label escaping needed.
  for (const auto& [name, pool] : snapshot.key_pools)
    for (size_t i = 0; i < pool->size(); ++i)
      out += "sluice_provider_key_up{provider=\"" + name + "\",key=\"" + pool->key(i).id + "\"} " +
             (pool->state(i, now) == routing::KeyPool::State::kUp ? "1" : "0") + "\n";
  return out;
}

}  // namespace sluice::proxy
