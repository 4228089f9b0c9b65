#pragma once
// Fairness measures of one run (docs/fairness.md), over the service each tenant received:
// kInputWeight x prompt tokens when its prefill completes plus kOutputWeight x each output token
// as produced, divided by the tenant's weight. A tenant is backlogged while it has a request
// waiting for its first token (at the gateway or on a server).
// - Jain's index (sum x)^2 / (n sum x^2) of the service in each window of `window` seconds,
//   over the tenants backlogged for the whole window, for windows with at least two of them;
//   reported as the mean and the minimum over those windows.
// - The largest gap in accumulated service: for two tenants backlogged over the same interval,
//   |service of one - service of the other| accrued since both became backlogged, maximised over
//   every such interval and pair (VTC's bound is 2U, U about one request's worth).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::sim {

class ServiceTracker {
 public:
  ServiceTracker(std::vector<double> weights, double window, double horizon);

  // Measures stop at the horizon: later calls are ignored.
  void SetBacklogged(uint32_t tenant, bool backlogged, double now);
  void AddService(uint32_t tenant, double weighted_tokens, double now);

  double jain_mean() const;  // 1 when no window qualifies
  double jain_min() const;
  size_t windows() const;  // windows with at least two tenants backlogged throughout
  double max_gap() const { return max_gap_; }
  double service(uint32_t tenant) const { return total_[tenant]; }  // divided by its weight

 private:
  std::vector<double> JainPerWindow() const;

  std::vector<double> weights_;
  double window_, horizon_;
  size_t tenants_;
  std::vector<std::vector<double>> service_;  // [window][tenant]
  // Per tenant, intervals [start, end) during which it was backlogged.
  std::vector<std::vector<std::pair<double, double>>> backlog_;
  std::vector<bool> backlogged_;
  std::vector<double> total_;
  std::vector<double> base_;  // [i * n + j]: total_i - total_j when both became backlogged
  double max_gap_ = 0;
};

}  // namespace sluice::sim
