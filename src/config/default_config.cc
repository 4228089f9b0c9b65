#include "config/default_config.h"

namespace sluice::config {

const std::string_view kDefaultConfigYaml = R"yaml(
listen: 127.0.0.1:8080
admin: 127.0.0.1:9901
providers:
  - name: sim
    type: sim
    sim:
      tokens: 16
      tokens_per_second: 50
models:
  - name: sim
    provider: sim
)yaml";

}  // namespace sluice::config
