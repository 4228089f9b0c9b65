#pragma once
// Multi-tenant workloads for the fairness experiments (docs/fairness.md), after the VTC paper's
// synthetic suites (Sheng et al., OSDI'24): each tenant sends Poisson arrivals at its own rate,
// optionally in on/off bursts, with its own length ranges and, for locality, its own set of
// shared system prompts. Each tenant's requests come from its own random stream, so a tenant's
// requests are the same whether it runs with the others or alone. Deterministic for a seed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/request.h"

namespace sluice::sim {

struct TenantSpec {
  std::string name;
  double rate = 1;  // requests per second while on
  uint32_t prompt_min = 256, prompt_max = 256;
  uint32_t output_min = 256, output_max = 256;
  double weight = 1;  // share relative to the others
  // Bursts: on for on_s seconds, then off for off_s, starting after `phase` seconds of off.
  double on_s = 0, off_s = 0, phase = 0;
  // Shared system prompts: each request starts with one of `prefixes` prompts of prefix_tokens
  // (drawn uniformly), followed by its own prompt_min..prompt_max tokens. 0: no sharing.
  uint32_t prefixes = 0, prefix_tokens = 0;
  // Expected to stay under its fair share: its TTFT is compared with running alone.
  bool light = false;
};

struct FairWorkload {
  std::string name;
  std::vector<TenantSpec> tenants;
  double horizon = 120;  // seconds of arrivals; service and throughput are measured over it
};

// Requests of every tenant (or of `only` when >= 0) arriving in [0, horizon), sorted by arrival,
// with `tenant` set to the tenant's index.
std::vector<SimRequest> GenerateTenants(const FairWorkload& w, uint64_t seed, int only = -1);

// The suite, with rates for the default fairness fleet (sim/fair_fleet.h) times `load`:
// overload, proportional, on-off, short-long, heavy-light, locality.
std::optional<FairWorkload> NamedWorkload(std::string_view name, double load = 1.0);
std::vector<std::string> WorkloadNames();

}  // namespace sluice::sim
