#pragma once
// The queue requests wait in while a pool is saturated (issue 6): strict priority bands, and inside
// a band Virtual Token Counter fairness between tenants (Sheng et al., OSDI'24; the algorithm is in
// ../shared/reference/llm-scheduling.md §5.1). Each tenant has a counter of the service it got,
// charged w_in × input tokens at dispatch and w_out × output tokens as its streams progress,
// divided by the tenant's weight; the next request comes from the backlogged tenant with the
// smallest counter. A tenant that becomes backlogged is lifted to the smallest counter among the
// others, so idle time is not saved up. Bounded: when full, the newest request of the lowest band
// below the newcomer's is shed. Sans-I/O and single-threaded: the caller locks and wakes waiters.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::flow {

struct FairQueueOptions {
  double input_weight = 1.0;   // w_in: per prompt token, charged at dispatch
  double output_weight = 2.0;  // w_out: per output token, charged as it is produced
  size_t max_queued = 1024;
};

class FairQueue {
 public:
  using Id = uint64_t;
  using Time = std::chrono::steady_clock::time_point;

  struct Item {
    Id id = 0;
    std::string tenant;
    int priority = 0;   // higher bands are always served first
    double weight = 1;  // the tenant's share relative to others (> 0)
    uint64_t input_tokens = 0;
    Time deadline = Time::max();
  };

  explicit FairQueue(FairQueueOptions options = {}) : options_(options) {}
  // New weights and bound (a reload); what is queued and the counters stay.
  void set_options(FairQueueOptions options) { options_ = options; }

  // Queues `item` (its id must be unused). When the queue is full, returns the id of the request
  // that must leave instead: the newest of the heaviest tenant in the lowest band below the
  // item's, or the item itself when no band is lower. nullopt: queued, nothing shed.
  std::optional<Id> Push(Item item);
  // The next request to dispatch, charged to its tenant; nullopt when empty.
  std::optional<Item> Pop();
  // Prompt tokens of a queued item the pool probably caches (the prefix index's longest match).
  using CachedTokens = std::function<uint64_t(const Item&)>;
  // DLPM-style locality (Cao et al., arXiv 2501.14312; llm-scheduling.md §5.2), in counter form:
  // a tenant's deficit is how far its counter is below the least counter of the band plus
  // `quantum`. Among the tenants of the highest band with a positive deficit, the request with
  // the most cached prompt tokens goes first (looking at the first `lookahead` of each tenant),
  // ties to the tenant Pop would choose, then to that tenant's older request; it is charged w_in
  // x its uncached tokens (what the server computes). A tenant's cache hits are thus served
  // together until it is `quantum` ahead of the least-served; with no hits this is Pop.
  std::optional<Item> PopLocal(const CachedTokens& cached, double quantum, size_t lookahead = 16);
  // A request that goes at once without joining (there was room for it): lifted as if it had
  // joined, then charged its input like a popped one.
  void Admit(const Item& item);
  // The next request of a tenant that has no other request waiting and that `may` accepts (who
  // may take a reserved slot): highest band first, then least counter; nullopt when none.
  using TenantFilter = std::function<bool(const std::string& tenant)>;
  std::optional<Item> PopSingle(const TenantFilter& may = nullptr);
  // Takes a request out (its client left, or it was dispatched elsewhere). False if not queued.
  bool Remove(Id id);
  // Takes out and returns every request whose deadline has passed.
  std::vector<Id> Expire(Time now);
  // Output produced for `tenant` (charged as a stream progresses).
  void ChargeOutput(std::string_view tenant, uint64_t tokens, double weight = 1);

  double counter(std::string_view tenant) const;
  size_t size() const { return where_.size(); }
  size_t queued(const std::string& tenant) const {
    auto it = queued_.find(tenant);
    return it == queued_.end() ? 0 : it->second;
  }
  size_t size(int priority) const;

 private:
  using Band = std::map<std::string, std::deque<Item>, std::less<>>;  // tenants with items
  using Bands = std::map<int, Band, std::greater<>>;                  // highest priority first
  void Lift(const std::string& tenant);
  Item Take(Bands::iterator band, Band::iterator tenant, size_t pos, uint64_t charged_tokens);
  void Erase(int priority, const std::string& tenant, Id id);

  FairQueueOptions options_;
  Bands bands_;
  std::unordered_map<std::string, double> counters_;
  std::unordered_map<std::string, size_t> queued_;  // per tenant, over all bands
  struct Where {
    int priority;
    std::string tenant;
  };
  std::unordered_map<Id, Where> where_;
};

}  // namespace sluice::flow
