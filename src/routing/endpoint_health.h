#pragma once
// Passive outlier detection and circuit breaking for one worker's view of its endpoints
// (providers). Sans-I/O: the caller passes the time. Owned by one worker thread; each worker
// judges health from its own traffic (no cross-thread state on the request path).
//
// States: healthy -> (consecutive failures reach the threshold) ejected for an exponentially
// growing time -> probing (one request at a time is let through) -> healthy after a success, or
// ejected again, for longer, after a failure.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"

namespace sluice::routing {

using SteadyTime = std::chrono::steady_clock::time_point;

class EndpointHealth {
 public:
  enum class State { kHealthy, kEjected, kProbing };

  // Can a new request go here now? Does not reserve anything: call OnAttemptStart when it does.
  bool Available(const config::Provider& settings, SteadyTime now) const;
  void OnAttemptStart(SteadyTime now);
  // `counts_as_failure`: transient or overload failures; caller errors are not the endpoint's
  // fault.
  void OnAttemptEnd(const config::Provider& settings, bool counts_as_failure, SteadyTime now);

  // An active health check's answer: a failure counts like a failed request; a success brings an
  // ejected endpoint back at once.
  void OnProbe(const config::Provider& settings, bool ok, SteadyTime now);

  State state(SteadyTime now) const;
  uint32_t in_flight() const { return in_flight_; }
  // Requests waiting for a slot while the circuit is open (see proxy/failover.cc).
  uint32_t pending = 0;
  uint32_t ejections() const { return ejections_; }
  bool circuit_open(const config::Provider& settings) const {
    return settings.max_concurrent && in_flight_ >= settings.max_concurrent;
  }

 private:
  void RecordFailure(const config::Provider& settings, bool was_probe, SteadyTime now);
  void Eject(const config::Provider& settings, SteadyTime now);
  // Adds an outcome to the recent-attempts window; true when the failure rate calls for ejection.
  bool RecordOutcome(const config::OutlierDetection& o, bool failed);

  uint32_t consecutive_failures_ = 0;
  uint64_t recent_ = 0;  // last outcomes, newest in bit 0, 1 = failure
  uint32_t recent_count_ = 0;
  uint32_t ejections_ = 0;  // since the last time it proved healthy
  SteadyTime ejected_until_{};
  bool ejected_ = false;  // ejected or probing (until a success)
  bool probe_in_flight_ = false;
  uint32_t in_flight_ = 0;
};

// All endpoints of one worker, by provider name. Survives config reloads (names are the keys).
class HealthTable {
 public:
  EndpointHealth& at(std::string_view provider);
  uint64_t ejections_total() const { return ejections_total_; }
  void CountEjection() { ++ejections_total_; }
  const std::unordered_map<std::string, EndpointHealth>& all() const { return endpoints_; }

 private:
  std::unordered_map<std::string, EndpointHealth> endpoints_;
  uint64_t ejections_total_ = 0;
};

}  // namespace sluice::routing
