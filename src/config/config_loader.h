#pragma once
// YAML text -> validated Config. Collects every error (not just the first), each with the
// position of the offending node. Unknown keys are errors. ${env:NAME} and ${file:PATH} are
// substituted inside scalar values; a missing variable or unreadable file is an error at that node.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace sluice::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string message;
  std::string ToString() const;  // "file:line:column: message"
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is non-empty
  std::vector<ConfigError> errors;
};

// `source_name` is used in error positions and Config::source.
LoadResult LoadConfigText(const std::string& yaml_text, const std::string& source_name);
LoadResult LoadConfigFile(const std::string& path);

// "127.0.0.1:8080", "[::1]:8080" or "localhost:8080" (stored as 127.0.0.1), as the config and the
// --listen/--admin overrides accept them. On failure `why` gets a message to which the caller
// appends the quoted text.
std::optional<HostPort> ParseHostPort(std::string_view text, std::string* why);

}  // namespace sluice::config
