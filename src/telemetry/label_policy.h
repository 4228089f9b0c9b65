#pragma once
// Bounded label cardinality (config `metrics`). Two controls:
// - per-metric allow-lists (LabelPolicy): a label left out of a metric's list is not rendered,
//   and the series that differed only by it are summed (counters) or merged (histograms) at
//   scrape time, so a reload may change the lists without touching the recorded data;
// - a cap on distinct values (LabelValueCap): for labels whose values come from configuration
//   or callers (route, provider, model, consumer, rule), the first `limit` distinct values seen by
//   the process are kept and later ones are recorded as "other", so a metric never grows past
//   the cap whatever the traffic.
#include <array>
#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::telemetry {

// A labelled metric family and every label it can carry. `consumer` is opt-in (left out unless
// the metric's allow-list names it); every other label is on by default.
struct MetricLabels {
  std::string_view metric;
  std::span<const std::string_view> labels;
};
std::span<const MetricLabels> LabelledMetrics();
const MetricLabels* FindLabelledMetric(std::string_view metric);

class LabelPolicy {
 public:
  using AllowLists = std::vector<std::pair<std::string, std::vector<std::string>>>;
  LabelPolicy() = default;
  // By metric name; metrics not named keep their default labels. Names are validated by the
  // config loader.
  explicit LabelPolicy(const AllowLists& allow);

  bool Keeps(std::string_view metric, std::string_view label) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> allow_;
};

// The labels whose values the cap bounds.
enum class CappedLabel { kRoute, kProvider, kModel, kConsumer, kRule };
inline constexpr size_t kCappedLabels = 5;
inline constexpr std::string_view kOtherValue = "other";

// Process-wide, shared by the workers. Thread-safe; a short critical section, taken only for
// values a worker has not admitted before (LabelValueCache).
class LabelValueCap {
 public:
  explicit LabelValueCap(size_t limit) : limit_(limit) {}
  void set_limit(size_t limit) { limit_.store(limit, std::memory_order_relaxed); }
  // True when `value` is (or now becomes) one of the admitted values of `label`.
  bool Admit(CappedLabel label, std::string_view value);

 private:
  std::atomic<size_t> limit_;
  std::mutex mu_;
  std::array<std::set<std::string, std::less<>>, kCappedLabels> admitted_;
};

// One worker's copy of what the cap admitted: the hot path looks values up here, lock-free.
class LabelValueCache {
 public:
  void set_cap(LabelValueCap* cap) { cap_ = cap; }
  // `value`, or "other" when the cap refuses it. Empty values and a missing cap pass through.
  std::string_view Apply(CappedLabel label, std::string_view value);

 private:
  LabelValueCap* cap_ = nullptr;
  std::array<std::set<std::string, std::less<>>, kCappedLabels> known_;
  // The last value passed per label: consecutive requests nearly always repeat it.
  std::array<std::string, kCappedLabels> last_;
};

}  // namespace sluice::telemetry
