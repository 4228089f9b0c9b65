#include "sim/fair_fleet.h"

#include <algorithm>
#include <random>
#include <utility>

#include "sim/event.h"
#include "sim/fair_metrics.h"

namespace sluice::sim {
namespace {

struct TenantState {
  size_t waiting_first = 0;  // admitted requests without a first token yet
  std::vector<double> ttft;
  uint64_t decoded = 0;  // this step's output tokens
};

}  // namespace

FairConfig DefaultFairConfig() {
  FairConfig c;
  c.fleet.replicas = 4;
  c.fleet.replica.num_blocks = 4096;
  c.fleet.replica.max_seqs = 32;
  c.fleet.replica.step_tokens = 4096;
  c.saturation.max_concurrency = 32;
  return c;
}

FairResult RunFair(const FairConfig& config, const FairWorkload& workload, const PolicySpec& policy,
                   std::vector<SimRequest> requests) {
  FillHashes(requests);
  const FleetConfig& fc = config.fleet;
  const double horizon = workload.horizon;
  const bool direct = policy.kind == PolicySpec::kDirect;
  std::mt19937_64 rng(fc.seed);
  SimFleet fleet(fc);
  // Named references, not a structured binding: clang 14 cannot capture one in a lambda.
  auto& pool = fleet.pool;
  auto& picker = fleet.picker;
  auto& replicas = fleet.replicas;
  auto& stepping = fleet.stepping;
  auto& step_events = fleet.step_events;
  std::vector<std::vector<uint32_t>> decoded(fc.replicas);
  // What the saturation detector sees: gauges as of the last scrape (all idle at the start).
  std::vector<flow::EndpointSignals> signals(fc.replicas);
  for (auto& s : signals) {
    s.scraped = true;
    s.gauges_at = At(0);
  }

  auto queue = MakeGatewayQueue(policy, workload.tenants);
  std::vector<double> weights;
  for (const auto& t : workload.tenants) weights.push_back(t.weight);
  ServiceTracker tracker(weights, config.window, horizon);
  std::vector<TenantState> tenants(workload.tenants.size());
  FairResult result;
  result.tenants.resize(workload.tenants.size());
  for (size_t t = 0; t < tenants.size(); ++t) {
    result.tenants[t].name = workload.tenants[t].name;
    result.tenants[t].light = workload.tenants[t].light;
  }

  EventQueue events;
  uint64_t seq = 0;
  for (uint32_t i = 0; i < requests.size(); ++i)
    events.push({Event::kArrival, requests[i].arrival, seq++, i});
  std::uniform_real_distribution<double> phase(0, fc.scrape_interval);
  for (uint32_t r = 0; r < fc.replicas; ++r) events.push({Event::kScrape, phase(rng), seq++, r});

  std::vector<routing::DispatchTicket> tickets(requests.size());
  std::vector<bool> admitted(requests.size(), false), first(requests.size(), false);
  size_t finished = 0, light_waiting = 0;
  uint64_t output_tokens = 0, completed = 0;
  std::vector<uint32_t> matched(fc.replicas);
  double now_for_cached = 0;

  auto pick_request = [&](const SimRequest& req) {
    routing::PickRequest pr;
    pr.hashes = std::span<const uint64_t>(req.hashes)
                    .first(std::min(req.hashes.size(), fc.router_max_blocks));
    pr.prompt_tokens = req.prompt_tokens;
    pr.output_tokens = req.output_tokens;
    return pr;
  };
  auto start_step = [&](uint32_t r, double now) {
    fleet.StartStep(r, now, events, seq, &decoded[r]);
  };
  std::vector<uint64_t> tenant_in_flight(workload.tenants.size(), 0);  // on the replicas
  auto dispatch = [&](uint32_t id, double now) {
    SimRequest& req = requests[id];
    routing::PickRequest pr = pick_request(req);
    routing::PickResult pick = picker.Pick(pool, pr, At(now), rng);
    if (pick.endpoint < 0) pick.endpoint = 0;  // cannot happen: some endpoint has room
    tickets[id] = pool.OnDispatch(pr, pick);
    ++tenant_in_flight[req.tenant];
    // As the gateway does: requests sent since the last scrape count as waiting there, since the
    // gauges cannot show them yet.
    signals[pick.endpoint].waiting += 1;
    replicas[pick.endpoint].Enqueue(id, &req);
    if (!stepping[pick.endpoint]) start_step(pick.endpoint, now);
  };
  // DLPM's locality: the prompt tokens the gateway's prefix index places on an endpoint that
  // has room now (the request will go to one of those).
  auto cached = [&](uint32_t id) -> uint64_t {
    routing::PickRequest pr = pick_request(requests[id]);
    pool.index().Match(pr.hashes, matched);
    uint32_t best = 0;
    for (size_t e = 0; e < signals.size(); ++e)
      if (flow::EndpointUtilisation(signals[e], config.saturation, At(now_for_cached)) < 1)
        best = std::max(best, matched[e]);
    return uint64_t{best} * kBlockTokens;
  };
  const bool reserving =
      config.reserve > 0 && (policy.kind == PolicySpec::kVtc || policy.kind == PolicySpec::kDlpm);
  const uint64_t pool_slots = uint64_t{fc.replicas} * config.saturation.max_concurrency;
  // May tenant t take a reserved slot (besides having at most one request waiting): fewer in
  // flight than an equal share of the other slots among the tenants with requests in the system.
  // A flood that filled the pool before its own backlog formed is over its share.
  auto under_share = [&](uint32_t t) {
    uint64_t active = 0;
    for (uint32_t u = 0; u < tenant_in_flight.size(); ++u)
      active += u == t || tenant_in_flight[u] > 0 || queue->Backlogged(u);
    return tenant_in_flight[t] * active < pool_slots - config.reserve;
  };
  // `reserved`: may the request take a reserved slot.
  auto saturated = [&](double now, bool reserved) {
    uint64_t in_flight = 0;
    for (size_t e = 0; e < signals.size(); ++e) {
      signals[e].in_flight = pool.at(e).load.requests;
      in_flight += signals[e].in_flight;
    }
    if (reserving && !reserved && in_flight + config.reserve >= pool_slots) return true;
    return flow::Saturated(signals, config.saturation, At(now));
  };
  // Endpoints without a free slot are out of the pick (restored right after).
  auto dispatch_to_free = [&](uint32_t id, double now) {
    std::vector<size_t> full;
    for (size_t e = 0; e < signals.size(); ++e)
      if (flow::EndpointFull(signals[e], config.saturation)) {
        full.push_back(e);
        pool.SetHealthy(e, false);
      }
    dispatch(id, now);
    for (size_t e : full) pool.SetHealthy(e, true);
  };
  auto try_dispatch = [&](double now) {
    now_for_cached = now;
    while (queue->size() > 0) {
      std::optional<uint32_t> id;
      if (!saturated(now, false))
        id = queue->Pop(cached);
      else if (reserving && !saturated(now, true))
        id = queue->PopSingle(under_share);  // a reserved slot
      if (!id) break;
      dispatch_to_free(*id, now);
    }
    result.max_gateway_queue = std::max(result.max_gateway_queue, double(queue->size()));
  };
  auto got_first = [&](uint32_t id, double now) {
    const SimRequest& req = requests[id];
    TenantState& t = tenants[req.tenant];
    first[id] = true;
    if (--t.waiting_first == 0) tracker.SetBacklogged(req.tenant, false, now);
    if (workload.tenants[req.tenant].light) --light_waiting;
  };

  double now = 0;
  while (!events.empty() && finished < requests.size()) {
    Event ev = events.top();
    if (ev.time >= horizon && (light_waiting == 0 || ev.time >= horizon * config.max_overrun))
      break;
    events.pop();
    now = ev.time;
    switch (ev.kind) {
      case Event::kArrival: {
        const SimRequest& req = requests[ev.index];
        TenantResult& tr = result.tenants[req.tenant];
        ++tr.submitted;
        const bool newcomer = reserving && !queue->Backlogged(req.tenant) &&
                              under_share(req.tenant) && !saturated(now, true);
        if (newcomer) {
          queue->Admit(ev.index, req);
        } else if (!direct && !queue->Push(ev.index, req, now)) {
          ++tr.rejected;
          ++finished;
          break;
        }
        admitted[ev.index] = true;
        if (tenants[req.tenant].waiting_first++ == 0) tracker.SetBacklogged(req.tenant, true, now);
        if (workload.tenants[req.tenant].light) ++light_waiting;
        if (direct) {
          dispatch(ev.index, now);
        } else if (newcomer) {
          dispatch_to_free(ev.index, now);
        } else {
          try_dispatch(now);
        }
        break;
      }
      case Event::kStepEnd: {
        std::vector<StepEvent> done;
        done.swap(step_events[ev.index]);
        for (const auto& se : done) {
          const SimRequest& req = requests[se.id];
          const uint32_t t = req.tenant;
          if (se.kind == StepEvent::kFirstToken) {
            if (req.arrival >= config.warmup) tenants[t].ttft.push_back(now - req.arrival);
            pool.OnFirstToken(tickets[se.id], (now - req.arrival) * 1000);
            got_first(se.id, now);
            tracker.AddService(t, kInputWeight * req.prompt_tokens + kOutputWeight, now);
            queue->OnOutput(t, 1);
            if (now < horizon) ++output_tokens;
            continue;
          }
          pool.OnComplete(tickets[se.id]);
          --tenant_in_flight[t];
          ++finished;
          if (se.kind == StepEvent::kRejected) {  // larger than a replica's whole cache
            ++result.tenants[t].rejected;
            got_first(se.id, now);
          } else if (now < horizon) {
            ++completed;
            ++result.tenants[t].completed;
          }
        }
        for (uint32_t id : decoded[ev.index]) ++tenants[requests[id].tenant].decoded;
        decoded[ev.index].clear();
        for (uint32_t t = 0; t < tenants.size(); ++t) {
          uint64_t n = std::exchange(tenants[t].decoded, 0);
          if (n == 0) continue;
          tracker.AddService(t, kOutputWeight * double(n), now);
          queue->OnOutput(t, n);
          if (now < horizon) output_tokens += n;
        }
        stepping[ev.index] = false;
        try_dispatch(now);  // slots were freed; a dispatch here may restart this replica
        if (!stepping[ev.index] && replicas[ev.index].busy()) start_step(ev.index, now);
        break;
      }
      case Event::kScrape: {
        routing::EndpointMetrics m = Scrape(replicas[ev.index], fc.replica.num_blocks, now);
        pool.UpdateMetrics(ev.index, m);
        flow::EndpointSignals& s = signals[ev.index];
        s.gauges_at = m.at;
        s.waiting = m.waiting;
        s.kv_usage = m.kv_usage;
        events.push({Event::kScrape, now + fc.scrape_interval, seq++, ev.index});
        try_dispatch(now);
        break;
      }
    }
  }

  // Requests still waiting for a first token count with the wait so far (a lower bound).
  const double stop = std::max(now, horizon);
  for (uint32_t i = 0; i < requests.size(); ++i) {
    if (!admitted[i] || first[i] || requests[i].arrival < config.warmup) continue;
    tenants[requests[i].tenant].ttft.push_back(stop - requests[i].arrival);
    ++result.tenants[requests[i].tenant].censored;
  }
  for (size_t t = 0; t < tenants.size(); ++t) {
    TenantResult& tr = result.tenants[t];
    tr.ttft_p50 = Percentile(tenants[t].ttft, 0.50);
    tr.ttft_p99 = Percentile(tenants[t].ttft, 0.99);
    tr.service = tracker.service(static_cast<uint32_t>(t));
  }
  result.jain_mean = tracker.jain_mean();
  result.jain_min = tracker.jain_min();
  result.jain_windows = tracker.windows();
  result.max_gap = tracker.max_gap();
  result.output_tokens_per_s = double(output_tokens) / horizon;
  result.requests_per_s = double(completed) / horizon;
  uint64_t cached_tokens = 0, prompts = 0;
  for (const auto& r : replicas) {
    cached_tokens += r.cached_tokens_total();
    prompts += r.prompt_tokens_total();
  }
  result.hit_rate = prompts ? double(cached_tokens) / double(prompts) : 0;
  return result;
}

}  // namespace sluice::sim
