#pragma once
// Gateway metrics. Each worker owns one MetricsShard and is its only writer (no atomics, no
// locks on the hot path); a scrape asks every worker, on its own thread, for a copy and merges
// the copies (admin/). Label values come from config (route names) or closed sets (status,
// error codes), and the open ones pass a process-wide cap (label_policy.h), so cardinality stays
// bounded; which labels a metric shows is chosen at render time (LabelPolicy).
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "telemetry/histogram.h"
#include "telemetry/label_policy.h"
#include "telemetry/last_series.h"
#include "telemetry/live_stats.h"
#include "telemetry/request_outcome.h"
#include "telemetry/series_less.h"

namespace sluice::telemetry {

class MetricsShard {
 public:
  MetricsShard();
  // `now`: a clock reading the caller just took, if any.
  void RecordRequest(const RequestOutcome& r,
                     std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  // A request refused at the HTTP layer, before any route was known.
  void RecordProtocolError(int status, std::string_view code);
  // One upstream attempt and how it ended ("none" = success, else a failure class).
  void RecordAttempt(std::string_view provider, std::string_view result);
  // A request answered by another target than the first one tried.
  void RecordFallback(std::string_view route);
  void RecordRateLimited(std::string_view rule);
  void RecordEjection(std::string_view provider);
  // A rate-limit check the shared store (Redis) could not answer: admitted unchecked (fail_mode
  // open) or refused (closed).
  void RecordStoreFailure(bool admitted);
  void Merge(const MetricsShard& other);

  // The process-wide cap on label values (null: uncapped). Set once, before the first record.
  void set_label_cap(LabelValueCap* cap) { values_.set_cap(cap); }

  int64_t active_connections = 0;
  int64_t active_requests = 0;
  int64_t store_connected = 0;  // workers connected to the shared store (Redis)
  int64_t active_streams = 0;   // streamed requests in flight
  // By provider: 1 if this worker has it ejected or probing (outlier detection is per worker, so
  // merged shards count the workers that do). Filled when a scrape copies the shard.
  std::map<std::string, int64_t, SeriesLess> endpoint_ejected;
  LiveStats live;  // recent per-route stats for /admin/stats

  // Prometheus text exposition (format 0.0.4) of this shard, with the labels `policy` keeps.
  std::string RenderPrometheus(const LabelPolicy& policy = {}) const;

 private:
  void RenderGenAi(std::string& out, const LabelPolicy& policy) const;

  LabelValueCache values_;
  // Keyed by label values; lookups with string_views allocate nothing once a series exists.
  using RequestKey = std::tuple<std::string, std::string, int, std::string,
                                std::string>;                     // route, provider, status, code,
                                                                  // consumer
  using TokenKey = std::tuple<std::string, std::string, std::string>;  // route, type, consumer
  std::map<RequestKey, uint64_t, SeriesLess> requests_;
  std::map<TokenKey, uint64_t, SeriesLess> tokens_;
  using PairKey = std::tuple<std::string, std::string>;
  std::map<PairKey, uint64_t, SeriesLess> attempts_;       // provider, result
  std::map<std::string, uint64_t, SeriesLess> fallbacks_;  // route
  std::map<std::string, uint64_t, SeriesLess> rate_limited_;  // rule
  std::map<std::string, uint64_t, SeriesLess> ejections_;  // provider
  std::map<std::string, uint64_t, SeriesLess> store_failures_;  // action: allowed | refused
  Histogram overhead_s_;
  Histogram duration_s_;
  // OpenTelemetry GenAI histograms (DESIGN.md §1), per operation, provider, request and response
  // model and consumer. Models are the configured names (a wildcard route reports its pattern), so a client
  // cannot grow the label set.
  struct GenAiSeries {
    GenAiSeries();
    void Merge(const GenAiSeries& other);
    Histogram duration_s, ttft_s, tpot_s;
    Histogram tokens[5];  // by kTokenTypes
  };
  using GenAiKey =
      std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<GenAiKey, GenAiSeries, SeriesLess> gen_ai_;
  // RecordRequest's series of the last request, per family (and token type).
  LastSeries<decltype(requests_)> last_requests_;
  std::array<LastSeries<decltype(tokens_)>, 5> last_tokens_;
  LastSeries<decltype(gen_ai_)> last_gen_ai_;
};

// Escapes a Prometheus label value (backslash, quote, newline).
std::string EscapeLabel(std::string_view value);
// Prometheus text for families rendered outside a shard (the fair queues, the process's own
// counters). A family's "# HELP" and "# TYPE" lines:
void AppendMetricHead(std::string& out, std::string_view name, std::string_view type,
                      std::string_view help);
// One sample; `labels` is a rendered label list without braces, empty for none.
void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::string_view value);
// One histogram series; `labels` is empty or a rendered label list ending in ','.
void AppendHistogramSeries(std::string& out, std::string_view name, std::string_view labels,
                           const Histogram& h);

}  // namespace sluice::telemetry
