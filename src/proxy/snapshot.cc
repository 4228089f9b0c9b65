#include "proxy/snapshot.h"

#include <stdexcept>

namespace sluice::proxy {

std::shared_ptr<const Snapshot> BuildSnapshot(std::shared_ptr<const config::Config> config) {
  auto snapshot = std::make_shared<Snapshot>(std::move(config));
  for (const auto& provider : snapshot->config->providers) {
    if (!provider.api_keys.empty())
      snapshot->key_pools.emplace(provider.name, std::make_unique<routing::KeyPool>(provider));
    if (provider.type == config::ProviderType::kSim) continue;  // in-process, no origin
    try {
      snapshot->origins.emplace(
          provider.name,
          http::MakeUpstreamOrigin(provider.base_url, provider.ca_file, provider.tls_verify,
                                   config::DefaultBasePath(provider.type)));
    } catch (const std::exception& e) {
      throw std::runtime_error("provider '" + provider.name + "': " + e.what());
    }
  }
  return snapshot;
}

}  // namespace sluice::proxy
