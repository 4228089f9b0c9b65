#pragma once
// Process lifecycle: load config, start workers and the admin listener, handle SIGTERM (drain),
// SIGINT (drain) and SIGHUP (reload).
#include <optional>
#include <string>

namespace sluice::app {

struct Options {
  std::string config_path;  // empty: the embedded default config
  std::optional<std::string> listen;
  std::optional<std::string> admin;
  std::optional<unsigned> workers;
};

// Runs the gateway until it is drained. Returns the process exit code.
int RunGateway(const Options& options);
// `sluice check-config FILE`: prints every error as file:line:column: message. Exit code.
int CheckConfig(const std::string& path);

}  // namespace sluice::app
