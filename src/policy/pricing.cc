#include "policy/pricing.h"

#include "routing/route_table.h"

namespace sluice::policy {

const ModelPrice* FindPrice(const config::Config& config, std::string_view model) {
  for (const auto& [name, price] : config.pricing)
    if (name == model) return &price;
  for (const auto& [name, price] : config.pricing)
    if (name.find('*') != std::string::npos && routing::WildcardMatch(name, model)) return &price;
  return nullptr;
}

double CostUsd(const ModelPrice& price, const core::TokenUsage& usage) {
  double cached_price =
      price.cached_input_per_mtok < 0 ? price.input_per_mtok : price.cached_input_per_mtok;
  double creation_price =
      price.cache_creation_per_mtok < 0 ? price.input_per_mtok : price.cache_creation_per_mtok;
  // Clamp: a provider that reports cache counts larger than the prompt must not yield a negative
  // (unsigned wrap-around) uncached count.
  uint64_t cache = usage.cached_input + usage.cache_creation_input;
  uint64_t uncached = usage.input > cache ? usage.input - cache : 0;
  double micro_usd = static_cast<double>(uncached) * price.input_per_mtok +
                     static_cast<double>(usage.cached_input) * cached_price +
                     static_cast<double>(usage.cache_creation_input) * creation_price +
                     static_cast<double>(usage.output) * price.output_per_mtok;
  return micro_usd / 1e6;
}

}  // namespace sluice::policy
