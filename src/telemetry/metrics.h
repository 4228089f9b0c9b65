#pragma once
// Gateway metrics. Each worker owns one MetricsShard and is its only writer (no atomics, no
// locks on the hot path); a scrape asks every worker, on its own thread, for a copy and merges
// the copies (admin/). Label values come from config (route names) or closed sets (status,
// error codes), so cardinality stays bounded.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "telemetry/histogram.h"
#include "telemetry/request_outcome.h"

namespace sluice::telemetry {

class MetricsShard {
 public:
  MetricsShard();
  void RecordRequest(const RequestOutcome& r);
  // A request refused at the HTTP layer, before any route was known.
  void RecordProtocolError(int status, std::string_view code);
  void Merge(const MetricsShard& other);

  int64_t active_connections = 0;
  int64_t active_requests = 0;

  // Prometheus text exposition (format 0.0.4) of this shard.
  std::string RenderPrometheus() const;

 private:
  std::map<std::string, uint64_t> requests_;  // rendered label set -> count
  std::map<std::string, uint64_t> tokens_;
  Histogram overhead_us_;
  Histogram duration_s_;
};

// Escapes a Prometheus label value (backslash, quote, newline).
std::string EscapeLabel(std::string_view value);

}  // namespace sluice::telemetry
