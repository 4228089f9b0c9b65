#pragma once
// Prices per million tokens and the cost of one request's usage.
#include "core/usage.h"

namespace sluice::policy {

// USD per million tokens. A negative cache price means "same as input" (providers without a
// separate cache price, or config that leaves it out).
struct ModelPrice {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  double cached_input_per_mtok = -1;    // -1: same as input
  double cache_creation_per_mtok = -1;  // -1: same as input
};

// `usage.input` counts all prompt tokens; cached_input and cache_creation_input are subsets of it,
// so they are billed at their own price and only the remainder at the input price.
double CostUsd(const ModelPrice& price, const core::TokenUsage& usage);

}  // namespace sluice::policy
