#pragma once
// Which target of a route the next attempt goes to: the lowest priority group that still has an
// available, untried target; weighted random inside it. When every target is ejected or tried,
// the best-ranked one not yet tried this request is used anyway ("panic" routing: a request
// is better sent somewhere doubtful than refused outright).
#include <cstdint>
#include <random>
#include <vector>

#include "routing/endpoint_health.h"
#include "routing/route_table.h"

namespace sluice::routing {

// Returns an index into route.targets, or -1 when every target was tried already or is at its
// concurrency cap (circuit open).
// `tried[i]` marks targets attempted by this request.
int PickTarget(const Route& route, HealthTable& health, const std::vector<bool>& tried,
               SteadyTime now, std::mt19937_64& rng);

}  // namespace sluice::routing
