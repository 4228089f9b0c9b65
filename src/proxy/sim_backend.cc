// The built-in simulated provider (provider type `sim`): answers in-process, deterministically,
// at the configured token rate. Streams go through the same Exchange as relayed ones.
#include <ctime>

#include "providers/sim/sim_generator.h"
#include "proxy/attempt.h"
#include "proxy/gateway.h"
#include "proxy/upstream_io.h"
#include "routing/prefix_hash.h"

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

// The prompt's text as a model server would tokenize it: message contents, or the prompt.
std::string PromptText(const RequestContext& ctx) {
  std::string text;
  auto append = [&](const boost::json::value& content) {
    if (content.is_string()) {
      text.append(content.get_string());
    } else if (content.is_array()) {
      for (const auto& part : content.get_array())
        if (const auto* obj = part.if_object())
          if (const auto* t = obj->if_contains("text"); t && t->is_string())
            text.append(t->get_string());
    }
    text.push_back('\n');
  };
  if (ctx.dialect == api::Dialect::kOpenAi && ctx.parsed.has_body()) {
    const auto& body = ctx.parsed.body();
    if (const auto* messages = body.if_contains("messages"); messages && messages->is_array()) {
      for (const auto& m : messages->get_array())
        if (const auto* obj = m.if_object())
          if (const auto* content = obj->if_contains("content")) append(*content);
    } else if (const auto* prompt = body.if_contains("prompt")) {
      append(*prompt);
    }
  } else if (ctx.unified) {
    for (const auto& part : ctx.unified->system) text.append(part.text).push_back('\n');
    for (const auto& message : ctx.unified->messages) {
      for (const auto& part : message.parts) text.append(part.text);
      text.push_back('\n');
    }
  }
  return text;
}

// A sim provider acting as a model-server replica (sim.kv_blocks): the prompt is looked up in its
// prefix cache and holds a running slot until the attempt ends, whichever way it ends.
struct ReplicaVisit {
  providers::sim::SimReplica* replica = nullptr;
  uint32_t prompt_tokens = 0;
  std::chrono::nanoseconds prefill{0};  // time to the first token
  ReplicaVisit() = default;
  ReplicaVisit(const ReplicaVisit&) = delete;
  ReplicaVisit& operator=(const ReplicaVisit&) = delete;
  ~ReplicaVisit() {
    if (replica) replica->Finish(prompt_tokens);
  }
};

void VisitReplica(RequestContext& ctx, sim::SimAnswer& answer, ReplicaVisit& visit) {
  const config::SimSettings& settings = ctx.target->provider->sim;
  visit.replica = ctx.snapshot->sim_replica(ctx.target->provider->name);
  if (!visit.replica) return;
  std::string text = PromptText(ctx);
  std::vector<uint64_t> hashes;
  routing::PrefixHashOptions options;
  options.max_blocks = 1 << 16;  // a server caches the whole prompt
  routing::HashPrompt(routing::PrefixSeed(ctx.upstream_model, ""), text, options, hashes);
  visit.prompt_tokens = answer.prompt_tokens;
  answer.cached_tokens = visit.replica->Admit(hashes, answer.prompt_tokens, 16);
  answer.report_cached = true;
  ctx.outcome.usage.cached_input = answer.cached_tokens;
  double ms = double(settings.base_ttft.count()) +
              double(answer.prompt_tokens - answer.cached_tokens) * settings.prefill_ms_per_token;
  auto now = std::chrono::steady_clock::now();
  auto first_token = visit.replica->SchedulePrefill(
      now, std::chrono::nanoseconds(static_cast<int64_t>(ms * 1e6)));
  visit.prefill = first_token - now;
}

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
  ReplicaVisit visit;
  VisitReplica(ctx, answer, visit);
  std::chrono::nanoseconds per_token{0};
  if (settings.tokens_per_second > 0)
    per_token = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / settings.tokens_per_second));
  o.status = 200;

  if (!req.stream) {
    std::chrono::nanoseconds total =
        visit.prefill + per_token * static_cast<int64_t>(answer.tokens.size());
    if (!co_await Pace(ctx, total)) {
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
  std::chrono::nanoseconds wait = visit.prefill;  // the first token also waits for the prefill
  uint64_t sent = 0;
  for (auto token : answer.tokens) {
    wait += per_token;
    bool paced = co_await Pace(ctx, wait);
    wait = std::chrono::nanoseconds{0};
    if (!paced) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
    if (o.ttft_ms < 0)
      o.ttft_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            ex.started_at())
                      .count();
    if (CountStreamOutput(ctx, ++sent)) {
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

// The sim for clients of another dialect (Anthropic, Responses): the same answer as unified deltas,
// rendered by the client's encoder.
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
  ReplicaVisit visit;
  VisitReplica(ctx, answer, visit);
  std::chrono::nanoseconds per_token{0};
  if (settings.tokens_per_second > 0)
    per_token = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / settings.tokens_per_second));
  api::FinishReason finish =
      answer.truncated ? api::FinishReason::kLength : api::FinishReason::kStop;

  if (!request->stream) {
    std::chrono::nanoseconds total =
        visit.prefill + per_token * static_cast<int64_t>(answer.tokens.size());
    if (!co_await Pace(ctx, total)) {
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
  std::chrono::nanoseconds wait = visit.prefill;  // the first token also waits for the prefill
  uint64_t sent = 0;
  for (auto token : answer.tokens) {
    wait += per_token;
    bool paced = co_await Pace(ctx, wait);
    wait = std::chrono::nanoseconds{0};
    if (!paced) {
      o.error_code = core::ErrorCodeName(core::ErrorCode::kCallerCancelled);
      co_return AttemptResult::Committed();
    }
    if (o.ttft_ms < 0)
      o.ttft_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            ex.started_at())
                      .count();
    if (CountStreamOutput(ctx, ++sent)) {
      o.usage.output = sent - 1;
      core::GatewayError spent = BudgetSpent(ctx);
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
