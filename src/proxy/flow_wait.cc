// Fair queueing in the request path (docs/fairness.md): a request of a model with `queue` waits
// here for its FlowPool's grant before its first attempt, and gives the grant back when it ends.
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/parse_integer.h"
#include "proxy/flow_pool.h"
#include "proxy/gateway.h"
#include "proxy/retry_policy.h"
#include "proxy/upstream_io.h"

namespace sluice::proxy {

using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// A waiter wakes this often to re-check saturation itself: scraped gauges fall and quotas refill
// without any request finishing.
constexpr auto kPollInterval = 50ms;

std::atomic<uint64_t> next_flow_id{1};

std::vector<bool> EndpointAvailability(RequestContext& ctx, Clock::time_point now) {
  const routing::Route& route = *ctx.route.route;
  std::vector<bool> available(route.targets.size());
  for (size_t k = 0; k < available.size(); ++k) {
    const config::Provider& p = *route.targets[k].provider;
    available[k] = ctx.worker.health.at(p.name).Available(p, now);
  }
  return available;
}

// x-sluice-priority may lower the consumer's band, never raise it. False when the header is not an
// integer.
bool RequestPriority(const RequestContext& ctx, int& priority) {
  priority = ctx.consumer ? ctx.consumer->priority : 0;
  std::string_view header = ctx.exchange.request()["x-sluice-priority"];
  if (header.empty()) return true;
  std::optional<int> asked = core::ParseInteger<int>(header);
  if (!asked) return false;
  priority = std::min(priority, *asked);
  return true;
}

awaitable<void> RefuseFromQueue(RequestContext& ctx, FlowPool& pool, core::ErrorCode code,
                                const std::string& message) {
  auto now = Clock::now();
  auto retry = pool.RetryAt(now) - now;
  auto seconds = std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(retry).count());
  ctx.response_headers.push_back({"retry-after", std::to_string(seconds)});
  core::GatewayError error(code, message + "; retry in " + std::to_string(seconds) + " s");
  co_await ReplyError(ctx, error);
}

}  // namespace

void NoteQuotaHeaders(RequestContext& ctx, const http::UpstreamCall& call) {
  if (!ctx.target) return;
  const config::Provider& provider = *ctx.target->provider;
  if (!provider.quota_requests_per_minute && !provider.quota_tokens_per_minute) return;
  // Whichever model asked: the provider's count is one, shared by the queued models.
  auto shared = ctx.snapshot->provider_quotas.find(provider.name);
  if (shared == ctx.snapshot->provider_quotas.end()) return;
  flow::ProviderQuota::Report report;
  auto number = [&](std::string_view name) {
    return core::ParseInteger<int64_t>(call.header(name));
  };
  report.remaining_requests = number("x-ratelimit-remaining-requests");
  report.remaining_tokens = number("x-ratelimit-remaining-tokens");
  report.reset_requests = flow::ParseResetDuration(call.header("x-ratelimit-reset-requests"));
  report.reset_tokens = flow::ParseResetDuration(call.header("x-ratelimit-reset-tokens"));
  if (call.status() == 429 && !report.remaining_requests && !report.remaining_tokens) {
    // Refused without saying what is left: nothing is, until retry-after (or a second).
    auto wait = ParseRetryAfter(call.header("retry-after"), call.header("retry-after-ms"));
    report.remaining_requests = report.remaining_tokens = 0;
    report.reset_requests = report.reset_tokens =
        wait ? Clock::duration(*wait) : Clock::duration(1s);
  }
  auto now = Clock::now();
  shared->second->With([&](flow::ProviderQuota& q) { q.OnReport(report, now); });
}

void ChargeStreamOutput(RequestContext& ctx, uint64_t output_tokens) {
  if (!ctx.flow.pool || output_tokens <= ctx.flow.charged_output) return;
  ctx.flow.pool->ChargeOutput(ctx.flow.tenant, output_tokens - ctx.flow.charged_output,
                              ctx.flow.weight);
  ctx.flow.charged_output = output_tokens;
}

awaitable<bool> AwaitFlowGrant(RequestContext& ctx, FlowPool& pool) {
  const config::Model& model = *ctx.route.route->model;
  auto now = Clock::now();
  FlowRequest request;
  if (!RequestPriority(ctx, request.priority)) {
    core::GatewayError bad(core::ErrorCode::kCallerInvalidRequest,
                           "x-sluice-priority must be an integer", "x-sluice-priority");
    co_await ReplyError(ctx, bad);
    co_return false;
  }
  if (ctx.consumer) {
    request.tenant = ctx.consumer->name;
    request.weight = ctx.consumer->weight;
  } else {
    std::string_view tenant = ctx.exchange.request()["x-sluice-tenant"];
    request.tenant = tenant.empty() ? "anonymous" : std::string(tenant);
  }
  uint32_t prompt_chars = ctx.unified ? ctx.unified->prompt_chars : ctx.parsed.prompt_chars;
  int64_t max_tokens = ctx.unified ? ctx.unified->max_tokens.value_or(-1) : ctx.parsed.max_tokens;
  request.input_tokens = api::EstimateTokens(prompt_chars);
  request.expected_tokens =
      request.input_tokens + static_cast<uint64_t>(std::max<int64_t>(max_tokens, 0));
  request.deadline = now + model.queue.timeout;
  if (model.queue.locality) {  // DLPM asks the prefix index where this prompt is cached
    HashPrompt(ctx, model);
    request.prefix = ctx.prefix_hashes;
  }

  uint64_t id = next_flow_id.fetch_add(1, std::memory_order_relaxed);
  auto waiter = std::make_shared<QueueWaiter>(ctx.worker.executor);
  FlowPool::Entry entry = pool.Enter(id, request, waiter, EndpointAvailability(ctx, now), now);
  // Messages are named before co_await: no class-type temporaries in its operand (GCC 12).
  if (entry == FlowPool::Entry::kRefused) {
    std::string why =
        request.priority < 0
            ? "model '" + model.name + "' is saturated and this request's priority is sheddable"
            : "model '" + model.name + "' is saturated and its queue is full";
    co_await RefuseFromQueue(ctx, pool, core::ErrorCode::kPolicyQueueFull, why);
    co_return false;
  }
  if (entry == FlowPool::Entry::kQueued) {
    const auto entered = now;
    ctx.watch->cancel_wait = [waiter] { waiter->timer.cancel(); };
    for (;;) {
      int state = waiter->state.load();
      if (state == QueueWaiter::kGranted) break;
      if (state == QueueWaiter::kShed) {
        ctx.watch->cancel_wait = nullptr;
        std::string why = "model '" + model.name +
                          "' is saturated: this request was shed for one of higher priority";
        co_await RefuseFromQueue(ctx, pool, core::ErrorCode::kPolicyQueueFull, why);
        co_return false;
      }
      now = Clock::now();
      bool gone = ctx.watch->client_gone, late = now >= request.deadline;
      if (gone || late) {
        if (!pool.Leave(id, late && !gone)) continue;  // granted meanwhile: take it
        ctx.watch->cancel_wait = nullptr;
        ctx.outcome.queue_ms = std::chrono::duration<double, std::milli>(now - entered).count();
        if (gone) {
          ctx.outcome.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
          ctx.outcome.status = 499;  // logged only: nobody to tell
          co_return false;
        }
        std::string why = "model '" + model.name + "' stayed saturated for the queue's " +
                          std::to_string(model.queue.timeout.count()) + " ms timeout";
        co_await RefuseFromQueue(ctx, pool, core::ErrorCode::kPolicyQueueTimeout, why);
        co_return false;
      }
      pool.Poll(EndpointAvailability(ctx, now), now);
      if (waiter->state.load() != QueueWaiter::kWaiting) continue;
      waiter->timer.expires_at(std::min(request.deadline, now + kPollInterval));
      auto queued = Clock::now();
      co_await waiter->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      ctx.upstream_wait += Clock::now() - queued;  // waiting, not gateway work: not overhead
    }
    ctx.watch->cancel_wait = nullptr;
    ctx.outcome.queue_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - entered).count();
  }
  ctx.flow.pool = &pool;
  ctx.flow.tenant = std::move(request.tenant);
  ctx.flow.weight = request.weight;
  ctx.flow.expected_tokens = request.expected_tokens;
  co_return true;
}

void ReleaseFlowGrant(RequestContext& ctx) {
  FlowPool* pool = ctx.flow.pool;
  if (!pool) return;
  const auto& o = ctx.outcome;
  if (o.has_usage) ChargeStreamOutput(ctx, o.usage.output);
  auto now = Clock::now();
  pool->Release(ctx.flow.tenant, ctx.flow.started, EndpointAvailability(ctx, now), now);
  ctx.flow.pool = nullptr;
}

}  // namespace sluice::proxy
