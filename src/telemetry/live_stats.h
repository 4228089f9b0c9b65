#pragma once
// Live stats for dashboards (GET /admin/stats): per route and backend, over the last minutes,
// request rate, error rate, tokens, and TTFT percentiles. Kept in 10-second slots covering the last
// 5 minutes; like the metric shards, one per worker, merged when asked.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "telemetry/histogram.h"
#include "telemetry/series_less.h"

namespace sluice::telemetry {

class LiveStats {
 public:
  static constexpr int kSlotSeconds = 10;
  static constexpr int kSlots = 30;  // 5 minutes

  struct Sample {
    std::string_view route, provider;
    bool error = false;
    uint64_t input_tokens = 0, output_tokens = 0;
    double ttft_s = -1;  // < 0: none (not a stream)
  };
  void Record(const Sample& s, int64_t now_s);
  void Merge(const LiveStats& other);
  // JSON: {"window_seconds":W,"series":[{"route","backend","requests","rps","error_rate",
  // "input_tokens","output_tokens","ttft_p50_ms","ttft_p99_ms"}]} over the last `window_s`.
  std::string RenderJson(int64_t now_s, int window_s) const;

 private:
  struct Slot {
    int64_t epoch = -1;  // now_s / kSlotSeconds this slot holds; stale slots are ignored
    uint64_t requests = 0, errors = 0, input_tokens = 0, output_tokens = 0;
    Histogram ttft;
    Slot();
    void Reset(int64_t e);
    void Add(const Slot& other);
  };
  using Key = std::tuple<std::string, std::string>;
  std::map<Key, std::array<Slot, kSlots>, SeriesLess> series_;
};

// The q-quantile (0..1) of a histogram, interpolated inside its bucket; -1 when empty.
double EstimateQuantile(const Histogram& h, double q);

}  // namespace sluice::telemetry
