// fleet_sim: runs routing policies over a simulated fleet of model-server replicas and prints one
// row per policy (mean over seeds). docs/routing.md has the results and the commands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "sim/fleet.h"
#include "sim/workload.h"

namespace {

using namespace sluice;

bool ParseWeights(const std::string& spec, routing::ScorerWeights& w) {
  std::map<std::string, double*> fields{{"prefix", &w.prefix},   {"queue", &w.queue},
                                        {"kv", &w.kv_cache},     {"lora", &w.lora},
                                        {"session", &w.session}, {"latency", &w.latency}};
  for (const auto& item : sim::SplitList(spec)) {
    auto eq = item.find('=');
    if (eq == std::string::npos || !fields.count(item.substr(0, eq))) return false;
    *fields[item.substr(0, eq)] = std::stod(item.substr(eq + 1));
  }
  return true;
}

// Policy names of the picker, plus scorer-only variants for comparison.
bool PickerFor(const std::string& name, const routing::PickerConfig& base,
               routing::PickerConfig& out) {
  out = base;
  if (name == "prefix-only") {  // pure affinity, no load signal (production-stack prefixaware)
    out.policy = routing::Policy::kScored;
    out.weights = routing::ScorerWeights{1, 0, 0, 0, 0, 0};
    out.saturation_filter = false;
    return true;
  }
  if (name == "load-only") {  // queue + KV without affinity
    out.policy = routing::Policy::kScored;
    out.weights = routing::ScorerWeights{0, 2, 2, 0, 0, 0};
    return true;
  }
  if (name == "gie-default") {  // GIE's default weights: prefix 3, queue 2, KV 2
    out.policy = routing::Policy::kScored;
    out.weights = routing::ScorerWeights{3, 2, 2, 1, 1, 0};
    out.saturation_filter = true;
    return true;
  }
  auto p = routing::ParsePolicy(name);
  if (!p) return false;
  out.policy = *p;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Discrete-event fleet simulator for the LLM-aware endpoint picker"};
  std::string workload = "shared-prefix", trace, policies, seeds_spec = "1,2,3", weights,
              emit_trace, format = "md";
  double rate = 0, speedup = 1, scrape_ms = 50;
  size_t requests = 0, replicas = 8, emit_requests = 1000;
  uint32_t kv_blocks = 0;
  bool no_saturation = false, sessions = false;
  double cost_decode = -1;
  app.add_option("--workload", workload,
                 "shared-prefix | multi-turn | few-shot | no-sharing | trace");
  app.add_option("--trace", trace, "Mooncake-format JSONL trace (with --workload trace)");
  app.add_option("--speedup", speedup, "divide trace timestamps by this");
  app.add_option("--policies", policies,
                 "comma list: random,round-robin,least-request,power-of-two,prefix-aware,cost,"
                 "prefix-only,load-only,gie-default");
  app.add_option("--seeds", seeds_spec, "comma list of seeds");
  app.add_option("--rate", rate, "requests per second (0 = workload default)");
  app.add_option("--requests", requests, "requests per run (0 = workload default)");
  app.add_option("--replicas", replicas, "replicas in the pool (<= 64)");
  app.add_option("--kv-blocks", kv_blocks, "KV capacity per replica in 16-token blocks");
  app.add_option("--scrape-ms", scrape_ms, "metrics scrape interval");
  app.add_option("--weights", weights, "prefix=3,queue=2,kv=2,lora=1,session=1,latency=0");
  app.add_option("--cost-decode-weight", cost_decode, "cost policy: weight of in-flight tokens");
  app.add_flag("--no-saturation-filter", no_saturation);
  app.add_flag("--sessions", sessions, "pass multi-turn session ids to the picker");
  app.add_option("--format", format, "md | csv");
  app.add_option("--emit-trace", emit_trace, "write a synthetic Mooncake-format trace and exit");
  app.add_option("--emit-requests", emit_requests, "requests in the emitted trace");
  CLI11_PARSE(app, argc, argv);

  if (!emit_trace.empty()) {
    if (!sim::WriteSyntheticTrace(emit_trace, emit_requests, 42)) {
      std::cerr << "cannot write " << emit_trace << "\n";
      return 1;
    }
    return 0;
  }

  sim::FleetConfig base;
  base.replicas = std::min<size_t>(replicas, 64);
  base.scrape_interval = scrape_ms / 1000.0;
  if (kv_blocks) base.replica.num_blocks = kv_blocks;
  if (!weights.empty() && !ParseWeights(weights, base.picker.weights)) {
    std::cerr << "bad --weights " << weights << "\n";
    return 1;
  }
  base.picker.saturation_filter = !no_saturation;
  base.sessions = sessions;
  if (cost_decode >= 0) base.picker.cost_decode_weight = cost_decode;

  std::vector<std::string> names =
      sim::SplitList(policies.empty() ? "random,round-robin,least-request,power-of-two,prefix-aware,cost"
                             : policies);
  std::vector<uint64_t> seeds;
  for (const auto& s : sim::SplitList(seeds_spec)) seeds.push_back(std::stoull(s));

  auto make = [&](uint64_t seed, std::vector<sim::SimRequest>& out) -> bool {
    if (workload == "shared-prefix") {
      out = sim::SharedPrefix({}, rate ? rate : 12, requests ? requests : 3000, seed);
    } else if (workload == "multi-turn") {
      out = sim::MultiTurn({}, rate ? rate : 12, requests ? requests : 4000, seed);
    } else if (workload == "few-shot") {
      out = sim::FewShot({}, rate ? rate : 40, requests ? requests : 6000, seed);
    } else if (workload == "no-sharing") {
      out = sim::NoSharing({}, rate ? rate : 30, requests ? requests : 6000, seed);
    } else if (workload == "trace") {
      std::string error;
      if (!sim::LoadMooncakeTrace(trace, speedup, requests ? requests : SIZE_MAX, out, error)) {
        std::cerr << error << "\n";
        return false;
      }
    } else {
      std::cerr << "unknown workload " << workload << "\n";
      return false;
    }
    return true;
  };

  if (format == "md") {
    std::printf(
        "| policy | TTFT p50 s | p90 s | p99 s | out tok/s | req/s | hit rate | ideal | "
        "hit/ideal | imbalance | decision p50/p99 ns |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n");
  } else {
    std::printf(
        "workload,policy,seed,ttft_p50,ttft_p90,ttft_p99,out_tok_s,req_s,hit,ideal,imbalance,"
        "decision_p50_ns,decision_p99_ns,rejected\n");
  }
  for (const auto& name : names) {
    sim::FleetConfig config = base;
    if (!PickerFor(name, base.picker, config.picker)) {
      std::cerr << "unknown policy " << name << "\n";
      return 1;
    }
    sim::RunResult sum;
    for (uint64_t seed : seeds) {
      std::vector<sim::SimRequest> reqs;
      if (!make(seed, reqs)) return 1;
      config.seed = seed;
      sim::RunResult r = sim::RunFleet(config, std::move(reqs));
      if (format == "csv") {
        std::printf("%s,%s,%llu,%.4f,%.4f,%.4f,%.1f,%.3f,%.4f,%.4f,%.3f,%.0f,%.0f,%zu\n",
                    workload.c_str(), name.c_str(), (unsigned long long)seed, r.ttft_p50,
                    r.ttft_p90, r.ttft_p99, r.output_tokens_per_s, r.requests_per_s, r.hit_rate,
                    r.ideal_hit_rate, r.imbalance, r.decision_ns_p50, r.decision_ns_p99,
                    r.rejected);
      }
      sum.ttft_p50 += r.ttft_p50;
      sum.ttft_p90 += r.ttft_p90;
      sum.ttft_p99 += r.ttft_p99;
      sum.output_tokens_per_s += r.output_tokens_per_s;
      sum.requests_per_s += r.requests_per_s;
      sum.hit_rate += r.hit_rate;
      sum.ideal_hit_rate += r.ideal_hit_rate;
      sum.imbalance += r.imbalance;
      sum.decision_ns_p50 += r.decision_ns_p50;
      sum.decision_ns_p99 += r.decision_ns_p99;
    }
    double n = double(seeds.size());
    if (format == "md") {
      std::printf(
          "| %s | %.3f | %.3f | %.3f | %.0f | %.2f | %.1f%% | %.1f%% | %.2f | %.2f | %.0f / %.0f "
          "|\n",
          name.c_str(), sum.ttft_p50 / n, sum.ttft_p90 / n, sum.ttft_p99 / n,
          sum.output_tokens_per_s / n, sum.requests_per_s / n, 100 * sum.hit_rate / n,
          100 * sum.ideal_hit_rate / n, sum.hit_rate / std::max(sum.ideal_hit_rate, 1e-9),
          sum.imbalance / n, sum.decision_ns_p50 / n, sum.decision_ns_p99 / n);
    }
    std::fflush(stdout);
  }
  return 0;
}
