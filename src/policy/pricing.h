#pragma once
// Prices per million tokens and the cost of one request's usage.
#include <string_view>

#include "config/config.h"
#include "core/usage.h"

namespace sluice::policy {

// USD per million tokens (the config's `pricing` entries).
using ModelPrice = config::ModelPricing;

// The price of the model a client named: an exact `pricing` entry, else the first '*' pattern
// that matches; null when the model has no price.
const ModelPrice* FindPrice(const config::Config& config, std::string_view model);

// `usage.input` counts all prompt tokens; cached_input and cache_creation_input are subsets of it,
// so they are billed at their own price and only the remainder at the input price.
double CostUsd(const ModelPrice& price, const core::TokenUsage& usage);

}  // namespace sluice::policy
