#include "sim/gateway_queue.h"

#include <limits>
#include <unordered_map>
#include <utility>

#include "flow/fair_queue.h"

namespace sluice::sim {
namespace {

class Fifo : public GatewayQueue {
 public:
  bool Push(uint32_t id, const SimRequest& r, double) override {
    queue_.push_back({id, r.tenant});
    ++queued_[r.tenant];
    return true;
  }
  std::optional<uint32_t> Pop(const Cached&) override {
    if (queue_.empty()) return std::nullopt;
    auto [id, tenant] = queue_.front();
    queue_.pop_front();
    --queued_[tenant];
    return id;
  }
  bool Backlogged(uint32_t tenant) const override {
    auto it = queued_.find(tenant);
    return it != queued_.end() && it->second > 0;
  }
  size_t size() const override { return queue_.size(); }

 private:
  std::deque<std::pair<uint32_t, uint32_t>> queue_;  // id, tenant
  std::unordered_map<uint32_t, size_t> queued_;      // per tenant
};

// Requests per sliding minute per tenant, in front of a FIFO.
class RateLimited : public Fifo {
 public:
  RateLimited(double per_minute, size_t tenants) : limit_(per_minute), admitted_(tenants) {}
  bool Push(uint32_t id, const SimRequest& r, double now) override {
    auto& times = admitted_[r.tenant];
    while (!times.empty() && times.front() <= now - 60) times.pop_front();
    if (double(times.size()) >= limit_) return false;
    times.push_back(now);
    return Fifo::Push(id, r, now);
  }

 private:
  double limit_;
  std::vector<std::deque<double>> admitted_;
};

// VTC (and DLPM when quantum >= 0) over flow::FairQueue, one priority band.
class Fair : public GatewayQueue {
 public:
  Fair(const std::vector<TenantSpec>& tenants, double quantum) : quantum_(quantum) {
    for (const auto& t : tenants) {
      index_[t.name] = static_cast<uint32_t>(names_.size());
      names_.push_back(t.name);
      weights_.push_back(t.weight);
    }
  }
  bool Push(uint32_t id, const SimRequest& r, double) override {
    queue_.Push(ItemOf(id, r));  // nothing is shed: the queue is unbounded here
    return true;
  }
  void Admit(uint32_t id, const SimRequest& r) override { queue_.Admit(ItemOf(id, r)); }
  std::optional<uint32_t> PopSingle(const std::function<bool(uint32_t)>& may) override {
    auto item = queue_.PopSingle([&](const std::string& tenant) { return may(index_.at(tenant)); });
    if (!item) return std::nullopt;
    return static_cast<uint32_t>(item->id);
  }
  bool Backlogged(uint32_t tenant) const override { return queue_.queued(names_[tenant]) > 0; }
  std::optional<uint32_t> Pop(const Cached& cached) override {
    auto item = quantum_ < 0 ? queue_.Pop()
                             : queue_.PopLocal(
                                   [&](const flow::FairQueue::Item& i) {
                                     return cached(static_cast<uint32_t>(i.id));
                                   },
                                   quantum_);
    if (!item) return std::nullopt;
    return static_cast<uint32_t>(item->id);
  }
  void OnOutput(uint32_t tenant, uint64_t tokens) override {
    queue_.ChargeOutput(names_[tenant], tokens, weights_[tenant]);
  }
  size_t size() const override { return queue_.size(); }

 private:
  flow::FairQueue::Item ItemOf(uint32_t id, const SimRequest& r) const {
    flow::FairQueue::Item item;
    item.id = id;
    item.tenant = names_[r.tenant];
    item.weight = weights_[r.tenant];
    item.input_tokens = r.prompt_tokens;
    return item;
  }

  flow::FairQueue queue_{{kInputWeight, kOutputWeight, std::numeric_limits<size_t>::max()}};
  double quantum_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> index_;  // name -> tenant
  std::vector<double> weights_;
};

}  // namespace

std::optional<PolicySpec> ParsePolicySpec(const std::string& text) {
  PolicySpec p;
  p.name = text;
  std::string kind = text.substr(0, text.find(':'));
  std::string arg = text.find(':') == std::string::npos ? "" : text.substr(text.find(':') + 1);
  double value = 0;
  if (!arg.empty()) {
    try {
      size_t used = 0;
      value = std::stod(arg, &used);
      if (used != arg.size() || value < 0) return std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
  }
  if (kind == "fcfs" && arg.empty()) {
    p.kind = PolicySpec::kFcfs;
  } else if (kind == "vtc" && arg.empty()) {
    p.kind = PolicySpec::kVtc;
  } else if (kind == "direct" && arg.empty()) {
    p.kind = PolicySpec::kDirect;
  } else if (kind == "rpm" && value > 0) {
    p.kind = PolicySpec::kRpm;
    p.limit = value;
  } else if (kind == "dlpm") {
    p.kind = PolicySpec::kDlpm;
    p.limit = arg.empty() ? 4096 : value;
  } else {
    return std::nullopt;
  }
  return p;
}

std::unique_ptr<GatewayQueue> MakeGatewayQueue(const PolicySpec& policy,
                                               const std::vector<TenantSpec>& tenants) {
  switch (policy.kind) {
    case PolicySpec::kVtc:
      return std::make_unique<Fair>(tenants, -1);
    case PolicySpec::kDlpm:
      return std::make_unique<Fair>(tenants, policy.limit);
    case PolicySpec::kRpm:
      return std::make_unique<RateLimited>(policy.limit, tenants.size());
    case PolicySpec::kFcfs:
    case PolicySpec::kDirect:
      break;
  }
  return std::make_unique<Fifo>();
}

}  // namespace sluice::sim
