// Retries and priority failover (DESIGN.md §2 "Upstream attempts"): attempts go to the route's
// targets by priority and health; a failure before the first byte reached the client fails over
// at once to a target not tried yet, or, once each had its turn, is retried after a jittered
// backoff while the route's retry budget allows; `attempts` bounds both. Once bytes are committed,
// the answer is final.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "proxy/attempt.h"
#include "proxy/gateway.h"
#include "proxy/llm_routing.h"
#include "proxy/tracing.h"
#include "routing/target_picker.h"

namespace sluice::proxy {

using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

void SetHeader(std::vector<http::HeaderLine>& headers, std::string_view name, std::string value) {
  for (auto& h : headers)
    if (h.name == name) {
      h.value = std::move(value);
      return;
    }
  headers.push_back({name, std::move(value)});
}

// The first target, by rank, not tried yet whose circuit is open but still has waiting room.
int QueueableTarget(const routing::Route& route, routing::HealthTable& health,
                    const std::vector<bool>& tried) {
  for (size_t k = 0; k < route.targets.size(); ++k) {
    const config::Provider& p = *route.targets[k].provider;
    routing::EndpointHealth& h = health.at(p.name);
    if (!tried[k] && h.circuit_open(p) && h.pending < p.max_pending) return static_cast<int>(k);
  }
  return -1;
}

// Waits, up to pending_timeout, until `provider` has a free slot. Each attempt that ends on the
// provider wakes one waiter; a waiter that loses the slot to a newcomer waits again.
awaitable<bool> WaitForSlot(RequestContext& ctx, const config::Provider& provider) {
  WorkerContext& worker = ctx.worker;
  routing::EndpointHealth& health = worker.health.at(provider.name);
  auto deadline = Clock::now() + provider.pending_timeout;
  auto& waiters = worker.slot_waiters[provider.name];
  ++health.pending;
  bool got = false;
  while (!ctx.watch->client_gone) {
    if (!health.circuit_open(provider)) {
      got = true;
      break;
    }
    if (Clock::now() >= deadline) break;
    boost::asio::steady_timer timer(worker.executor, deadline);
    auto me = waiters.insert(waiters.end(), WorkerContext::SlotWaiter{&timer});
    ctx.watch->cancel_wait = [&timer] { timer.cancel(); };
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    ctx.watch->cancel_wait = nullptr;
    waiters.erase(me);
  }
  --health.pending;
  co_return got;
}

void WakeOneWaiter(WorkerContext& worker, const std::string& provider) {
  auto it = worker.slot_waiters.find(provider);
  if (it == worker.slot_waiters.end()) return;
  for (auto& waiter : it->second) {
    if (waiter.woken) continue;
    waiter.woken = true;
    waiter.timer->cancel();
    return;
  }
}

}  // namespace

void HashPrompt(RequestContext& ctx, const config::Model& model) {
  if (ctx.prefix_hashed) return;
  ctx.prefix_hashed = true;
  std::string canonical = CanonicalPrompt(
      ctx.dialect == api::Dialect::kOpenAi ? &ctx.parsed : nullptr, ctx.unified.get());
  std::string_view salt;
  if (ctx.dialect == api::Dialect::kOpenAi && ctx.parsed.has_body())
    if (const auto* s = ctx.parsed.body().if_contains("cache_salt"); s && s->is_string())
      salt = s->get_string();
  PromptHashes(canonical, model.name, salt, model.routing.block_chars, model.routing.max_blocks,
               ctx.prefix_hashes);
}

namespace {

// LLM-aware pick (the model has routing.policy): among targets not tried yet that are available
// (not ejected, circuit closed), by the pool's policy. In-process sim replicas report their
// gauges first. -1 when none qualifies (the caller falls back to the plain picker).
int PickLlm(RequestContext& ctx, LlmPool& pool, const routing::Route& route,
            const std::vector<bool>& tried, Clock::time_point now,
            routing::DispatchTicket& ticket) {
  const config::Model& model = *route.model;
  HashPrompt(ctx, model);
  std::vector<bool> candidates(route.targets.size(), false);
  for (size_t k = 0; k < route.targets.size(); ++k) {
    const config::Provider& p = *route.targets[k].provider;
    routing::EndpointHealth& h = ctx.worker.health.at(p.name);
    candidates[k] = !tried[k] && h.Available(p, now) && !h.circuit_open(p);
    if (auto* replica = ctx.snapshot->sim_replica(p.name)) {
      routing::EndpointMetrics m;
      m.at = now;
      m.valid = true;
      uint32_t waiting = replica->waiting(now), running = replica->running();
      m.waiting = waiting;
      m.running = running - std::min(running, waiting);
      m.kv_usage = replica->kv_usage();
      m.block_size = 16;
      m.num_blocks = replica->kv_blocks();
      pool.UpdateMetrics(p.name, m);
    }
  }
  routing::PickRequest request;
  request.hashes = ctx.prefix_hashes;
  request.prompt_tokens = api::EstimateTokens(ctx.dialect == api::Dialect::kOpenAi
                                                  ? ctx.parsed.prompt_chars
                                                  : (ctx.unified ? ctx.unified->prompt_chars : 0));
  request.output_tokens = ctx.parsed.max_tokens > 0 ? uint32_t(ctx.parsed.max_tokens) : 256;
  if (model.routing.lora) request.lora = ctx.route.requested;
  std::string_view session = ctx.exchange.request()["x-sluice-session"];
  if (!session.empty()) request.session = std::hash<std::string_view>{}(session) | 1;
  return pool.Pick(request, candidates, now, ticket);
}

// OpenAI clients on OpenAI-compatible providers (and the sim) take the pass-through paths; any
// other pairing translates through the unified model. A plain function handing back the chosen
// attempt's awaitable: no coroutine frame of its own.
awaitable<AttemptResult> Attempt(RequestContext& ctx) {
  bool openai_client = ctx.dialect == api::Dialect::kOpenAi;
  config::ProviderType type = ctx.target->provider->type;
  if (type == config::ProviderType::kSim && openai_client) return AttemptSim(ctx);
  if (type == config::ProviderType::kSim) return AttemptSimTranslated(ctx);
  if (openai_client && config::SpeaksOpenAi(type)) return AttemptOpenAi(ctx);
  if (openai_client && ctx.parsed.kind == api::ApiKind::kEmbeddings)
    return AttemptEmbeddingsTranslated(ctx);
  return AttemptTranslated(ctx);
}

}  // namespace

awaitable<void> ServeWithFailover(RequestContext& ctx) {
  const routing::Route& route = *ctx.route.route;
  const config::RetryPolicy& policy = route.model->retry;
  WorkerContext& worker = ctx.worker;
  auto budget_it = worker.retry_budgets.find(route.model->name);
  if (budget_it == worker.retry_budgets.end())
    budget_it = worker.retry_budgets.emplace(route.model->name, RetryBudget{}).first;
  RetryBudget& budget = budget_it->second;
  budget.OnRequest(policy.budget);

  auto& o = ctx.outcome;
  std::vector<bool> tried(route.targets.size(), false);
  std::vector<bool> excluded(route.targets.size(), false);  // never again for this request
  AttemptResult last;
  int first_index = -1, last_index = -1;
  bool have_failure = false;
  bool repeating = false;  // every target was tried once; now trying some again
  LlmPool* llm_pool = ctx.snapshot->llm_pool(route.model->name);
  FlowPool* flow = ctx.flow.pool;
  for (uint32_t attempt = 0; attempt < policy.attempts; ++attempt) {
    auto picked_at = Clock::now();
    routing::DispatchTicket ticket;
    // With a queue, endpoints at their concurrency cap or out of quota are passed over; the grant
    // means one has room, unless health changed since (then any will do).
    std::vector<bool> tried_or_full;
    if (flow) {
      tried_or_full = tried;
      std::vector<bool> full = flow->FullEndpoints(picked_at);
      for (size_t k = 0; k < tried_or_full.size() && k < full.size(); ++k)
        tried_or_full[k] = tried_or_full[k] || full[k];
    }
    const std::vector<bool>& skip = flow ? tried_or_full : tried;
    int index = llm_pool ? PickLlm(ctx, *llm_pool, route, skip, picked_at, ticket) : -1;
    if (index < 0) index = routing::PickTarget(route, worker.health, skip, picked_at, worker.rng);
    if (index < 0 && flow && llm_pool)
      index = PickLlm(ctx, *llm_pool, route, tried, picked_at, ticket);
    if (index < 0 && flow)
      index = routing::PickTarget(route, worker.health, tried, picked_at, worker.rng);
    if (index < 0 && attempt > 0) {
      // Every target had its turn: start another round with the ones still worth trying.
      tried = excluded;
      repeating = true;
      index = routing::PickTarget(route, worker.health, tried, picked_at, worker.rng);
    }
    if (index < 0) {
      // Every candidate is at its concurrency cap: wait for a slot where waiting is allowed.
      int queue_at = QueueableTarget(route, worker.health, tried);
      if (queue_at >= 0 &&
          co_await WaitForSlot(ctx, *route.targets[static_cast<size_t>(queue_at)].provider))
        index = queue_at;
    }
    if (index < 0) {
      if (!have_failure)
        last = AttemptResult::Failed(
            FailureClass::kOverloaded,
            core::GatewayError(core::ErrorCode::kProviderOverloaded,
                               "every backend of model '" + route.model->name +
                                   "' is at its concurrency limit (circuit open)"));
      break;
    }
    // Failing over to a target this request has not tried is immediate and free; trying a target
    // again waits a jittered backoff and spends the route's retry budget, so retries cannot pile
    // onto a failing backend.
    if (repeating) {
      if (!budget.TrySpend()) {
        o.error_detail += "; retry budget exhausted";
        break;
      }
      auto delay = Backoff(policy, attempt, worker.rng);
      if (index == last_index && last.retry_after) delay = std::max(delay, *last.retry_after);
      if (!co_await PauseUnlessClientGone(ctx, delay)) break;
    }

    const routing::RouteTarget& target = route.targets[static_cast<size_t>(index)];
    tried[static_cast<size_t>(index)] = true;
    if (first_index < 0) first_index = index;
    last_index = index;
    ctx.target = &target;
    ctx.upstream_model = routing::UpstreamModel(target, ctx.route.requested);
    o.provider = target.provider->name;
    o.provider_type = config::ProviderTypeName(target.provider->type);
    o.served_model = std::string(ctx.upstream_model);
    o.attempts = static_cast<int>(attempt + 1);
    o.error_detail.clear();
    SetHeader(ctx.response_headers, "x-sluice-backend", o.provider);
    SetHeader(ctx.response_headers, "x-sluice-attempts", std::to_string(o.attempts));

    routing::EndpointHealth& health = worker.health.at(target.provider->name);
    uint32_t ejections_before = health.ejections();
    health.OnAttemptStart(picked_at);
    BeginAttemptSpan(ctx, o.attempts);
    if (flow) {
      flow->AttemptStarted(static_cast<size_t>(index), !ctx.flow.started);
      flow->QuotaDispatched(static_cast<size_t>(index), ctx.flow.expected_tokens, picked_at);
      ctx.flow.started = true;
    }
    AttemptResult result = co_await Attempt(ctx);
    if (flow) {
      flow->AttemptEnded(static_cast<size_t>(index));
      if (o.has_usage)
        flow->QuotaReconcile(static_cast<size_t>(index), ctx.flow.expected_tokens,
                             o.usage.input + o.usage.output);
    }
    EndAttemptSpan(ctx, result);
    if (llm_pool) llm_pool->Finish(ticket, o.ttft_ms);
    // A key-level refusal (one key's 401/403/429) says nothing about the endpoint.
    health.OnAttemptEnd(*target.provider,
                        CountsAsEndpointFailure(result.failure) && !result.key_set_aside,
                        Clock::now());
    WakeOneWaiter(worker, target.provider->name);
    if (health.ejections() > ejections_before) worker.metrics.RecordEjection(target.provider->name);
    worker.metrics.RecordAttempt(target.provider->name, FailureClassName(result.failure));

    if (ctx.watch->client_gone) break;
    if (result.committed || result.failure == FailureClass::kNone) {
      if (index != first_index) worker.metrics.RecordFallback(route.model->name);
      co_return;
    }
    last = std::move(result);
    have_failure = true;
    if (ctx.watch->client_gone || !Retryable(last.failure)) break;
    bool wait_too_long = last.retry_after && *last.retry_after > policy.max_backoff;
    // A refused or rate-limited key is set aside by the provider's key pool: with another key
    // still usable, the same target is tried again at once.
    const routing::KeyPool* keys = ctx.snapshot->key_pool(target.provider->name);
    if (last.key_set_aside && keys && keys->AnyUsable(Clock::now())) {
      tried[static_cast<size_t>(index)] = false;
    } else if (last.failure == FailureClass::kCredential || wait_too_long) {
      excluded[static_cast<size_t>(index)] = true;
    }
  }

  if (ctx.watch->client_gone) {
    o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
    if (!ctx.exchange.response_started()) o.status = 499;  // logged only: nobody to tell
    co_return;
  }
  if (!last.retry_after_header.empty())
    SetHeader(ctx.response_headers, "retry-after", last.retry_after_header);
  co_await ReplyError(ctx, last.error);
}

}  // namespace sluice::proxy
