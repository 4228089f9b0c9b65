#pragma once
#include <string_view>

namespace sluice::config {
// The configuration `sluice` runs with when given no --config: the sim model, loopback ports.
extern const std::string_view kDefaultConfigYaml;
}  // namespace sluice::config
