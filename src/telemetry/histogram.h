#pragma once
#include <array>
#include <cstdint>
#include <span>

namespace sluice::telemetry {

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
