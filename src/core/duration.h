#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace sluice::core {

using Millis = std::chrono::milliseconds;

// Parses "250ms", "5s", "2m", "1h" (a non-negative integer and a unit). nullopt if malformed.
std::optional<Millis> ParseDuration(std::string_view text);

}  // namespace sluice::core
