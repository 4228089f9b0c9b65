#include "routing/target_picker.h"

namespace sluice::routing {

int PickTarget(const Route& route, HealthTable& health, const std::vector<bool>& tried,
               SteadyTime now, std::mt19937_64& rng) {
  const auto& targets = route.targets;
  size_t i = 0;
  while (i < targets.size()) {
    // One priority group: [i, end).
    size_t end = i;
    uint64_t total_weight = 0;
    while (end < targets.size() && targets[end].target->priority == targets[i].target->priority) {
      const auto& t = targets[end];
      if (!tried[end] && health.at(t.provider->name).Available(*t.provider, now))
        total_weight += t.target->weight;
      ++end;
    }
    if (total_weight > 0) {
      uint64_t pick = std::uniform_int_distribution<uint64_t>(0, total_weight - 1)(rng);
      for (size_t k = i; k < end; ++k) {
        const auto& t = targets[k];
        if (tried[k] || !health.at(t.provider->name).Available(*t.provider, now)) continue;
        if (pick < t.target->weight) return static_cast<int>(k);
        pick -= t.target->weight;
      }
    }
    i = end;
  }
  for (size_t k = 0; k < targets.size(); ++k) {  // panic: nothing healthy left
    const auto& t = targets[k];
    if (!tried[k] && !health.at(t.provider->name).circuit_open(*t.provider))
      return static_cast<int>(k);
  }
  return -1;
}

}  // namespace sluice::routing
