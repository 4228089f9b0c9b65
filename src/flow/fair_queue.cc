#include "flow/fair_queue.h"

#include <algorithm>
#include <limits>

namespace sluice::flow {

void FairQueue::Lift(const std::string& tenant) {
  double least = std::numeric_limits<double>::infinity();
  for (const auto& [other, n] : queued_)
    if (n > 0 && other != tenant) least = std::min(least, counters_[other]);
  if (least == std::numeric_limits<double>::infinity()) return;  // nobody else waits: keep it
  double& c = counters_[tenant];
  c = std::max(c, least);
}

std::optional<FairQueue::Id> FairQueue::Push(Item item) {
  if (size() >= options_.max_queued) {
    if (bands_.empty() || std::prev(bands_.end())->first >= item.priority) return item.id;
    auto lowest = std::prev(bands_.end());
    // The heaviest tenant of the lowest band gives up its newest request.
    Band& band = lowest->second;
    auto heaviest = std::max_element(band.begin(), band.end(), [&](const auto& a, const auto& b) {
      return counters_[a.first] < counters_[b.first];
    });
    Id shed = heaviest->second.back().id;
    Erase(lowest->first, heaviest->first, shed);
    Push(std::move(item));
    return shed;
  }
  if (queued_[item.tenant]++ == 0) Lift(item.tenant);
  where_[item.id] = {item.priority, item.tenant};
  std::string tenant = item.tenant;
  bands_[item.priority][tenant].push_back(std::move(item));
  return std::nullopt;
}

std::optional<FairQueue::Item> FairQueue::Pop() {
  if (bands_.empty()) return std::nullopt;
  auto band_it = bands_.begin();
  Band& band = band_it->second;
  // Least counter first; ties go to the first tenant by name (deterministic).
  auto next = std::min_element(band.begin(), band.end(), [&](const auto& a, const auto& b) {
    return counters_[a.first] < counters_[b.first];
  });
  return Take(band_it, next, 0, next->second.front().input_tokens);
}

std::optional<FairQueue::Item> FairQueue::PopSingle(const TenantFilter& may) {
  for (auto band_it = bands_.begin(); band_it != bands_.end(); ++band_it) {
    Band& band = band_it->second;
    auto next = band.end();
    for (auto it = band.begin(); it != band.end(); ++it)
      if (queued_[it->first] == 1 && (!may || may(it->first)) &&
          (next == band.end() || counters_[it->first] < counters_[next->first]))
        next = it;
    if (next != band.end()) return Take(band_it, next, 0, next->second.front().input_tokens);
  }
  return std::nullopt;
}

FairQueue::Item FairQueue::Take(Bands::iterator band_it, Band::iterator tenant, size_t pos,
                                uint64_t charged_tokens) {
  Band& band = band_it->second;
  auto& q = tenant->second;
  Item item = std::move(q[pos]);
  q.erase(q.begin() + static_cast<std::ptrdiff_t>(pos));
  if (q.empty()) band.erase(tenant);
  if (band.empty()) bands_.erase(band_it);
  where_.erase(item.id);
  --queued_[item.tenant];
  counters_[item.tenant] +=
      options_.input_weight * static_cast<double>(charged_tokens) / std::max(item.weight, 1e-9);
  return item;
}

std::optional<FairQueue::Item> FairQueue::PopLocal(const CachedTokens& cached, double quantum,
                                                   size_t lookahead) {
  if (bands_.empty()) return std::nullopt;
  Band& band = bands_.begin()->second;
  double least = std::numeric_limits<double>::infinity();
  for (const auto& [tenant, q] : band) least = std::min(least, counters_[tenant]);
  // Eligible tenants in the order Pop would serve them (least counter, then name).
  std::vector<Band::iterator> eligible;
  for (auto it = band.begin(); it != band.end(); ++it)
    if (counters_[it->first] == least || counters_[it->first] < least + quantum)
      eligible.push_back(it);
  std::stable_sort(eligible.begin(), eligible.end(), [&](const auto& a, const auto& b) {
    return counters_[a->first] < counters_[b->first];
  });
  Band::iterator best = eligible.front();
  size_t best_pos = 0;
  uint64_t best_cached = 0;
  bool found = false;
  for (auto it : eligible) {
    size_t n = std::min(it->second.size(), lookahead);
    for (size_t i = 0; i < n; ++i) {
      const Item& item = it->second[i];
      uint64_t c = cached ? std::min(cached(item), item.input_tokens) : 0;
      if (!found || c > best_cached) {
        best = it;
        best_pos = i;
        best_cached = c;
        found = true;
      }
    }
  }
  return Take(bands_.begin(), best, best_pos, best->second[best_pos].input_tokens - best_cached);
}

void FairQueue::Admit(const Item& item) {
  if (queued(item.tenant) == 0) Lift(item.tenant);
  counters_[item.tenant] +=
      options_.input_weight * static_cast<double>(item.input_tokens) / std::max(item.weight, 1e-9);
}

void FairQueue::Erase(int priority, const std::string& tenant, Id id) {
  auto band_it = bands_.find(priority);
  if (band_it == bands_.end()) return;
  auto queue_it = band_it->second.find(tenant);
  if (queue_it == band_it->second.end()) return;
  auto& q = queue_it->second;
  auto it = std::find_if(q.begin(), q.end(), [&](const Item& i) { return i.id == id; });
  if (it == q.end()) return;
  q.erase(it);
  where_.erase(id);
  // Before the tenant's entry goes: `tenant` may be a reference to its key.
  --queued_[tenant];
  if (q.empty()) band_it->second.erase(queue_it);
  if (band_it->second.empty()) bands_.erase(band_it);
}

bool FairQueue::Remove(Id id) {
  auto it = where_.find(id);
  if (it == where_.end()) return false;
  Where w = it->second;
  Erase(w.priority, w.tenant, id);
  return true;
}

std::vector<FairQueue::Id> FairQueue::Expire(Time now) {
  std::vector<Id> expired;
  for (const auto& [priority, band] : bands_)
    for (const auto& [tenant, q] : band)
      for (const Item& i : q)
        if (i.deadline <= now) expired.push_back(i.id);
  for (Id id : expired) Remove(id);
  return expired;
}

void FairQueue::ChargeOutput(std::string_view tenant, uint64_t tokens, double weight) {
  counters_[std::string(tenant)] +=
      options_.output_weight * static_cast<double>(tokens) / std::max(weight, 1e-9);
}

double FairQueue::counter(std::string_view tenant) const {
  auto it = counters_.find(std::string(tenant));
  return it == counters_.end() ? 0 : it->second;
}

size_t FairQueue::size(int priority) const {
  auto it = bands_.find(priority);
  if (it == bands_.end()) return 0;
  size_t n = 0;
  for (const auto& [tenant, q] : it->second) n += q.size();
  return n;
}

}  // namespace sluice::flow
