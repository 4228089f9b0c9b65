// The built-in simulated provider (provider type `sim`): answers in-process, deterministically,
// at the configured token rate. Streams go through the same Exchange as relayed ones.
#include <ctime>

#include "providers/sim/sim_generator.h"
#include "proxy/attempt.h"
#include "proxy/gateway.h"
#include "proxy/upstream_io.h"

namespace sluice::proxy {

using boost::asio::awaitable;
namespace sim = providers::sim;

namespace {

// False when the wait was cut short (the client went away).
awaitable<bool> Pace(RequestContext& ctx, std::chrono::nanoseconds delay) {
  if (delay.count() <= 0) co_return !ctx.watch->client_gone;  // full speed: no clock reads
  UpstreamWaitTimer wait(ctx);  // simulated model time is the "upstream" part of the request
  co_return co_await PauseUnlessClientGone(ctx, delay);
}

// One SSE event around a chunk's JSON. Built into a named string before the co_await (never a
// temporary argument of class type: see the GCC 12 note in http/server.cc).
std::string Event(const std::string& json) { return "data: " + json + "\n\n"; }

std::string IdPrefix(api::ApiKind kind) {
  return kind == api::ApiKind::kChatCompletions ? "chatcmpl-"
         : kind == api::ApiKind::kCompletions   ? "cmpl-"
                                                : "emb-";
}

}  // namespace

awaitable<AttemptResult> AttemptSim(RequestContext& ctx) {
  const config::SimSettings& settings = ctx.target->provider->sim;
  const api::ParsedRequest& req = ctx.parsed;
  std::string id = IdPrefix(req.kind) + ctx.outcome.request_id;
  sim::ResponseIds ids{id, ctx.upstream_model, static_cast<int64_t>(std::time(nullptr))};
  http::Exchange& ex = ctx.exchange;
  auto& o = ctx.outcome;
  o.has_usage = true;

  if (req.kind == api::ApiKind::kEmbeddings) {
    uint32_t prompt_tokens = 0;
    std::string body = sim::RenderEmbeddings(req, ids, settings, &prompt_tokens);
    o.usage.input = prompt_tokens;
    o.status = 200;
    co_await ex.Reply(200, "application/json", body, ctx.response_headers);
    co_return AttemptResult::Committed();
  }

  sim::SimAnswer answer = sim::PlanAnswer(req, settings);
  o.usage.input = answer.prompt_tokens;
  o.usage.output = answer.tokens.size();
  std::chrono::nanoseconds per_token{0};
  if (settings.tokens_per_second > 0)
    per_token = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / settings.tokens_per_second));
  o.status = 200;

  if (!req.stream) {
    if (!co_await Pace(ctx, per_token * static_cast<int64_t>(answer.tokens.size()))) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
    std::string body = sim::RenderCompletion(req.kind, ids, answer);
    co_await ex.Reply(200, "application/json", body, ctx.response_headers);
    co_return AttemptResult::Committed();
  }

  ex.BeginStream(200, "text/event-stream", ctx.response_headers);
  bool chat = req.kind == api::ApiKind::kChatCompletions;
  std::string event;
  if (chat) {
    event = Event(sim::RenderChunk(req.kind, ids, "", true, false, answer));
    if (!co_await ex.StreamChunk(event)) co_return AttemptResult::Committed();
  }
  uint64_t sent = 0;
  for (auto token : answer.tokens) {
    if (!co_await Pace(ctx, per_token)) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
    if (o.ttft_ms < 0)
      o.ttft_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            ex.started_at())
                      .count();
    if (OverBudget(ctx, ++sent)) {
      o.usage.output = sent - 1;
      co_return co_await EndStreamOverBudget(ctx);
    }
    event = Event(sim::RenderChunk(req.kind, ids, token, false, false, answer));
    if (!co_await ex.StreamChunk(event)) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
  }
  event = Event(sim::RenderChunk(req.kind, ids, "", false, true, answer));
  if (req.client_wants_usage) event += Event(sim::RenderUsageChunk(req.kind, ids, answer));
  if (ctx.usage_trailer) event += telemetry::RenderUsageTrailer(o, o.usage);
  event += "data: [DONE]\n\n";
  co_await ex.StreamChunk(event, /*last=*/true);
  co_return AttemptResult::Committed();
}

// The sim for clients of another dialect (Anthropic, Responses): the same answer as unified deltas, rendered
// by the client's encoder.
awaitable<AttemptResult> AttemptSimTranslated(RequestContext& ctx) {
  core::GatewayError error;
  api::ChatRequest* request = UnifiedRequest(ctx, error);
  if (!request) co_return AttemptResult::Failed(FailureClass::kCaller, error);
  const config::SimSettings& settings = ctx.target->provider->sim;
  sim::SimAnswer answer = sim::PlanAnswer(*request, settings);
  http::Exchange& ex = ctx.exchange;
  auto& o = ctx.outcome;
  o.has_usage = true;
  o.usage.input = answer.prompt_tokens;
  o.usage.output = answer.tokens.size();
  o.status = 200;
  std::chrono::nanoseconds per_token{0};
  if (settings.tokens_per_second > 0)
    per_token = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / settings.tokens_per_second));
  api::FinishReason finish = answer.truncated ? api::FinishReason::kLength : api::FinishReason::kStop;

  if (!request->stream) {
    if (!co_await Pace(ctx, per_token * static_cast<int64_t>(answer.tokens.size()))) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
    api::ChatResponse response;
    api::Part text;
    for (auto t : answer.tokens) text.text.append(t);
    response.content.push_back(std::move(text));
    response.finish = finish;
    response.usage = o.usage;
    response.has_usage = true;
    std::string body = EncodeClientResponse(ctx, response);
    co_await ex.Reply(200, "application/json", body, ctx.response_headers);
    co_return AttemptResult::Committed();
  }

  ex.BeginStream(200, "text/event-stream", ctx.response_headers);
  std::unique_ptr<api::StreamEncoder> encoder = NewClientStreamEncoder(ctx);
  std::string out;
  api::StreamDelta delta;
  delta.kind = api::StreamDelta::Kind::kUsage;  // input is known up front, as Anthropic reports it
  delta.usage.input = answer.prompt_tokens;
  encoder->OnDelta(delta, out);
  uint64_t sent = 0;
  for (auto token : answer.tokens) {
    if (!co_await Pace(ctx, per_token)) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
    if (o.ttft_ms < 0)
      o.ttft_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            ex.started_at())
                      .count();
    if (OverBudget(ctx, ++sent)) {
      o.usage.output = sent - 1;
      core::GatewayError spent = BudgetSpentError(ctx);
      o.error_detail = "hard limit " + ctx.hard_rule + " reached mid-stream";
      o.error_code = core::ErrorCodeName(spent.code);
      encoder->Fail(spent, out);
      co_await ex.StreamChunk(out, /*last=*/true);
      ex.set_keep_alive(false);
      co_return AttemptResult::Committed();
    }
    delta = {};
    delta.kind = api::StreamDelta::Kind::kText;
    delta.text = token;
    encoder->OnDelta(delta, out);
    if (!co_await ex.StreamChunk(out)) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
    out.clear();
  }
  delta = {};
  delta.kind = api::StreamDelta::Kind::kFinish;
  delta.finish = finish;
  encoder->OnDelta(delta, out);
  delta = {};
  delta.kind = api::StreamDelta::Kind::kUsage;
  delta.usage = o.usage;
  encoder->OnDelta(delta, out);
  encoder->End(out);
  co_await ex.StreamChunk(out, /*last=*/true);
  co_return AttemptResult::Committed();
}

}  // namespace sluice::proxy
