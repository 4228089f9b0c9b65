#pragma once
// Fair queueing in the request path (docs/fairness.md). A model with `queue` has one FlowPool,
// shared by every worker and carried over reloads that keep its endpoints. A request asks the pool
// for a grant before its first attempt: granted at once while nothing waits and the pool has room
// (src/flow/saturation.h), otherwise queued in the fair queue (src/flow/fair_queue.h) until a
// finishing request, a poll or a refilled quota lets it go. A grant is held until the request
// ends; its attempts are counted per endpoint for the concurrency cap. Everything takes one short
// lock; waiters on other workers are woken by posting to their executor.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "flow/fair_queue.h"
#include "flow/provider_quota.h"
#include "flow/saturation.h"
#include "providers/sim/sim_replica.h"
#include "proxy/llm_routing.h"
#include "routing/pool_state.h"
#include "routing/route_table.h"
#include "telemetry/histogram.h"

namespace sluice::proxy {

using FlowClock = std::chrono::steady_clock;

// A request waiting in a FlowPool. Its timer belongs to the worker that serves the request; other
// workers wake it by posting a cancel to that executor.
struct QueueWaiter {
  explicit QueueWaiter(boost::asio::any_io_executor ex) : executor(ex), timer(ex) {}
  enum State { kWaiting, kGranted, kShed };
  boost::asio::any_io_executor executor;
  boost::asio::steady_timer timer;
  std::atomic<int> state{kWaiting};
};

// A provider's quota (providers[].quota), shared by every queued model that sends to it, so that
// two models on one provider cannot each spend the whole quota. Its lock is taken inside a pool's,
// never the other way round.
class SharedQuota {
 public:
  SharedQuota(uint64_t requests_per_minute, uint64_t tokens_per_minute)
      : rpm_(requests_per_minute), tpm_(tokens_per_minute), quota_(rpm_, tpm_) {}
  bool SameLimits(const config::Provider& p) const {
    return p.quota_requests_per_minute == rpm_ && p.quota_tokens_per_minute == tpm_;
  }
  template <class F>
  auto With(F&& f) {
    std::lock_guard lock(mutex_);
    return f(quota_);
  }

 private:
  const uint64_t rpm_, tpm_;
  std::mutex mutex_;
  flow::ProviderQuota quota_;
};
// By provider name: the providers with a quota.
using ProviderQuotas = std::unordered_map<std::string, std::shared_ptr<SharedQuota>>;

// What a pool shares with the rest of the snapshot.
struct FlowPoolLinks {
  // In-process sim replicas per endpoint (route order), read live; null: none.
  std::vector<std::shared_ptr<providers::sim::SimReplica>> replicas;
  ProviderQuotas quotas;
  std::shared_ptr<LlmPool> llm;  // the model's routing pool: its prefix index serves dlpm
};

// What the pool needs to know about a request.
struct FlowRequest {
  std::string tenant;  // fairness key: the consumer, else x-sluice-tenant, else "anonymous"
  int priority = 0;
  double weight = 1;
  uint64_t input_tokens = 0;     // prompt estimate: the VTC charge at dispatch
  uint64_t expected_tokens = 0;  // prompt + max_tokens: what a provider quota is charged
  FlowClock::time_point deadline = FlowClock::time_point::max();
  std::vector<uint64_t> prefix;  // the prompt's block hashes, for queue.policy dlpm
};

// Counters and gauges for /metrics.
struct QueueStats {
  std::map<int, int64_t> depth;              // waiting requests by priority band
  int64_t granted = 0;                       // requests holding a grant (being served)
  double saturation = 0;                     // mean endpoint utilisation at the last check
  std::map<std::string, uint64_t> results;   // direct, reserved, dispatched, shed...
  telemetry::Histogram wait{kWaitBucketsS};  // queue wait of dispatched requests, seconds
  static constexpr double kWaitBucketsS[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,     2.5,  5,     10,   30,  60};
};

// The fair queues' metric families (sluice_queue_*), one series per model (and band).
void RenderQueueMetrics(std::string& out, const std::map<std::string, QueueStats>& by_model);

class FlowPool {
 public:
  using Id = flow::FairQueue::Id;
  using Time = FlowClock::time_point;

  FlowPool(const config::Model& model, const routing::Route& route, FlowPoolLinks links);

  // Same endpoints (provider names, in order) as `route`: the state carries over a reload.
  bool SameEndpoints(const routing::Route& route) const;
  void Configure(const config::Model& model, FlowPoolLinks links);

  enum class Entry { kGranted, kQueued, kRefused };
  // Granted at once when nothing waits and the pool has room. Otherwise queued (the waiter is woken
  // when granted or shed), or refused: a sheddable request (priority < 0) while saturated, or a
  // full queue with nothing of lower priority to shed. `available`: endpoints not ejected, in
  // route order, as the calling worker sees them.
  Entry Enter(Id id, const FlowRequest& request, std::shared_ptr<QueueWaiter> waiter,
              const std::vector<bool>& available, Time now);
  // The waiter stopped waiting (deadline or client gone). False when it was granted meanwhile:
  // the caller then holds a grant and must Release it. `timed_out` picks the result counted.
  bool Leave(Id id, bool timed_out);
  // Re-checks saturation and dispatches what now fits; at most once per 5 ms (waiters poll).
  void Poll(const std::vector<bool>& available, Time now);
  // A granted request of `tenant` ended; `started` when it reached an endpoint (AttemptStarted).
  void Release(const std::string& tenant, bool started, const std::vector<bool>& available,
               Time now);

  // Attempts on endpoint `e` (route order), for the concurrency cap. The first attempt of a grant
  // turns its pending share into that endpoint's.
  void AttemptStarted(size_t e, bool first_of_grant);
  void AttemptEnded(size_t e);
  // Per endpoint (route order): it may take nothing more now (concurrency cap or spent quota).
  std::vector<bool> FullEndpoints(Time now);

  // Virtual Token Counter charges for output, as streams progress and when requests end.
  void ChargeOutput(const std::string& tenant, uint64_t tokens, double weight);

  // Provider quotas (targets with providers[].quota).
  void QuotaDispatched(size_t e, uint64_t tokens, Time now);
  void QuotaReconcile(size_t e, uint64_t expected, uint64_t actual);
  // When a refused or timed-out request should try again: a spent quota's refill, else 1 s.
  Time RetryAt(Time now);

  // New scraped gauges for the endpoint served by `provider`.
  void UpdateGauges(std::string_view provider, const routing::EndpointMetrics& metrics);

  QueueStats Stats();
  const std::string& model() const { return model_; }
  size_t endpoints() const { return names_.size(); }

 private:
  struct Waiting {
    std::shared_ptr<QueueWaiter> waiter;
    int priority;
    Time since;
    std::string tenant;
    std::vector<uint64_t> prefix;
  };
  // A tenant's requests in the pool: `present` waiting or granted, `granted` of them granted.
  struct TenantLoad {
    uint32_t present = 0, granted = 0;
  };
  void ArriveLocked(const std::string& tenant);
  void GrantLocked(const std::string& tenant);
  void LeaveLocked(const std::string& tenant, bool was_granted);
  // May `tenant` take a reserved slot (besides having at most one request waiting): fewer grants
  // than an equal share of the unreserved slots among the tenants with requests in the pool. A
  // flood that filled the pool before its own backlog formed is over its share.
  bool UnderShareLocked(const std::string& tenant, const std::vector<bool>& available);
  void ConfigureLocked(const config::Model& model, FlowPoolLinks links);
  // The next request to grant: VTC's choice, or with queue.policy dlpm the one whose prefix is
  // cached where there is room, within the quantum.
  std::optional<flow::FairQueue::Item> PopLocked(const std::vector<bool>& available, Time now);
  // What the gateway itself counts on endpoint e: its attempts there, and whether its quota is
  // spent.
  flow::EndpointSignals HardSignalsLocked(size_t e, Time now);
  // Every endpoint's signals, gauges included, with pending grants placed on the least loaded.
  std::vector<flow::EndpointSignals> SignalsLocked(const std::vector<bool>& available, Time now);
  // `reserved`: for a request that may take a reserved slot (queue.reserve).
  bool SaturatedLocked(const std::vector<bool>& available, Time now, bool reserved = false);
  // The free concurrency slots are down to the reserve: only a tenant with nothing waiting may go.
  bool InReserveLocked(const std::vector<flow::EndpointSignals>& signals) const;
  // The reserve, shrunk in proportion to the targets that are up (of `up`).
  uint64_t ReserveFor(uint64_t up) const;
  // Grants queued requests, best first, while the pool has room; returns the waiters to wake.
  std::vector<std::shared_ptr<QueueWaiter>> DispatchLocked(const std::vector<bool>& available,
                                                           Time now);
  static void Wake(const std::vector<std::shared_ptr<QueueWaiter>>& waiters);

  std::mutex mutex_;
  std::string model_;
  std::vector<std::string> names_;  // endpoints (provider names), route order
  flow::SaturationThresholds thresholds_;
  flow::FairQueue queue_;
  bool fair_ = true;
  uint32_t reserve_ = 0;   // slots of the pool only a tenant with nothing waiting may take
  bool locality_ = false;  // queue.policy dlpm
  double quantum_ = 4096;
  std::shared_ptr<LlmPool> llm_;
  std::unordered_map<std::string, TenantLoad> tenants_;  // tenants with requests in the pool
  std::unordered_map<Id, Waiting> waiting_;
  int64_t granted_ = 0;             // grants held
  int64_t pending_ = 0;             // grants not yet on an endpoint
  std::vector<uint32_t> attempts_;  // in flight per endpoint
  std::vector<routing::EndpointMetrics> gauges_;
  // Attempts started on each endpoint since its last scrape: its gauges cannot show them yet, so
  // they count as waiting (else every scrape that shows room would let the whole queue through).
  std::vector<uint32_t> since_scrape_;
  std::vector<bool> scraped_;
  std::vector<std::shared_ptr<providers::sim::SimReplica>> replicas_;
  std::vector<std::shared_ptr<SharedQuota>> quotas_;  // per endpoint; null: no quota
  Time last_poll_{};
  QueueStats stats_;
};

}  // namespace sluice::proxy
