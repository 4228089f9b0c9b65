// Observability cost per request, sans-I/O: recording a request in the metric shard (with the
// process-wide label cap, as the gateway runs, and without), rendering its access-log line, and
// building its two spans (server + one attempt) plus its share of the OTLP JSON export.
// Single thread, warm; `build/release/observability_bench`.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "telemetry/metrics.h"
#include "telemetry/otlp_json.h"
#include "telemetry/request_outcome.h"
#include "telemetry/span.h"
#include "telemetry/trace_context.h"

using namespace sluice;
using namespace sluice::telemetry;

namespace {

double MicrosPer(int n, const std::function<void()>& f) {
  for (int i = 0; i < n / 10; ++i) f();  // warm-up
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
}

RequestOutcome Outcome() {
  RequestOutcome o;
  o.request_id = "9f1c2a7be01d4c55a0e4f00000000042";
  o.method = "POST";
  o.path = "/v1/chat/completions";
  o.model = "gpt-4o-mini";
  o.served_model = "gpt-4o-mini-2024-07-18";
  o.route = "gpt-4o-mini";
  o.provider = "openai-main";
  o.operation = "chat";
  o.provider_type = "openai";
  o.consumer = "team-a";
  o.status = 200;
  o.stream = true;
  o.has_usage = true;
  o.usage.input = 42;
  o.usage.output = 128;
  o.ttft_ms = 180.5;
  o.duration_ms = 2400.25;
  o.overhead_us = 61;
  o.attempts = 1;
  return o;
}

// The spans tracing.cc builds for a one-attempt request, with the same attributes.
std::vector<Span> Spans(const RequestOutcome& o, std::mt19937_64& rng) {
  std::vector<Span> spans(2);
  Span& a = spans[0];
  Span& s = spans[1];
  s.trace_id = NewTraceId(rng);
  s.span_id = NewSpanId(rng);
  a.trace_id = s.trace_id;
  a.span_id = NewSpanId(rng);
  a.parent_span_id = s.span_id;
  a.kind = SpanKind::kClient;
  a.attributes.reserve(16);
  s.attributes.reserve(24);
  a.name = std::string(o.operation) + " " + o.served_model;
  a.Add("gen_ai.operation.name", std::string(o.operation));
  a.Add("gen_ai.request.model", o.served_model);
  a.Add("gen_ai.provider.name", std::string(o.provider_type));
  a.Add("gen_ai.system", std::string(o.provider_type));
  a.Add("server.address", std::string("api.openai.com"));
  a.Add("server.port", int64_t{443});
  a.Add("sluice.backend", o.provider);
  a.Add("sluice.attempt", int64_t{1});
  a.Add("http.response.status_code", int64_t{200});
  a.Add("gen_ai.usage.input_tokens", static_cast<int64_t>(o.usage.input));
  a.Add("gen_ai.usage.output_tokens", static_cast<int64_t>(o.usage.output));
  a.Add("gen_ai.response.model", o.served_model);
  s.name = std::string(o.operation) + " " + o.model;
  s.Add("gen_ai.operation.name", std::string(o.operation));
  s.Add("gen_ai.request.model", o.model);
  s.Add("gen_ai.response.model", o.served_model);
  s.Add("gen_ai.provider.name", std::string(o.provider_type));
  s.Add("gen_ai.system", std::string(o.provider_type));
  s.Add("gen_ai.usage.input_tokens", static_cast<int64_t>(o.usage.input));
  s.Add("gen_ai.usage.output_tokens", static_cast<int64_t>(o.usage.output));
  s.Add("http.request.method", std::string(o.method));
  s.Add("url.path", o.path);
  s.Add("http.response.status_code", int64_t{200});
  s.Add("sluice.request_id", o.request_id);
  s.Add("sluice.route", o.route);
  s.Add("sluice.backend", o.provider);
  s.Add("sluice.consumer", std::string(o.consumer));
  s.Add("sluice.attempts", int64_t{1});
  s.AddBool("sluice.stream", true);
  s.Add("sluice.ttft_ms", o.ttft_ms);
  return spans;
}

}  // namespace

int main() {
  constexpr int kN = 200000;
  RequestOutcome o = Outcome();
  size_t sink = 0;

  MetricsShard uncapped;
  double record = MicrosPer(kN, [&] { uncapped.RecordRequest(o); });
  LabelValueCap cap(500);
  MetricsShard capped;
  capped.set_label_cap(&cap);
  double record_capped = MicrosPer(kN, [&] { capped.RecordRequest(o); });
  double log_line = MicrosPer(kN, [&] { sink += RenderAccessLogLine(o).size(); });
  std::mt19937_64 rng(1);
  double spans = MicrosPer(kN, [&] { sink += Spans(o, rng).size(); });
  // The exporter thread's work: a batch of 512 spans (256 requests) encoded at once.
  std::vector<Span> batch;
  for (int i = 0; i < 256; ++i)
    for (auto& s : Spans(o, rng)) batch.push_back(std::move(s));
  double encode_batch = MicrosPer(kN / 256, [&] { sink += EncodeOtlpTraces(batch, "sluice", "0.1").size(); });
  std::string body = EncodeOtlpTraces(batch, "sluice", "0.1");

  std::printf("| Work per request (sans-I/O, one thread) | µs |\n|---|---|\n");
  std::printf("| metrics: MetricsShard::RecordRequest, no label cap | %.3f |\n", record);
  std::printf("| metrics: MetricsShard::RecordRequest, label cap (as run) | %.3f |\n", record_capped);
  std::printf("| access log: RenderAccessLogLine | %.3f |\n", log_line);
  std::printf("| tracing: build server + attempt span (worker) | %.3f |\n", spans);
  std::printf("| tracing: OTLP JSON encoding, per request (exporter thread, 512-span batches) | %.3f |\n",
              encode_batch / 256);
  std::printf("(OTLP JSON: %zu bytes per request)\n", body.size() / 256);
  return sink == 0;
}
