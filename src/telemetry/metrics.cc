#include "telemetry/metrics.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <type_traits>

namespace sluice::telemetry {

void AppendMetricHead(std::string& out, std::string_view name, std::string_view type,
                      std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::string_view value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(value).append("\n");
}

namespace {

// Seconds (Prometheus base unit) at microsecond resolution: 5 µs to 100 ms.
constexpr double kOverheadBucketsS[] = {5e-6, 10e-6,  25e-6, 50e-6, 100e-6, 250e-6, 500e-6,
                                        1e-3, 2.5e-3, 5e-3,  10e-3, 25e-3,  100e-3};
constexpr double kDurationBucketsS[] = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                        1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};

// Bucket bounds as Envoy AI Gateway and the OTel GenAI semantic conventions use them.
constexpr double kTokenBuckets[] = {1,     4,     16,     64,      256,     1024,     4096,
                                    16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
constexpr double kTpotBuckets[] = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                   0.3,  0.4,   0.5,  0.75,  1.0, 2.5};
constexpr std::string_view kTokenTypes[] = {"input", "output", "cached_input",
                                            "cache_creation_input", "reasoning"};

// Shortest text that reads back as the same double ("5e-05", "0.25", "12").
void AppendNumber(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void RenderHistogramHead(std::string& out, std::string_view name, std::string_view help) {
  AppendMetricHead(out, name, "histogram", help);
}

// One histogram series; `labels` is empty or a rendered label list ending in ','.
void RenderHistogramSeries(std::string& out, std::string_view name, std::string_view labels,
                           const Histogram& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.bucket_count(i);
    out.append(name).append("_bucket{").append(labels).append("le=\"");
    AppendNumber(out, h.bounds()[i]);
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  out.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ");
  out.append(std::to_string(h.count())).append("\n");
  std::string_view bare = labels.empty() ? labels : labels.substr(0, labels.size() - 1);
  out.append(name).append("_sum");
  if (!bare.empty()) out.append("{").append(bare).append("}");
  out.append(" ");
  AppendNumber(out, h.sum());
  out.append("\n").append(name).append("_count");
  if (!bare.empty()) out.append("{").append(bare).append("}");
  out.append(" ").append(std::to_string(h.count())).append("\n");
}

void RenderHistogram(std::string& out, std::string_view name, std::string_view help,
                     const Histogram& h) {
  RenderHistogramHead(out, name, help);
  RenderHistogramSeries(out, name, "", h);
}

void RenderCounterHead(std::string& out, std::string_view name, std::string_view help) {
  AppendMetricHead(out, name, "counter", help);
}

void AppendLabel(std::string& out, std::string_view name, std::string_view value, bool first) {
  if (!first) out.push_back(',');
  out.append(name).append("=\"").append(EscapeLabel(value)).append("\"");
}

std::string LabelText(const std::string& value) { return value; }
std::string LabelText(int value) { return std::to_string(value); }

// One counter family: a series per key, the key's parts (a string or a tuple) as label values.
// Labels the policy drops are left out and the series that differed only by them are summed.
template <class Key, size_t N>
void RenderCounter(std::string& out, std::string_view name, std::string_view help,
                   const std::map<Key, uint64_t, SeriesLess>& series,
                   const std::array<std::string_view, N>& labels, const LabelPolicy& policy) {
  std::array<bool, N> keep;
  for (size_t i = 0; i < N; ++i) keep[i] = policy.Keeps(name, labels[i]);
  std::map<std::string, uint64_t> merged;  // by rendered label list
  for (const auto& [key, value] : series) {
    std::string text;
    size_t i = 0;
    auto label = [&](const auto& part) {
      if (keep[i]) AppendLabel(text, labels[i], LabelText(part), text.empty());
      ++i;
    };
    if constexpr (std::is_same_v<Key, std::string>)
      label(key);
    else
      std::apply([&](const auto&... parts) { (label(parts), ...); }, key);
    merged[text] += value;
  }
  RenderCounterHead(out, name, help);
  for (const auto& [text, value] : merged) {
    out.append(name);
    if (!text.empty()) out.append("{").append(text).append("}");
    out.append(" ").append(std::to_string(value)).append("\n");
  }
}

template <class Key, class V>
auto& Increment(std::map<Key, uint64_t, SeriesLess>& series, const V& key) {
  auto it = series.find(key);
  if (it == series.end()) it = series.emplace(Key(key), 0).first;
  return it->second;
}

void RenderGauge(std::string& out, std::string_view name, std::string_view help, int64_t value) {
  AppendMetricHead(out, name, "gauge", help);
  AppendSample(out, name, "", std::to_string(value));
}

// A gauge family with one label.
void RenderGauges(std::string& out, std::string_view name, std::string_view help,
                  std::string_view label, const std::map<std::string, int64_t, SeriesLess>& values) {
  AppendMetricHead(out, name, "gauge", help);
  for (const auto& [key, value] : values) {
    out.append(name).append("{");
    AppendLabel(out, label, key, true);
    out.append("} ").append(std::to_string(value)).append("\n");
  }
}

}  // namespace

std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

MetricsShard::MetricsShard() : overhead_s_(kOverheadBucketsS), duration_s_(kDurationBucketsS) {}

MetricsShard::GenAiSeries::GenAiSeries()
    : duration_s(kDurationBucketsS),
      ttft_s(kTtftBucketsS),
      tpot_s(kTpotBuckets),
      tokens{Histogram(kTokenBuckets), Histogram(kTokenBuckets), Histogram(kTokenBuckets),
             Histogram(kTokenBuckets), Histogram(kTokenBuckets)} {}

void MetricsShard::GenAiSeries::Merge(const GenAiSeries& other) {
  duration_s.Merge(other.duration_s);
  ttft_s.Merge(other.ttft_s);
  tpot_s.Merge(other.tpot_s);
  for (size_t i = 0; i < 5; ++i) tokens[i].Merge(other.tokens[i]);
}

void MetricsShard::RecordRequest(const RequestOutcome& r,
                                 std::chrono::steady_clock::time_point now) {
  std::string_view route = values_.Apply(CappedLabel::kRoute, r.route);
  std::string_view provider = values_.Apply(CappedLabel::kProvider, r.provider);
  std::string_view consumer = values_.Apply(CappedLabel::kConsumer, r.consumer);
  using View =
      std::tuple<std::string_view, std::string_view, int, std::string_view, std::string_view>;
  ++last_requests_.Get(requests_, View(route, provider, r.status, r.error_code, consumer));
  if (r.has_usage) {
    using TokenView = std::tuple<std::string_view, std::string_view, std::string_view>;
    auto add = [&](size_t type, uint64_t n) {
      if (n) last_tokens_[type].Get(tokens_, TokenView(route, kTokenTypes[type], consumer)) += n;
    };
    add(0, r.usage.input);
    add(1, r.usage.output);
    add(2, r.usage.cached_input);
    add(3, r.usage.cache_creation_input);
    add(4, r.usage.reasoning);
  }
  overhead_s_.Observe(r.overhead_us / 1e6);
  duration_s_.Observe(r.duration_ms / 1000.0);
  if (r.route.empty() || r.operation.empty()) return;  // not an inference request
  int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  live.Record({r.route, r.provider, r.status != 200 || !r.error_code.empty(),
               r.has_usage ? r.usage.input : 0, r.has_usage ? r.usage.output : 0,
               r.stream && r.ttft_ms >= 0 ? r.ttft_ms / 1000.0 : -1},
              now_s);

  std::string_view response_model = r.served_model.empty() ? r.route : r.served_model;
  if (r.route.find('*') != std::string::npos) response_model = r.route;  // client-chosen name
  response_model = values_.Apply(CappedLabel::kModel, response_model);
  using GenAiView = std::tuple<std::string_view, std::string_view, std::string_view,
                               std::string_view, std::string_view>;
  auto key = GenAiView(r.operation, r.provider_type, route, response_model, consumer);
  GenAiSeries& g = last_gen_ai_.Get(gen_ai_, key);
  g.duration_s.Observe(r.duration_ms / 1000.0);
  if (r.stream && r.ttft_ms >= 0) {
    g.ttft_s.Observe(r.ttft_ms / 1000.0);
    if (r.has_usage && r.usage.output > 1)
      g.tpot_s.Observe((r.duration_ms - r.ttft_ms) / 1000.0 /
                       static_cast<double>(r.usage.output - 1));
  }
  if (r.has_usage && r.status == 200) {
    g.tokens[0].Observe(static_cast<double>(r.usage.input));
    g.tokens[1].Observe(static_cast<double>(r.usage.output));
    if (r.usage.cached_input) g.tokens[2].Observe(static_cast<double>(r.usage.cached_input));
    if (r.usage.cache_creation_input)
      g.tokens[3].Observe(static_cast<double>(r.usage.cache_creation_input));
    if (r.usage.reasoning) g.tokens[4].Observe(static_cast<double>(r.usage.reasoning));
  }
}

void MetricsShard::RecordProtocolError(int status, std::string_view code) {
  using View =
      std::tuple<std::string_view, std::string_view, int, std::string_view, std::string_view>;
  ++Increment(requests_, View("", "", status, code, ""));
}

void MetricsShard::RecordAttempt(std::string_view provider, std::string_view result) {
  provider = values_.Apply(CappedLabel::kProvider, provider);
  ++Increment(attempts_, std::tuple<std::string_view, std::string_view>(provider, result));
}

void MetricsShard::RecordFallback(std::string_view route) {
  ++Increment(fallbacks_, values_.Apply(CappedLabel::kRoute, route));
}
void MetricsShard::RecordRateLimited(std::string_view rule) {
  ++Increment(rate_limited_, values_.Apply(CappedLabel::kRule, rule));
}

void MetricsShard::RecordEjection(std::string_view provider) {
  ++Increment(ejections_, values_.Apply(CappedLabel::kProvider, provider));
}

void MetricsShard::RecordStoreFailure(bool admitted) {
  ++Increment(store_failures_, std::string_view(admitted ? "allowed" : "refused"));
}

void MetricsShard::Merge(const MetricsShard& other) {
  for (const auto& [k, v] : other.requests_) requests_[k] += v;
  for (const auto& [k, v] : other.tokens_) tokens_[k] += v;
  for (const auto& [k, v] : other.attempts_) attempts_[k] += v;
  for (const auto& [k, v] : other.fallbacks_) fallbacks_[k] += v;
  for (const auto& [k, v] : other.rate_limited_) rate_limited_[k] += v;
  for (const auto& [k, v] : other.ejections_) ejections_[k] += v;
  for (const auto& [k, v] : other.store_failures_) store_failures_[k] += v;
  overhead_s_.Merge(other.overhead_s_);
  duration_s_.Merge(other.duration_s_);
  for (const auto& [k, v] : other.gen_ai_) {
    auto it = gen_ai_.find(k);
    if (it == gen_ai_.end())
      gen_ai_.emplace(k, v);
    else
      it->second.Merge(v);
  }
  live.Merge(other.live);
  active_connections += other.active_connections;
  active_requests += other.active_requests;
  store_connected += other.store_connected;
  active_streams += other.active_streams;
  for (const auto& [k, v] : other.endpoint_ejected) endpoint_ejected[k] += v;
}

void MetricsShard::RenderGenAi(std::string& out, const LabelPolicy& policy) const {
  static constexpr std::string_view kNames[] = {"gen_ai_operation_name", "gen_ai_provider_name",
                                                "gen_ai_request_model", "gen_ai_response_model",
                                                "consumer"};
  // The label list `metric` keeps for a series, without the trailing ','.
  auto labels = [&](std::string_view metric, const GenAiKey& k) {
    const std::string_view values[] = {std::get<0>(k), std::get<1>(k), std::get<2>(k),
                                       std::get<3>(k), std::get<4>(k)};
    std::string l;
    for (size_t i = 0; i < 5; ++i)
      if (policy.Keeps(metric, kNames[i])) AppendLabel(l, kNames[i], values[i], l.empty());
    return l;
  };
  // Series whose kept labels are equal are merged (a dropped label's values are added up).
  using Merged = std::map<std::string, Histogram>;
  auto add = [](Merged& merged, std::string key, const Histogram& h) {
    merged.try_emplace(std::move(key), h.bounds()).first->second.Merge(h);
  };
  auto render = [&](std::string_view name, const Merged& merged) {
    for (const auto& [l, h] : merged)
      RenderHistogramSeries(out, name, l.empty() ? l : l + ",", h);
  };
  struct Family {
    std::string_view name, help;
    const Histogram& (*pick)(const GenAiSeries&);
  };
  const Family families[] = {
      {"gen_ai_server_request_duration_seconds", "GenAI request duration.",
       [](const GenAiSeries& g) -> const Histogram& { return g.duration_s; }},
      {"gen_ai_server_time_to_first_token_seconds", "Time to the first streamed token.",
       [](const GenAiSeries& g) -> const Histogram& { return g.ttft_s; }},
      {"gen_ai_server_time_per_output_token_seconds",
       "Time per output token after the first: (duration - ttft) / (output tokens - 1).",
       [](const GenAiSeries& g) -> const Histogram& { return g.tpot_s; }},
  };
  for (const auto& f : families) {
    RenderHistogramHead(out, f.name, f.help);
    Merged merged;
    for (const auto& [k, g] : gen_ai_)
      if (f.pick(g).count()) add(merged, labels(f.name, k), f.pick(g));
    render(f.name, merged);
  }
  constexpr std::string_view kTokens = "gen_ai_client_token_usage";
  RenderHistogramHead(out, kTokens, "Tokens per request by token type.");
  bool keep_type = policy.Keeps(kTokens, "gen_ai_token_type");
  Merged merged;
  for (const auto& [k, g] : gen_ai_) {
    for (size_t t = 0; t < 5; ++t) {
      if (g.tokens[t].count() == 0) continue;
      std::string l = labels(kTokens, k);
      if (keep_type) AppendLabel(l, "gen_ai_token_type", kTokenTypes[t], l.empty());
      add(merged, std::move(l), g.tokens[t]);
    }
  }
  render(kTokens, merged);
}

std::string MetricsShard::RenderPrometheus(const LabelPolicy& policy) const {
  std::string out;
  out.reserve(4096);
  RenderCounter(out, "sluice_requests_total",
                "Requests answered, by route (configured model), provider, status and error code.",
                requests_, std::array<std::string_view, 5>{"route", "provider", "status", "code", "consumer"},
                policy);
  RenderCounter(out, "sluice_tokens_total", "Tokens by route and token type.", tokens_,
                std::array<std::string_view, 3>{"route", "type", "consumer"}, policy);
  RenderCounter(
      out, "sluice_upstream_attempts_total",
      "Upstream attempts by provider and result (none = success, else the failure class).",
      attempts_, std::array<std::string_view, 2>{"provider", "result"}, policy);
  RenderCounter(out, "sluice_fallbacks_total",
                "Requests answered by another target than the first one tried, by route.",
                fallbacks_, std::array<std::string_view, 1>{"route"}, policy);
  RenderCounter(out, "sluice_rate_limited_total",
                "Requests the gateway refused under a rate limit or budget (policy_rate_limited or "
                "policy_budget_exceeded), by rule.",
                rate_limited_, std::array<std::string_view, 1>{"rule"}, policy);
  RenderCounter(out, "sluice_ejections_total",
                "Times an endpoint was ejected by outlier detection (per worker, summed).",
                ejections_, std::array<std::string_view, 1>{"provider"}, policy);
  RenderCounter(out, "sluice_store_failures_total",
                "Rate-limit checks the shared store (Redis) could not answer, by what the gateway "
                "did: allowed unchecked (fail_mode open) or refused (closed).",
                store_failures_, std::array<std::string_view, 1>{"action"}, policy);
  RenderHistogram(out, "sluice_overhead_seconds",
                  "Time the gateway itself added to a request (upstream wait excluded).",
                  overhead_s_);
  RenderHistogram(out, "sluice_request_duration_seconds",
                  "Whole request duration as the client saw it.", duration_s_);
  RenderGenAi(out, policy);
  RenderGauge(out, "sluice_active_connections", "Open client connections.", active_connections);
  RenderGauge(out, "sluice_active_requests", "Requests in flight.", active_requests);
  RenderGauge(out, "sluice_active_streams", "Streamed requests in flight.", active_streams);
  RenderGauges(out, "sluice_endpoint_ejected",
               "Workers that currently hold the provider's endpoint ejected or probing (outlier "
               "detection is per worker): 0 when every worker considers it healthy.",
               "provider", endpoint_ejected);
  RenderGauge(out, "sluice_store_connected",
              "Workers connected to the shared store (Redis); 0 when it is down or not used.",
              store_connected);
  return out;
}

void AppendHistogramSeries(std::string& out, std::string_view name, std::string_view labels,
                           const Histogram& h) {
  RenderHistogramSeries(out, name, labels, h);
}

}  // namespace sluice::telemetry
