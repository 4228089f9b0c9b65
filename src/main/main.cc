// sluice: the AI gateway. See README.md for the commands and docs/config.md for the config file.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "main/app.h"

int main(int argc, char** argv) {
  CLI::App cli{"Sluice: an AI gateway for LLM traffic"};
  sluice::app::Options options;
  bool version = false;
  std::string listen, admin, check_path;
  unsigned workers = 0;
  cli.add_option("--config", options.config_path,
                 "YAML config file (default: embedded sim config)");
  auto* listen_opt = cli.add_option("--listen", listen, "data plane HOST:PORT (overrides config)");
  auto* admin_opt = cli.add_option("--admin", admin, "admin plane HOST:PORT (overrides config)");
  auto* workers_opt = cli.add_option("--workers", workers, "worker threads (0: one per core)");
  cli.add_flag("--version", version, "print the version and exit");
  auto* check = cli.add_subcommand("check-config", "validate a config file and exit");
  check->add_option("file", check_path, "config file")->required();
  CLI11_PARSE(cli, argc, argv);

  if (version) {
    std::printf("sluice %s\n", SLUICE_VERSION);
    return 0;
  }
  if (check->parsed()) return sluice::app::CheckConfig(check_path);
  if (*listen_opt) options.listen = listen;
  if (*admin_opt) options.admin = admin;
  if (*workers_opt) options.workers = workers;
  return sluice::app::RunGateway(options);
}
