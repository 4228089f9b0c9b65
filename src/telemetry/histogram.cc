#include "telemetry/histogram.h"

#include <algorithm>

namespace sluice::telemetry {

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.first(std::min(bounds.size(), kMaxBuckets))) {}

void Histogram::Observe(double value) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                 bounds_.begin());
  ++counts_[i];
  ++count_;
  sum_ += value;
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
}

}  // namespace sluice::telemetry
