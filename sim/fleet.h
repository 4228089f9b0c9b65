#pragma once
// The discrete-event fleet simulator: requests arrive, the gateway's routing code (the same
// EndpointPicker and PoolState as the proxy, no sockets) picks a replica, replicas run
// continuous-batching steps, and the router learns only what the gateway would: its own
// dispatches and completions at once, the replicas' gauges every scrape interval.
// Deterministic for a given seed (except decision_ns, wall-clock time of the picker).
#include <cstdint>
#include <string>
#include <vector>

#include "routing/endpoint_picker.h"
#include "routing/pool_state.h"
#include "sim/event.h"
#include "sim/replica.h"
#include "sim/request.h"

namespace sluice::sim {

struct FleetConfig {
  size_t replicas = 8;
  ReplicaConfig replica;
  double scrape_interval = 0.05;  // seconds
  routing::PickerConfig picker;
  // Blocks of a prompt the router hashes (the gateway's max_blocks, 256 ≈ 4k tokens).
  size_t router_max_blocks = 256;
  // Pass multi-turn session ids to the picker (as an x-sluice-session header would); off by
  // default so affinity comes from the prompt alone.
  bool sessions = false;
  uint64_t seed = 1;
};

struct RunResult {
  size_t requests = 0;
  size_t completed = 0;
  size_t rejected = 0;
  double ttft_p50 = 0, ttft_p90 = 0, ttft_p99 = 0, ttft_mean = 0;  // seconds
  double output_tokens_per_s = 0;
  double requests_per_s = 0;
  double hit_rate = 0;        // cached prompt tokens / prompt tokens, fleet-wide
  double ideal_hit_rate = 0;  // the same with one infinite cache
  double imbalance = 0;       // busiest replica's busy time / mean busy time
  double decision_ns_p50 = 0, decision_ns_p99 = 0;
  double makespan = 0;  // seconds from first arrival to last completion
};

// What both simulators (RunFleet, sim/fair_fleet) build from a FleetConfig: the replicas, the
// routing state the picker reads, and which replicas are in a step and what it will report.
struct SimFleet {
  explicit SimFleet(const FleetConfig& config);
  routing::PoolState pool;
  routing::EndpointPicker picker;
  std::vector<Replica> replicas;
  std::vector<bool> stepping;
  std::vector<std::vector<StepEvent>> step_events;  // reported at the end of the current step
  // Runs replica r's next step from `now`; its end goes on `events`. `decoded` as Replica::Step.
  void StartStep(uint32_t r, double now, EventQueue& events, uint64_t& seq,
                 std::vector<uint32_t>* decoded = nullptr);
};

// Requests must be sorted by arrival; their hashes are filled in here.
RunResult RunFleet(const FleetConfig& config, std::vector<SimRequest> requests);

double Percentile(std::vector<double> values, double p);
// Simulated seconds as the routing code's clock.
routing::SteadyTime At(double seconds);
// Fills each request's chained prompt and answer hashes from its block ids.
void FillHashes(std::vector<SimRequest>& requests);
// A replica's gauges as the gateway scrapes them at `now` (vLLM's cache_config_info included).
routing::EndpointMetrics Scrape(const Replica& replica, uint32_t num_blocks, double now);
// "a,b,,c" -> {a, b, c}: the simulators' comma-list options.
std::vector<std::string> SplitList(const std::string& s);

}  // namespace sluice::sim
