#pragma once
// The queue a simulated gateway holds requests in while the pool is saturated, one class per
// scheduling policy of the fairness experiments (docs/fairness.md):
// - fcfs: one FIFO;
// - vtc: flow::FairQueue (Virtual Token Counter), input charged at dispatch, output per token;
// - rpm:N: per-tenant limit of N requests per sliding minute, requests over it rejected at
//   arrival, the rest FIFO (the VTC paper's rate-limit baseline);
// - dlpm / dlpm:Q: flow::FairQueue::PopLocal, VTC with prefix locality within a quantum Q;
// - direct: no gateway queue at all (dispatch at arrival, ignoring saturation), as the gateway
//   routes today.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/request.h"
#include "sim/tenants.h"

namespace sluice::sim {

struct PolicySpec {
  enum Kind { kFcfs, kVtc, kRpm, kDlpm, kDirect } kind = kFcfs;
  double limit = 0;  // rpm: requests per minute per tenant; dlpm: quantum (weighted tokens)
  std::string name;  // as given, for reports
};
std::optional<PolicySpec> ParsePolicySpec(const std::string& text);

// Service weights, shared by the VTC counters and the fairness measures.
constexpr double kInputWeight = 1.0, kOutputWeight = 2.0;

class GatewayQueue {
 public:
  // Prompt tokens of request `id` the pool probably caches (the gateway's prefix index).
  using Cached = std::function<uint64_t(uint32_t id)>;
  virtual ~GatewayQueue() = default;
  // False: rejected at admission (never enters the system).
  virtual bool Push(uint32_t id, const SimRequest& request, double now) = 0;
  // The next request to dispatch, nullopt when none waits.
  virtual std::optional<uint32_t> Pop(const Cached& cached) = 0;
  // Whether a tenant has requests waiting here.
  virtual bool Backlogged(uint32_t tenant) const = 0;
  // A request sent at once without waiting (a reserved slot), charged as a popped one.
  virtual void Admit(uint32_t id, const SimRequest& request) { (void)id, (void)request; }
  // The next request of a tenant with no other waiting that `may` accepts (a reserved slot).
  virtual std::optional<uint32_t> PopSingle(const std::function<bool(uint32_t tenant)>& may) {
    (void)may;
    return std::nullopt;
  }
  // Output tokens produced for a tenant's request (VTC charges them as they stream).
  virtual void OnOutput(uint32_t tenant, uint64_t tokens) { (void)tenant, (void)tokens; }
  virtual size_t size() const = 0;
};

std::unique_ptr<GatewayQueue> MakeGatewayQueue(const PolicySpec& policy,
                                               const std::vector<TenantSpec>& tenants);

}  // namespace sluice::sim
