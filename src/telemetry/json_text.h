#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::telemetry {

// Appends `s` as a quoted JSON string: quotes, backslashes and control characters escaped.
void AppendJsonString(std::string& out, std::string_view s);

// Appends an integer as a JSON number (decimal, as boost::json::serialize writes it).
void AppendJsonInt(std::string& out, int64_t v);
void AppendJsonUint(std::string& out, uint64_t v);

}  // namespace sluice::telemetry
