#include "proxy/flow_pool.h"

#include <boost/asio/post.hpp>
#include <cstdio>

#include "telemetry/metrics.h"

namespace sluice::proxy {

using namespace std::chrono_literals;

namespace {

flow::FairQueueOptions QueueOptions(const config::ModelQueue& q) {
  flow::FairQueueOptions o;
  o.input_weight = q.input_weight;
  o.output_weight = q.output_weight;
  o.max_queued = q.max_queued;
  return o;
}

}  // namespace

FlowPool::FlowPool(const config::Model& model, const routing::Route& route, FlowPoolLinks links)
    : model_(model.name), queue_(QueueOptions(model.queue)) {
  for (const auto& t : route.targets) {
    names_.push_back(t.provider->name);
    scraped_.push_back(!t.provider->metrics.type.empty());
  }
  attempts_.assign(names_.size(), 0);
  gauges_.assign(names_.size(), {});
  since_scrape_.assign(names_.size(), 0);
  ConfigureLocked(model, std::move(links));
}

bool FlowPool::SameEndpoints(const routing::Route& route) const {
  if (route.targets.size() != names_.size()) return false;
  for (size_t i = 0; i < names_.size(); ++i)
    if (route.targets[i].provider->name != names_[i]) return false;
  return true;
}

void FlowPool::Configure(const config::Model& model, FlowPoolLinks links) {
  std::lock_guard lock(mutex_);
  ConfigureLocked(model, std::move(links));
}

void FlowPool::ConfigureLocked(const config::Model& model, FlowPoolLinks links) {
  quotas_.clear();
  for (const auto& name : names_) {
    auto it = links.quotas.find(name);
    quotas_.push_back(it == links.quotas.end() ? nullptr : it->second);
  }
  locality_ = model.queue.locality;
  quantum_ = model.queue.quantum;
  llm_ = std::move(links.llm);
  thresholds_.queue_depth = model.queue.queue_depth;
  thresholds_.kv_cache = model.queue.kv_cache;
  thresholds_.max_concurrency = model.queue.max_concurrency;
  fair_ = model.queue.fair;
  // Under fcfs every request is one tenant's, so there is nobody for the reserve to favour.
  reserve_ = fair_ ? model.queue.reserve : 0;
  replicas_ = std::move(links.replicas);
  replicas_.resize(names_.size());
  // The fair queue keeps its waiters and counters; a reload changes only what comes next.
  queue_.set_options(QueueOptions(model.queue));
}

std::vector<flow::EndpointSignals> FlowPool::SignalsLocked(const std::vector<bool>& available,
                                                           Time now) {
  std::vector<flow::EndpointSignals> s(names_.size());
  for (size_t e = 0; e < s.size(); ++e) {
    s[e] = HardSignalsLocked(e, now);
    s[e].available = e >= available.size() || available[e];
    if (const auto& replica = replicas_[e]) {  // in-process: read live
      s[e].scraped = true;
      s[e].gauges_at = now;
      s[e].waiting = replica->waiting(now);
      s[e].kv_usage = replica->kv_usage();
    } else if (scraped_[e]) {
      s[e].scraped = true;
      s[e].gauges_at = gauges_[e].valid ? gauges_[e].at : Time{};
      s[e].waiting = gauges_[e].waiting + since_scrape_[e];
      s[e].kv_usage = gauges_[e].kv_usage;
    }
  }
  // Grants not yet on an endpoint will land on the least loaded ones: count them there, so a burst
  // of grants cannot overfill the pool before its attempts start (or its gauges are scraped).
  for (int64_t p = 0; p < pending_; ++p) {
    flow::EndpointSignals* least = nullptr;
    for (auto& e : s)
      if (e.available && !e.quota_exhausted && (!least || e.in_flight < least->in_flight))
        least = &e;
    if (!least) break;
    ++least->in_flight;
    least->waiting += 1;
  }
  return s;
}

bool FlowPool::SaturatedLocked(const std::vector<bool>& available, Time now, bool reserved) {
  auto signals = SignalsLocked(available, now);
  stats_.saturation = flow::PoolSaturation(signals, thresholds_, now);
  return stats_.saturation >= 1.0 || (!reserved && InReserveLocked(signals));
}

bool FlowPool::InReserveLocked(const std::vector<flow::EndpointSignals>& signals) const {
  if (reserve_ == 0) return false;
  uint64_t in_flight = 0, up = 0;
  for (const auto& s : signals)
    if (s.available) {
      in_flight += s.in_flight;
      ++up;
    }
  // With targets ejected the reserve shrinks in proportion, so it never takes every slot left
  // (check-config keeps it below all of them).
  return in_flight + ReserveFor(up) >= up * thresholds_.max_concurrency;
}

uint64_t FlowPool::ReserveFor(uint64_t up) const {
  return uint64_t{reserve_} * up / std::max<size_t>(names_.size(), 1);
}

void FlowPool::ArriveLocked(const std::string& tenant) { ++tenants_[tenant].present; }

void FlowPool::GrantLocked(const std::string& tenant) {
  ++tenants_[tenant].granted;
  ++granted_;
  ++pending_;
}

void FlowPool::LeaveLocked(const std::string& tenant, bool was_granted) {
  if (was_granted) --granted_;
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return;
  if (was_granted && it->second.granted > 0) --it->second.granted;
  if (--it->second.present == 0) tenants_.erase(it);
}

bool FlowPool::UnderShareLocked(const std::string& tenant, const std::vector<bool>& available) {
  uint64_t up = 0;
  for (size_t e = 0; e < names_.size(); ++e) up += e >= available.size() || available[e];
  uint64_t slots = up * thresholds_.max_concurrency - ReserveFor(up);
  auto it = tenants_.find(tenant);
  uint64_t active = tenants_.size() + (it == tenants_.end() ? 1 : 0);
  uint64_t granted = it == tenants_.end() ? 0 : it->second.granted;
  return granted * active < slots;
}

FlowPool::Entry FlowPool::Enter(Id id, const FlowRequest& request,
                                std::shared_ptr<QueueWaiter> waiter,
                                const std::vector<bool>& available, Time now) {
  flow::FairQueue::Item item;
  item.id = id;
  item.tenant = fair_ ? request.tenant : std::string();
  item.priority = request.priority;
  item.weight = request.weight;
  item.input_tokens = request.input_tokens;
  item.deadline = request.deadline;
  std::vector<std::shared_ptr<QueueWaiter>> wake;
  Entry entry;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() == 0 && !SaturatedLocked(available, now)) {
      // Through the queue all the same, so the tenant's counter is charged and lifted as VTC says.
      queue_.Push(std::move(item));
      queue_.Pop();
      ArriveLocked(request.tenant);
      GrantLocked(request.tenant);
      ++stats_.results["direct"];
      return Entry::kGranted;
    }
    if (request.priority < 0) {
      ++stats_.results["refused"];
      return Entry::kRefused;
    }
    // A tenant with nothing waiting, under its share, takes a reserved slot instead of waiting
    // for the next completion (a light tenant's latency, bought with the reserve's share of
    // throughput).
    if (reserve_ > 0 && queue_.queued(item.tenant) == 0 &&
        UnderShareLocked(request.tenant, available) &&
        !SaturatedLocked(available, now, /*reserved=*/true)) {
      queue_.Admit(item);
      ArriveLocked(request.tenant);
      GrantLocked(request.tenant);
      ++stats_.results["reserved"];
      return Entry::kGranted;
    }
    std::optional<Id> shed = queue_.Push(std::move(item));
    if (shed && *shed == id) {
      ++stats_.results["refused"];
      return Entry::kRefused;
    }
    waiting_[id] = {std::move(waiter), request.priority, now, request.tenant, request.prefix};
    ArriveLocked(request.tenant);
    ++stats_.depth[request.priority];
    entry = Entry::kQueued;
    if (shed) {
      auto it = waiting_.find(*shed);
      if (it != waiting_.end()) {
        it->second.waiter->state = QueueWaiter::kShed;
        --stats_.depth[it->second.priority];
        wake.push_back(std::move(it->second.waiter));
        LeaveLocked(it->second.tenant, false);
        waiting_.erase(it);
        ++stats_.results["shed"];
      }
    }
    // A request may arrive just as the pool frees up: dispatch what fits now.
    auto granted = DispatchLocked(available, now);
    wake.insert(wake.end(), granted.begin(), granted.end());
  }
  Wake(wake);
  return entry;
}

bool FlowPool::Leave(Id id, bool timed_out) {
  std::lock_guard lock(mutex_);
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return false;
  queue_.Remove(id);
  --stats_.depth[it->second.priority];
  LeaveLocked(it->second.tenant, false);
  waiting_.erase(it);
  ++stats_.results[timed_out ? "timeout" : "cancelled"];
  return true;
}

void FlowPool::Poll(const std::vector<bool>& available, Time now) {
  std::vector<std::shared_ptr<QueueWaiter>> wake;
  {
    std::lock_guard lock(mutex_);
    if (now - last_poll_ < 5ms) return;
    last_poll_ = now;
    wake = DispatchLocked(available, now);
  }
  Wake(wake);
}

void FlowPool::Release(const std::string& tenant, bool started, const std::vector<bool>& available,
                       Time now) {
  std::vector<std::shared_ptr<QueueWaiter>> wake;
  {
    std::lock_guard lock(mutex_);
    LeaveLocked(tenant, true);
    if (!started) --pending_;
    wake = DispatchLocked(available, now);
  }
  Wake(wake);
}

std::vector<std::shared_ptr<QueueWaiter>> FlowPool::DispatchLocked(
    const std::vector<bool>& available, Time now) {
  std::vector<std::shared_ptr<QueueWaiter>> wake;
  while (queue_.size() > 0) {
    std::optional<flow::FairQueue::Item> item;
    if (!SaturatedLocked(available, now))
      item = PopLocked(available, now);
    else if (reserve_ > 0 && !SaturatedLocked(available, now, /*reserved=*/true))
      item = queue_.PopSingle([&](const std::string& tenant) {  // a reserved slot
        return UnderShareLocked(tenant, available);
      });
    if (!item) break;
    auto it = waiting_.find(item->id);
    if (it == waiting_.end()) continue;  // cannot happen: every queued id has a waiter
    it->second.waiter->state = QueueWaiter::kGranted;
    --stats_.depth[it->second.priority];
    stats_.wait.Observe(std::chrono::duration<double>(now - it->second.since).count());
    ++stats_.results["dispatched"];
    wake.push_back(std::move(it->second.waiter));
    GrantLocked(it->second.tenant);
    waiting_.erase(it);
  }
  return wake;
}

std::optional<flow::FairQueue::Item> FlowPool::PopLocked(const std::vector<bool>& available,
                                                         Time now) {
  if (!locality_ || !llm_) return queue_.Pop();
  // Where the request will go: endpoints with room now.
  auto signals = SignalsLocked(available, now);
  std::vector<bool> room(signals.size());
  for (size_t e = 0; e < room.size(); ++e)
    room[e] = signals[e].available && !flow::EndpointFull(signals[e], thresholds_) &&
              flow::EndpointUtilisation(signals[e], thresholds_, now) < 1;
  auto cached = [&](const flow::FairQueue::Item& item) -> uint64_t {
    auto it = waiting_.find(item.id);
    return it == waiting_.end() ? 0 : llm_->CachedTokens(it->second.prefix, room);
  };
  return queue_.PopLocal(cached, quantum_);
}

void FlowPool::Wake(const std::vector<std::shared_ptr<QueueWaiter>>& waiters) {
  // The timer belongs to the waiter's worker: cancel it there.
  for (const auto& w : waiters) boost::asio::post(w->executor, [w] { w->timer.cancel(); });
}

void FlowPool::AttemptStarted(size_t e, bool first_of_grant) {
  std::lock_guard lock(mutex_);
  if (e < attempts_.size()) {
    ++attempts_[e];
    ++since_scrape_[e];
  }
  if (first_of_grant && pending_ > 0) --pending_;
}

void FlowPool::AttemptEnded(size_t e) {
  std::lock_guard lock(mutex_);
  if (e < attempts_.size() && attempts_[e] > 0) --attempts_[e];
}

flow::EndpointSignals FlowPool::HardSignalsLocked(size_t e, Time now) {
  flow::EndpointSignals s;
  s.in_flight = attempts_[e];
  if (quotas_[e])
    s.quota_exhausted = quotas_[e]->With([&](flow::ProviderQuota& q) { return q.Exhausted(now); });
  return s;
}

std::vector<bool> FlowPool::FullEndpoints(Time now) {
  std::lock_guard lock(mutex_);
  std::vector<bool> full(names_.size());
  for (size_t e = 0; e < full.size(); ++e)
    full[e] = flow::EndpointFull(HardSignalsLocked(e, now), thresholds_);
  return full;
}

void FlowPool::ChargeOutput(const std::string& tenant, uint64_t tokens, double weight) {
  if (tokens == 0) return;
  std::lock_guard lock(mutex_);
  queue_.ChargeOutput(fair_ ? tenant : std::string(), tokens, weight);
}

void FlowPool::QuotaDispatched(size_t e, uint64_t tokens, Time now) {
  std::lock_guard lock(mutex_);
  if (e < quotas_.size() && quotas_[e])
    quotas_[e]->With([&](flow::ProviderQuota& q) { q.OnDispatch(tokens, now); });
}

void FlowPool::QuotaReconcile(size_t e, uint64_t expected, uint64_t actual) {
  std::lock_guard lock(mutex_);
  if (e < quotas_.size() && quotas_[e])
    quotas_[e]->With([&](flow::ProviderQuota& q) { q.Reconcile(expected, actual); });
}

FlowPool::Time FlowPool::RetryAt(Time now) {
  std::lock_guard lock(mutex_);
  Time at = Time::max();
  for (const auto& shared : quotas_) {
    if (!shared) continue;
    std::optional<Time> refill = shared->With([&](flow::ProviderQuota& q) -> std::optional<Time> {
      if (!q.Exhausted(now)) return std::nullopt;
      return q.RefillsAt(now);
    });
    if (!refill) return now + 1s;  // some quota is left: capacity, not quota, is short
    at = std::min(at, *refill);
  }
  return at == Time::max() ? now + 1s : std::max(at, now + 1s);
}

void FlowPool::UpdateGauges(std::string_view provider, const routing::EndpointMetrics& metrics) {
  std::lock_guard lock(mutex_);
  for (size_t e = 0; e < names_.size(); ++e)
    if (names_[e] == provider) {
      gauges_[e] = metrics;
      since_scrape_[e] = 0;
    }
}

QueueStats FlowPool::Stats() {
  std::lock_guard lock(mutex_);
  QueueStats s = stats_;
  s.granted = granted_;
  return s;
}

void RenderQueueMetrics(std::string& out, const std::map<std::string, QueueStats>& by_model) {
  using telemetry::AppendMetricHead;
  using telemetry::AppendSample;
  if (by_model.empty()) return;
  auto model_label = [](const std::string& model) {
    return "model=\"" + telemetry::EscapeLabel(model) + "\"";
  };
  AppendMetricHead(out, "sluice_queue_depth", "gauge",
                   "Requests waiting in a model's fair queue, by priority band.");
  for (const auto& [model, s] : by_model)
    for (const auto& [priority, n] : s.depth)
      AppendSample(out, "sluice_queue_depth",
                   model_label(model) + ",priority=\"" + std::to_string(priority) + "\"",
                   std::to_string(n));
  AppendMetricHead(out, "sluice_queue_granted", "gauge",
                   "Requests of a queued model being served (holding a grant).");
  for (const auto& [model, s] : by_model)
    AppendSample(out, "sluice_queue_granted", model_label(model), std::to_string(s.granted));
  AppendMetricHead(
      out, "sluice_queue_saturation", "gauge",
      "Mean endpoint utilisation of a queued model's pool at its last check (1 = saturated).");
  for (const auto& [model, s] : by_model) {
    char value[32];
    std::snprintf(value, sizeof value, "%.4g", s.saturation);
    AppendSample(out, "sluice_queue_saturation", model_label(model), value);
  }
  AppendMetricHead(out, "sluice_queue_requests_total", "counter",
                   "Requests through a fair queue by result: direct (no wait), reserved (no wait, "
                   "on a reserved slot), dispatched (after waiting), shed, refused, timeout, "
                   "cancelled.");
  for (const auto& [model, s] : by_model)
    for (const auto& [result, n] : s.results)
      AppendSample(out, "sluice_queue_requests_total",
                   model_label(model) + ",result=\"" + result + "\"", std::to_string(n));
  AppendMetricHead(out, "sluice_queue_wait_seconds", "histogram",
                   "Time dispatched requests waited in the queue.");
  for (const auto& [model, s] : by_model)
    telemetry::AppendHistogramSeries(out, "sluice_queue_wait_seconds", model_label(model) + ",",
                                     s.wait);
}

}  // namespace sluice::proxy
