#include "telemetry/metrics.h"

#include <cstdio>

namespace sluice::telemetry {

namespace {

constexpr double kOverheadBucketsUs[] = {5,    10,   25,   50,    100,   250,   500,
                                         1000, 2500, 5000, 10000, 25000, 100000};
constexpr double kDurationBucketsS[] = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64,  1.28,
                                        2.56, 5.12, 10.24, 20.48, 40.96, 81.92};

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

void RenderCounterMap(std::string& out, std::string_view name, std::string_view help,
                      const std::map<std::string, uint64_t>& series) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" counter\n");
  for (const auto& [labels, value] : series)
    out.append(name).append("{").append(labels).append("} ").append(std::to_string(value)).append("\n");
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
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

MetricsShard::MetricsShard() : overhead_us_(kOverheadBucketsUs), duration_s_(kDurationBucketsS) {}

static std::string RequestKey(std::string_view route, std::string_view provider, int status,
                              std::string_view code) {
  return "route=\"" + EscapeLabel(route) + "\",provider=\"" + EscapeLabel(provider) +
         "\",status=\"" + std::to_string(status) + "\",code=\"" + std::string(code) + "\"";
}

void MetricsShard::RecordRequest(const RequestOutcome& r) {
  ++requests_[RequestKey(r.route, r.provider, r.status, r.error_code)];
  if (r.has_usage) {
    std::string route = EscapeLabel(r.route);
    auto add = [&](std::string_view type, uint64_t n) {
      if (n) tokens_["route=\"" + route + "\",type=\"" + std::string(type) + "\""] += n;
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
  ++requests_[RequestKey("", "", status, code)];
}

void MetricsShard::Merge(const MetricsShard& other) {
  for (const auto& [k, v] : other.requests_) requests_[k] += v;
  for (const auto& [k, v] : other.tokens_) tokens_[k] += v;
  overhead_us_.Merge(other.overhead_us_);
  duration_s_.Merge(other.duration_s_);
  active_connections += other.active_connections;
  active_requests += other.active_requests;
}

std::string MetricsShard::RenderPrometheus() const {
  std::string out;
  out.reserve(4096);
  RenderCounterMap(out, "sluice_requests_total",
                   "Requests answered, by route (configured model), provider, status and error code.",
                   requests_);
  RenderCounterMap(out, "sluice_tokens_total", "Tokens by route and token type.", tokens_);
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
