#pragma once
// For the config tests: every load error as "file:line:column: message" lines, to print with a
// failed assertion.
#include <string>

#include "config/config_loader.h"

namespace sluice::config {

inline std::string ErrorsText(const LoadResult& result) {
  std::string out;
  for (const auto& error : result.errors) out += error.ToString() + "\n";
  return out;
}

}  // namespace sluice::config
