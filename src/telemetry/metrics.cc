#include "telemetry/metrics.h"

#include <array>
#include <cstdio>
#include <type_traits>

namespace sluice::telemetry {

namespace {

constexpr double kOverheadBucketsUs[] = {5,    10,   25,   50,    100,   250,   500,
                                         1000, 2500, 5000, 10000, 25000, 100000};
constexpr double kDurationBucketsS[] = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                        1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};

void AppendNumber(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.17g", v);
  out.append(buf, static_cast<size_t>(n));
}

void RenderHistogram(std::string& out, std::string_view name, std::string_view help,
                     const Histogram& h) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" histogram\n");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.bucket_count(i);
    out.append(name).append("_bucket{le=\"");
    AppendNumber(out, h.bounds()[i]);
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  out.append(name).append("_bucket{le=\"+Inf\"} ").append(std::to_string(h.count())).append("\n");
  out.append(name).append("_sum ");
  AppendNumber(out, h.sum());
  out.append("\n").append(name).append("_count ").append(std::to_string(h.count())).append("\n");
}

void RenderCounterHead(std::string& out, std::string_view name, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" counter\n");
}

void AppendLabel(std::string& out, std::string_view name, std::string_view value, bool first) {
  if (!first) out.push_back(',');
  out.append(name).append("=\"").append(EscapeLabel(value)).append("\"");
}

std::string LabelText(const std::string& value) { return value; }
std::string LabelText(int value) { return std::to_string(value); }

// One counter family: a series per key, the key's parts (a string or a tuple) as label values.
template <class Key, size_t N>
void RenderCounter(std::string& out, std::string_view name, std::string_view help,
                   const std::map<Key, uint64_t, SeriesLess>& series,
                   const std::array<std::string_view, N>& labels) {
  RenderCounterHead(out, name, help);
  for (const auto& [key, value] : series) {
    out.append(name).append("{");
    size_t i = 0;
    auto label = [&](const auto& part) {
      AppendLabel(out, labels[i], LabelText(part), i == 0);
      ++i;
    };
    if constexpr (std::is_same_v<Key, std::string>)
      label(key);
    else
      std::apply([&](const auto&... parts) { (label(parts), ...); }, key);
    out.append("} ").append(std::to_string(value)).append("\n");
  }
}

template <class Key, class V>
auto& Increment(std::map<Key, uint64_t, SeriesLess>& series, const V& key) {
  auto it = series.find(key);
  if (it == series.end()) it = series.emplace(Key(key), 0).first;
  return it->second;
}

void RenderGauge(std::string& out, std::string_view name, std::string_view help, int64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" gauge\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
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

MetricsShard::MetricsShard() : overhead_us_(kOverheadBucketsUs), duration_s_(kDurationBucketsS) {}

void MetricsShard::RecordRequest(const RequestOutcome& r) {
  using View = std::tuple<std::string_view, std::string_view, int, std::string_view>;
  ++Increment(requests_, View(r.route, r.provider, r.status, r.error_code));
  if (r.has_usage) {
    auto add = [&](std::string_view type, uint64_t n) {
      if (n) Increment(tokens_, std::tuple<std::string_view, std::string_view>(r.route, type)) += n;
    };
    add("input", r.usage.input);
    add("output", r.usage.output);
    add("cached_input", r.usage.cached_input);
    add("reasoning", r.usage.reasoning);
  }
  overhead_us_.Observe(r.overhead_us);
  duration_s_.Observe(r.duration_ms / 1000.0);
}

void MetricsShard::RecordProtocolError(int status, std::string_view code) {
  using View = std::tuple<std::string_view, std::string_view, int, std::string_view>;
  ++Increment(requests_, View("", "", status, code));
}

void MetricsShard::RecordAttempt(std::string_view provider, std::string_view result) {
  ++Increment(attempts_, std::tuple<std::string_view, std::string_view>(provider, result));
}

void MetricsShard::RecordFallback(std::string_view route) { ++Increment(fallbacks_, route); }

void MetricsShard::RecordEjection(std::string_view provider) { ++Increment(ejections_, provider); }

void MetricsShard::Merge(const MetricsShard& other) {
  for (const auto& [k, v] : other.requests_) requests_[k] += v;
  for (const auto& [k, v] : other.tokens_) tokens_[k] += v;
  for (const auto& [k, v] : other.attempts_) attempts_[k] += v;
  for (const auto& [k, v] : other.fallbacks_) fallbacks_[k] += v;
  for (const auto& [k, v] : other.ejections_) ejections_[k] += v;
  overhead_us_.Merge(other.overhead_us_);
  duration_s_.Merge(other.duration_s_);
  active_connections += other.active_connections;
  active_requests += other.active_requests;
}

std::string MetricsShard::RenderPrometheus() const {
  std::string out;
  out.reserve(4096);
  RenderCounter(out, "sluice_requests_total",
                "Requests answered, by route (configured model), provider, status and error code.",
                requests_, std::array<std::string_view, 4>{"route", "provider", "status", "code"});
  RenderCounter(out, "sluice_tokens_total", "Tokens by route and token type.", tokens_,
                std::array<std::string_view, 2>{"route", "type"});
  RenderCounter(
      out, "sluice_upstream_attempts_total",
      "Upstream attempts by provider and result (none = success, else the failure class).",
      attempts_, std::array<std::string_view, 2>{"provider", "result"});
  RenderCounter(out, "sluice_fallbacks_total",
                "Requests answered by another target than the first one tried, by route.",
                fallbacks_, std::array<std::string_view, 1>{"route"});
  RenderCounter(out, "sluice_ejections_total",
                "Times an endpoint was ejected by outlier detection (per worker, summed).",
                ejections_, std::array<std::string_view, 1>{"provider"});
  RenderHistogram(out, "sluice_overhead_microseconds",
                  "Time the gateway itself added to a request (upstream wait excluded).",
                  overhead_us_);
  RenderHistogram(out, "sluice_request_duration_seconds",
                  "Whole request duration as the client saw it.", duration_s_);
  RenderGauge(out, "sluice_active_connections", "Open client connections.", active_connections);
  RenderGauge(out, "sluice_active_requests", "Requests in flight.", active_requests);
  return out;
}

}  // namespace sluice::telemetry
