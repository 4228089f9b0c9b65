#include "sim/fair_metrics.h"

#include <algorithm>
#include <cmath>

namespace sluice::sim {

ServiceTracker::ServiceTracker(std::vector<double> weights, double window, double horizon)
    : weights_(std::move(weights)),
      window_(window),
      horizon_(horizon),
      tenants_(weights_.size()),
      service_(static_cast<size_t>(std::ceil(horizon / window)),
               std::vector<double>(weights_.size(), 0)),
      backlog_(weights_.size()),
      backlogged_(weights_.size(), false),
      total_(weights_.size(), 0),
      base_(weights_.size() * weights_.size(), 0) {}

void ServiceTracker::SetBacklogged(uint32_t tenant, bool backlogged, double now) {
  if (now >= horizon_ || backlogged_[tenant] == backlogged) return;
  backlogged_[tenant] = backlogged;
  if (backlogged) {
    backlog_[tenant].push_back({now, horizon_});
    for (uint32_t j = 0; j < tenants_; ++j) {
      if (j == tenant || !backlogged_[j]) continue;
      base_[tenant * tenants_ + j] = total_[tenant] - total_[j];
      base_[j * tenants_ + tenant] = total_[j] - total_[tenant];
    }
  } else {
    backlog_[tenant].back().second = now;
  }
}

void ServiceTracker::AddService(uint32_t tenant, double weighted_tokens, double now) {
  if (now >= horizon_) return;
  double x = weighted_tokens / weights_[tenant];
  total_[tenant] += x;
  size_t w = std::min(service_.size() - 1, static_cast<size_t>(now / window_));
  service_[w][tenant] += x;
  if (!backlogged_[tenant]) return;
  for (uint32_t j = 0; j < tenants_; ++j) {
    if (j == tenant || !backlogged_[j]) continue;
    double gap = std::abs(total_[tenant] - total_[j] - base_[tenant * tenants_ + j]);
    max_gap_ = std::max(max_gap_, gap);
  }
}

std::vector<double> ServiceTracker::JainPerWindow() const {
  std::vector<double> out;
  for (size_t w = 0; w < service_.size(); ++w) {
    double begin = double(w) * window_, end = std::min(begin + window_, horizon_);
    if (end - begin < window_ * 0.999) continue;  // a partial last window
    double sum = 0, squares = 0;
    size_t n = 0;
    for (uint32_t t = 0; t < tenants_; ++t) {
      bool throughout = std::any_of(backlog_[t].begin(), backlog_[t].end(), [&](const auto& iv) {
        return iv.first <= begin && iv.second >= end;
      });
      if (!throughout) continue;
      sum += service_[w][t];
      squares += service_[w][t] * service_[w][t];
      ++n;
    }
    if (n >= 2) out.push_back(squares > 0 ? sum * sum / (double(n) * squares) : 1.0);
  }
  return out;
}

double ServiceTracker::jain_mean() const {
  auto j = JainPerWindow();
  if (j.empty()) return 1;
  double sum = 0;
  for (double x : j) sum += x;
  return sum / double(j.size());
}

double ServiceTracker::jain_min() const {
  auto j = JainPerWindow();
  return j.empty() ? 1 : *std::min_element(j.begin(), j.end());
}

size_t ServiceTracker::windows() const { return JainPerWindow().size(); }

}  // namespace sluice::sim
