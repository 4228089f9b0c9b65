#pragma once
#include <string>
#include <string_view>

namespace sluice::telemetry {

// Appends `s` as a quoted JSON string: quotes, backslashes and control characters escaped.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace sluice::telemetry
