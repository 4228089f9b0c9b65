#include "routing/endpoint_health.h"

#include <algorithm>

namespace sluice::routing {

EndpointHealth::State EndpointHealth::state(SteadyTime now) const {
  if (!ejected_) return State::kHealthy;
  return now < ejected_until_ ? State::kEjected : State::kProbing;
}

bool EndpointHealth::Available(const config::Provider& settings, SteadyTime now) const {
  if (circuit_open(settings)) return false;
  switch (state(now)) {
    case State::kHealthy:
      return true;
    case State::kEjected:
      return false;
    case State::kProbing:
      return !probe_in_flight_;
  }
  return true;
}

void EndpointHealth::OnAttemptStart(SteadyTime now) {
  ++in_flight_;
  if (state(now) == State::kProbing) probe_in_flight_ = true;
}

void EndpointHealth::OnAttemptEnd(const config::Provider& settings, bool counts_as_failure,
                                  SteadyTime now) {
  if (in_flight_) --in_flight_;
  bool was_probe = probe_in_flight_ && state(now) == State::kProbing;
  if (was_probe) probe_in_flight_ = false;
  bool rate_says_eject = RecordOutcome(settings.outlier, counts_as_failure);
  if (!counts_as_failure) {
    consecutive_failures_ = 0;
    if (was_probe || (ejected_ && state(now) == State::kProbing)) {
      ejected_ = false;  // proved healthy
      ejections_ = 0;
    }
    return;
  }
  if (rate_says_eject && !was_probe) return Eject(settings, now);
  RecordFailure(settings, was_probe, now);
}

bool EndpointHealth::RecordOutcome(const config::OutlierDetection& o, bool failed) {
  if (o.failure_rate <= 0) return false;
  uint32_t window = std::clamp<uint32_t>(o.window, 2, 64);
  recent_ = (recent_ << 1) | (failed ? 1 : 0);
  if (window < 64) recent_ &= (uint64_t{1} << window) - 1;
  recent_count_ = std::min(recent_count_ + 1, window);
  if (recent_count_ < window) return false;
  return __builtin_popcountll(recent_) >= o.failure_rate * window;
}

void EndpointHealth::OnProbe(const config::Provider& settings, bool ok, SteadyTime now) {
  if (ok) {
    consecutive_failures_ = 0;
    ejected_ = false;
    ejections_ = 0;
    return;
  }
  RecordFailure(settings, /*was_probe=*/state(now) == State::kProbing, now);
}

void EndpointHealth::RecordFailure(const config::Provider& settings, bool was_probe,
                                   SteadyTime now) {
  const auto& o = settings.outlier;
  if (was_probe) return Eject(settings, now);  // failed its trial: out again, for longer
  if (o.consecutive_failures == 0) return;
  if (++consecutive_failures_ < o.consecutive_failures) return;
  Eject(settings, now);
}

void EndpointHealth::Eject(const config::Provider& settings, SteadyTime now) {
  const auto& o = settings.outlier;
  // Eject (again): base * 2^ejections, capped.
  config::Millis duration = o.base_ejection * (int64_t{1} << std::min<uint32_t>(ejections_, 20));
  ejected_until_ = now + std::min(duration, o.max_ejection);
  ejected_ = true;
  ++ejections_;
  consecutive_failures_ = 0;
  recent_ = 0;  // judge the endpoint afresh when it comes back
  recent_count_ = 0;
}

EndpointHealth& HealthTable::at(std::string_view provider) {
  auto it = endpoints_.find(std::string(provider));
  if (it == endpoints_.end())
    it = endpoints_.emplace(std::string(provider), EndpointHealth{}).first;
  return it->second;
}

}  // namespace sluice::routing
