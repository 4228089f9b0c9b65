// fair_sim: runs gateway scheduling policies (fcfs, vtc, rpm:N, dlpm[:Q], direct) over the
// multi-tenant workloads of sim/tenants.h on a simulated fleet and prints, per workload, one row
// per policy (mean over seeds). docs/fairness.md has the results and the commands.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "sim/fair_fleet.h"
#include "sim/tenants.h"

namespace {

using namespace sluice;

// One policy's numbers, summed over seeds.
struct Row {
  double jain = 0, jain_seeds = 0, jain_min = 1, gap = 0, gap_max = 0, tok = 0, req = 0, hit = 0;
  double vs_fcfs = 0, vs_fcfs_min = 1e9;
  double light_p50 = 0, light_p99 = 0, alone_p50 = 0, alone_p99 = 0, light_ratio = 0, light_ratio_max = 0;
  double rejected = 0, windows = 0, queue = 0;
  size_t censored = 0;
  bool has_light = false;
};

void PrintCalibration(const sim::FairConfig& config, const std::vector<uint64_t>& seeds) {
  // One tenant far above capacity, 256/256 tokens on average: what the fleet serves.
  sim::FairWorkload w{"calibrate", {}, 120};
  sim::TenantSpec t;
  t.name = "t";
  t.rate = 200;
  t.prompt_min = t.output_min = 128;
  t.prompt_max = t.output_max = 384;
  w.tenants.push_back(t);
  for (uint64_t seed : seeds) {
    sim::FairConfig c = config;
    c.fleet.seed = seed;
    auto r = sim::RunFair(c, w, *sim::ParsePolicySpec("fcfs"), sim::GenerateTenants(w, seed));
    std::printf("seed %llu: %.1f requests/s, %.0f output tokens/s\n", (unsigned long long)seed,
                r.requests_per_s, r.output_tokens_per_s);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fair scheduling at the gateway over a simulated fleet (docs/fairness.md)"};
  std::string workloads_spec, policies_spec = "fcfs,vtc,dlpm,rpm:240,rpm:480,rpm:720,direct",
                              seeds_spec = "1,2,3", format = "md";
  double load = 1, horizon = 0, scrape_ms = 50, window = 10;
  size_t replicas = 0;
  int max_concurrency = -1;
  uint32_t max_seqs = 0, kv_blocks = 0, reserve = 0;
  double warmup = 0;
  bool calibrate = false, no_filter = false;
  app.add_option("--workloads", workloads_spec,
                 "comma list: overload,proportional,on-off,short-long,heavy-light,locality");
  app.add_option("--policies", policies_spec, "comma list: fcfs,vtc,dlpm,dlpm:Q,rpm:N,direct");
  app.add_option("--seeds", seeds_spec, "comma list of seeds");
  app.add_option("--load", load, "multiply every tenant's rate");
  app.add_option("--horizon", horizon, "seconds of arrivals (0 = the workload's, 120)");
  app.add_option("--replicas", replicas, "replicas (0 = 4)");
  app.add_option("--max-concurrency", max_concurrency,
                 "gateway in-flight cap per replica (saturation; default 32 = max_seqs, 0 = none)");
  app.add_option("--max-seqs", max_seqs,
                 "sequences per replica batch (0 = 32); also the default max-concurrency");
  app.add_option("--kv-blocks", kv_blocks, "KV-cache blocks of 16 tokens per replica (0 = 4096)");
  app.add_option("--reserve", reserve,
                 "pool slots only a tenant with nothing waiting at the gateway may take");
  app.add_option("--warmup", warmup, "seconds of light arrivals left out of their TTFT");
  app.add_option("--scrape-ms", scrape_ms, "metrics scrape interval");
  app.add_option("--window", window, "seconds per Jain window");
  app.add_option("--format", format, "md | csv");
  app.add_flag("--no-saturation-filter", no_filter,
               "the picker keeps saturated endpoints (affinity over the endpoint that has room)");
  app.add_flag("--calibrate", calibrate, "print the fleet's capacity for 256/256 requests");
  CLI11_PARSE(app, argc, argv);

  sim::FairConfig base = sim::DefaultFairConfig();
  if (replicas) base.fleet.replicas = std::min<size_t>(replicas, 64);
  if (max_seqs) base.fleet.replica.max_seqs = base.saturation.max_concurrency = max_seqs;
  if (kv_blocks) base.fleet.replica.num_blocks = kv_blocks;
  if (max_concurrency >= 0) base.saturation.max_concurrency = uint32_t(max_concurrency);
  base.fleet.scrape_interval = scrape_ms / 1000.0;
  base.window = window;
  base.reserve = reserve;
  base.warmup = warmup;
  base.fleet.picker.saturation_filter = !no_filter;
  std::vector<uint64_t> seeds;
  for (const auto& s : sim::SplitList(seeds_spec)) seeds.push_back(std::stoull(s));
  if (calibrate) {
    PrintCalibration(base, seeds);
    return 0;
  }
  std::vector<sim::PolicySpec> policies;
  for (const auto& p : sim::SplitList(policies_spec)) {
    auto spec = sim::ParsePolicySpec(p);
    if (!spec) {
      std::cerr << "unknown policy " << p << "\n";
      return 1;
    }
    policies.push_back(*spec);
  }
  std::vector<std::string> names =
      workloads_spec.empty() ? sim::WorkloadNames() : sim::SplitList(workloads_spec);
  const sim::PolicySpec fcfs = *sim::ParsePolicySpec("fcfs");

  if (format == "csv")
    std::printf(
        "workload,policy,seed,jain_mean,jain_min,windows,max_gap,out_tok_s,req_s,vs_fcfs,"
        "hit_rate,rejected,tenant,light,ttft_p50,ttft_p99,alone_p99,censored,service\n");
  for (const auto& name : names) {
    auto workload = sim::NamedWorkload(name, load);
    if (!workload) {
      std::cerr << "unknown workload " << name << "\n";
      return 1;
    }
    if (horizon > 0) workload->horizon = horizon;
    std::map<std::string, Row> rows;
    for (uint64_t seed : seeds) {
      sim::FairConfig config = base;
      config.fleet.seed = seed;
      auto requests = sim::GenerateTenants(*workload, seed);
      auto baseline = sim::RunFair(config, *workload, fcfs, requests);
      for (const auto& policy : policies) {
        auto r = policy.kind == sim::PolicySpec::kFcfs
                     ? baseline
                     : sim::RunFair(config, *workload, policy, requests);
        Row& row = rows[policy.name];
        // Each light tenant alone on the same fleet under the same policy; the light columns
        // show the light tenant with the worst p99 ratio in this seed.
        std::vector<double> alone(workload->tenants.size(), 0), alone50(alone);
        double worst = -1;
        size_t worst_tenant = 0;
        for (size_t t = 0; t < workload->tenants.size(); ++t) {
          const auto& tr = r.tenants[t];
          if (tr.light) {
            auto solo = sim::RunFair(config, *workload, policy,
                                     sim::GenerateTenants(*workload, seed, int(t)));
            alone[t] = solo.tenants[t].ttft_p99;
            alone50[t] = solo.tenants[t].ttft_p50;
            double ratio = tr.ttft_p99 / std::max(alone[t], 1e-9);
            row.censored += tr.censored;
            if (ratio > worst) {
              worst = ratio;
              worst_tenant = t;
            }
          }
          if (format == "csv")
            std::printf("%s,%s,%llu,%.4f,%.4f,%zu,%.0f,%.1f,%.3f,%.4f,%.4f,%zu,%s,%d,%.4f,%.4f,"
                        "%.4f,%zu,%.0f\n",
                        name.c_str(), policy.name.c_str(), (unsigned long long)seed, r.jain_mean,
                        r.jain_min, r.jain_windows, r.max_gap, r.output_tokens_per_s,
                        r.requests_per_s, r.output_tokens_per_s / baseline.output_tokens_per_s,
                        r.hit_rate, tr.rejected, tr.name.c_str(), int(tr.light), tr.ttft_p50,
                        tr.ttft_p99, alone[t], tr.censored, tr.service);
        }
        if (worst >= 0) {
          row.light_p50 += r.tenants[worst_tenant].ttft_p50;
          row.light_p99 += r.tenants[worst_tenant].ttft_p99;
          row.alone_p99 += alone[worst_tenant];
          row.alone_p50 += alone50[worst_tenant];
          row.light_ratio += worst;
          row.light_ratio_max = std::max(row.light_ratio_max, worst);
          row.has_light = true;
        }
        size_t submitted = 0, rejected = 0;
        for (const auto& tr : r.tenants) submitted += tr.submitted, rejected += tr.rejected;
        double vs = r.output_tokens_per_s / baseline.output_tokens_per_s;
        if (r.jain_windows > 0) {  // seeds without a qualifying window have no index
          row.jain += r.jain_mean;
          row.jain_seeds += 1;
          row.jain_min = std::min(row.jain_min, r.jain_min);
        }
        row.windows += double(r.jain_windows);
        row.gap += r.max_gap;
        row.gap_max = std::max(row.gap_max, r.max_gap);
        row.tok += r.output_tokens_per_s;
        row.req += r.requests_per_s;
        row.vs_fcfs += vs;
        row.vs_fcfs_min = std::min(row.vs_fcfs_min, vs);
        row.hit += r.hit_rate;
        row.rejected += submitted ? double(rejected) / double(submitted) : 0;
        row.queue = std::max(row.queue, r.max_gateway_queue);
      }
    }
    if (format != "md") continue;
    const double n = double(seeds.size());
    std::printf("\n#### %s\n\n", name.c_str());
    std::printf(
        "| policy | Jain mean (min) | windows | max gap (worst) | light TTFT p50 / p99 s | alone "
        "p50 / p99 s | p99 / alone (worst) | out tok/s | req/s | vs FCFS (min) | hit rate | "
        "rejected |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& policy : policies) {
      const Row& r = rows[policy.name];
      if (r.windows > 0) {
        std::printf("| %s | %.3f (%.3f) | %.0f | ", policy.name.c_str(), r.jain / r.jain_seeds,
                    r.jain_min,
                    r.windows / n);
      } else {  // never two tenants backlogged for a whole window
        std::printf("| %s | – | 0 | ", policy.name.c_str());
      }
      std::printf("%.0f (%.0f) | ", r.gap / n, r.gap_max);
      if (r.has_light) {
        std::printf("%.3f / %.3f%s | %.3f / %.3f | %.2f (%.2f) | ", r.light_p50 / n,
                    r.light_p99 / n, r.censored ? " ≥" : "", r.alone_p50 / n, r.alone_p99 / n,
                    r.light_ratio / n,
                    r.light_ratio_max);
      } else {
        std::printf("– | – | – | ");
      }
      std::printf("%.0f | %.2f | %.3f (%.3f) | %.1f%% | %.1f%% |\n", r.tok / n, r.req / n,
                  r.vs_fcfs / n, r.vs_fcfs_min, 100 * r.hit / n, 100 * r.rejected / n);
    }
    std::fflush(stdout);
  }
  return 0;
}
