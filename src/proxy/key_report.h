#pragma once
// Provider key health for operators: JSON for /admin/providers and the sluice_provider_key_up
// gauge. Shows each key's id, weight and state, never the key itself.
#include <chrono>
#include <string>

#include "proxy/snapshot.h"

namespace sluice::proxy {

std::string RenderProvidersJson(const Snapshot& snapshot, std::chrono::steady_clock::time_point now);
std::string RenderKeyHealthMetrics(const Snapshot& snapshot,
                                   std::chrono::steady_clock::time_point now);

}  // namespace sluice::proxy
