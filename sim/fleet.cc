#include "sim/fleet.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <sstream>
#include <unordered_set>

#include "routing/prefix_hash.h"
#include "sim/event.h"

namespace sluice::sim {
namespace {

using routing::SteadyTime;

// Longest run of leading full prompt blocks in `seen`, in tokens, capped at prompt - 1.
uint64_t IdealHit(const SimRequest& r, const std::unordered_set<uint64_t>& seen) {
  uint32_t full = std::min<uint32_t>(r.prompt_tokens / kBlockTokens, r.hashes.size());
  uint32_t hit = 0;
  while (hit < full && seen.count(r.hashes[hit])) ++hit;
  if (hit * kBlockTokens >= r.prompt_tokens && hit > 0) --hit;
  return uint64_t{hit} * kBlockTokens;
}

}  // namespace

SteadyTime At(double seconds) {
  return SteadyTime{} +
         std::chrono::duration_cast<SteadyTime::duration>(std::chrono::duration<double>(seconds));
}

void FillHashes(std::vector<SimRequest>& requests) {
  const uint64_t seed = routing::PrefixSeed("sim-model", "");
  for (auto& r : requests) {
    routing::HashBlockIds(seed, r.prompt_blocks, r.hashes);
    r.output_hashes.clear();
    uint64_t h = r.hashes.empty() ? seed : r.hashes.back();
    for (uint64_t id : r.output_blocks) {
      h = routing::ChainHash(h, id);
      r.output_hashes.push_back(h);
    }
  }
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  size_t k = std::min(values.size() - 1, static_cast<size_t>(p * double(values.size())));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

namespace {

std::vector<routing::EndpointInfo> ReplicaNames(size_t n) {
  std::vector<routing::EndpointInfo> infos(n);
  for (size_t i = 0; i < infos.size(); ++i) infos[i].name = "replica-" + std::to_string(i);
  return infos;
}

}  // namespace

SimFleet::SimFleet(const FleetConfig& config)
    : pool(ReplicaNames(config.replicas), kBlockTokens, config.replica.num_blocks),
      picker(config.picker),
      replicas(config.replicas, Replica(config.replica)),
      stepping(config.replicas, false),
      step_events(config.replicas) {}

void SimFleet::StartStep(uint32_t r, double now, EventQueue& events, uint64_t& seq,
                         std::vector<uint32_t>* decoded) {
  double dt = replicas[r].Step(step_events[r], decoded);
  stepping[r] = true;
  events.push({Event::kStepEnd, now + dt, seq++, r});
}

RunResult RunFleet(const FleetConfig& config, std::vector<SimRequest> requests) {
  FillHashes(requests);
  std::mt19937_64 rng(config.seed);
  SimFleet fleet(config);
  // Named references, not a structured binding: clang 14 cannot capture one in a lambda.
  auto& pool = fleet.pool;
  auto& picker = fleet.picker;
  auto& replicas = fleet.replicas;
  auto& stepping = fleet.stepping;
  auto& pending = fleet.step_events;

  EventQueue events;
  uint64_t seq = 0;
  for (uint32_t i = 0; i < requests.size(); ++i)
    events.push({Event::kArrival, requests[i].arrival, seq++, i});
  const double t0 = requests.empty() ? 0 : requests.front().arrival;
  std::uniform_real_distribution<double> phase(0, config.scrape_interval);
  for (uint32_t r = 0; r < config.replicas; ++r)
    events.push({Event::kScrape, t0 + phase(rng), seq++, r});

  std::vector<routing::DispatchTicket> tickets(requests.size());
  std::vector<double> ttft, decision_ns;
  ttft.reserve(requests.size());
  decision_ns.reserve(requests.size());
  std::unordered_set<uint64_t> ideal;
  uint64_t ideal_hit = 0, prompt_total = 0, output_total = 0;
  size_t finished = 0;
  RunResult result;
  result.requests = requests.size();
  double last = t0;

  auto start_step = [&](uint32_t r, double now) { fleet.StartStep(r, now, events, seq); };

  while (!events.empty() && finished < requests.size()) {
    Event ev = events.top();
    events.pop();
    const double now = ev.time;
    switch (ev.kind) {
      case Event::kArrival: {
        SimRequest& req = requests[ev.index];
        routing::PickRequest pr;
        pr.hashes = std::span<const uint64_t>(req.hashes)
                        .first(std::min(req.hashes.size(), config.router_max_blocks));
        pr.prompt_tokens = req.prompt_tokens;
        pr.output_tokens = req.output_tokens;
        pr.session = config.sessions ? req.session : 0;
        auto begin = std::chrono::steady_clock::now();
        routing::PickResult pick = picker.Pick(pool, pr, At(now), rng);
        auto end = std::chrono::steady_clock::now();
        decision_ns.push_back(double(std::chrono::nanoseconds(end - begin).count()));
        if (pick.endpoint < 0) pick.endpoint = 0;  // every replica is healthy: cannot happen
        tickets[ev.index] = pool.OnDispatch(pr, pick);
        ideal_hit += IdealHit(req, ideal);
        prompt_total += req.prompt_tokens;
        uint32_t full = std::min<uint32_t>(req.prompt_tokens / kBlockTokens, req.hashes.size());
        ideal.insert(req.hashes.begin(), req.hashes.begin() + full);
        replicas[pick.endpoint].Enqueue(ev.index, &req);
        if (!stepping[pick.endpoint]) start_step(pick.endpoint, now);
        break;
      }
      case Event::kStepEnd: {
        std::vector<StepEvent> done;
        done.swap(pending[ev.index]);
        for (const auto& se : done) {
          const SimRequest& req = requests[se.id];
          if (se.kind == StepEvent::kFirstToken) {
            ttft.push_back(now - req.arrival);
            pool.OnFirstToken(tickets[se.id], (now - req.arrival) * 1000);
          } else {
            pool.OnComplete(tickets[se.id]);
            ++finished;
            last = std::max(last, now);
            if (se.kind == StepEvent::kRejected) {
              ++result.rejected;
              continue;
            }
            ++result.completed;
            output_total += req.output_tokens;
            if (req.prompt_tokens % kBlockTokens == 0) {
              size_t out =
                  std::min<size_t>(req.output_tokens / kBlockTokens, req.output_hashes.size());
              ideal.insert(req.output_hashes.begin(), req.output_hashes.begin() + out);
            }
          }
        }
        stepping[ev.index] = false;
        if (replicas[ev.index].busy()) start_step(ev.index, now);
        break;
      }
      case Event::kScrape: {
        pool.UpdateMetrics(ev.index, Scrape(replicas[ev.index], config.replica.num_blocks, now));
        events.push({Event::kScrape, now + config.scrape_interval, seq++, ev.index});
        break;
      }
    }
  }

  result.makespan = last - t0;
  result.ttft_p50 = Percentile(ttft, 0.50);
  result.ttft_p90 = Percentile(ttft, 0.90);
  result.ttft_p99 = Percentile(ttft, 0.99);
  double sum = 0;
  for (double t : ttft) sum += t;
  result.ttft_mean = ttft.empty() ? 0 : sum / double(ttft.size());
  if (result.makespan > 0) {
    result.output_tokens_per_s = double(output_total) / result.makespan;
    result.requests_per_s = double(result.completed) / result.makespan;
  }
  uint64_t cached = 0, prompts = 0;
  double busy_max = 0, busy_sum = 0;
  for (const auto& r : replicas) {
    cached += r.cached_tokens_total();
    prompts += r.prompt_tokens_total();
    busy_max = std::max(busy_max, r.busy_seconds());
    busy_sum += r.busy_seconds();
  }
  result.hit_rate = prompts ? double(cached) / double(prompts) : 0;
  result.ideal_hit_rate = prompt_total ? double(ideal_hit) / double(prompt_total) : 0;
  result.imbalance = busy_sum > 0 ? busy_max / (busy_sum / double(replicas.size())) : 0;
  result.decision_ns_p50 = Percentile(decision_ns, 0.50);
  result.decision_ns_p99 = Percentile(decision_ns, 0.99);
  return result;
}

routing::EndpointMetrics Scrape(const Replica& replica, uint32_t num_blocks, double now) {
  ReplicaGauges g = replica.gauges();
  routing::EndpointMetrics m;
  m.at = At(now);
  m.valid = true;
  m.waiting = g.waiting;
  m.running = g.running;
  m.kv_usage = g.kv_usage;
  m.block_size = kBlockTokens;
  m.num_blocks = num_blocks;
  return m;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace sluice::sim
