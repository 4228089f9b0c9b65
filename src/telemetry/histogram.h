#pragma once
#include <array>
#include <cstdint>
#include <span>

namespace sluice::telemetry {

// Time-to-first-token buckets in seconds (OTel GenAI semantic conventions, extended to 60 s);
// shared by the gen_ai histogram and the live stats.
inline constexpr double kTtftBucketsS[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08,
                                           0.1,   0.25,  0.5,  0.75, 1.0,  2.5,  5.0,
                                           7.5,   10.0,  15.0, 20.0, 30.0, 60.0};

// Fixed-bucket cumulative-on-render histogram. Owned by one worker; merged on scrape.
class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 24;
  explicit Histogram(std::span<const double> bounds);

  void Observe(double value);
  void Merge(const Histogram& other);  // same bounds required

  std::span<const double> bounds() const { return bounds_; }
  uint64_t bucket_count(size_t i) const { return counts_[i]; }  // non-cumulative; last is +Inf
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::span<const double> bounds_;
  std::array<uint64_t, kMaxBuckets + 1> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace sluice::telemetry
