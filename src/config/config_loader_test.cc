#include "config/config_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config_test_util.h"
#include "config/default_config.h"

namespace sluice::config {
namespace {

using namespace std::chrono_literals;

// The smallest valid tail, appended to snippets that test top-level keys.
constexpr const char* kMinimalTail = R"(providers:
  - name: sim
    type: sim
models:
  - name: sim
    provider: sim
)";

// Loads `yaml` expecting success.
std::shared_ptr<const Config> LoadOk(const std::string& yaml) {
  LoadResult result = LoadConfigText(yaml, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << ErrorsText(result);
  EXPECT_NE(result.config, nullptr);
  return result.config;
}

// Loads `yaml` expecting failure; returns the errors as "file:line:column: message" lines.
std::vector<std::string> LoadErrors(const std::string& yaml) {
  LoadResult result = LoadConfigText(yaml, "test.yaml");
  EXPECT_EQ(result.config, nullptr);
  EXPECT_FALSE(result.errors.empty());
  std::vector<std::string> lines;
  for (const auto& error : result.errors) lines.push_back(error.ToString());
  return lines;
}

// Expects exactly one error, and returns it.
std::string OneError(const std::string& yaml) {
  auto errors = LoadErrors(yaml);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? "" : errors[0];
}

std::string TopLevel(const std::string& head) { return head + kMinimalTail; }

// Replaces the single occurrence of `placeholder` in `text`.
std::string Fill(std::string text, std::string_view placeholder, const std::string& value) {
  return text.replace(text.find(placeholder), placeholder.size(), value);
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static int counter = 0;
    path_ = ::testing::TempDir() + "sluice_config_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++);
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

TEST(ConfigErrorTest, ToStringFormat) {
  ConfigError error{"a.yaml", 3, 7, "boom"};
  EXPECT_EQ(error.ToString(), "a.yaml:3:7: boom");
}

TEST(ConfigLoaderTest, FullFileParsesEveryField) {
  TempFile ca("-----BEGIN CERTIFICATE-----\n");
  auto config = LoadOk(Fill(R"(
listen: 0.0.0.0:0
admin: "[::1]:9000"
workers: 4
limits:
  max_body_bytes: 1048576
  max_header_bytes: 4096
  request_timeout: 250ms
  idle_timeout: 2m
  drain_timeout: 1h
access_log: /var/log/sluice.log
providers:
  - name: up
    type: openai
    base_url: https://api.example.com/v1/
    api_key: sk-plain
    ca_file: CA_PATH
    tls_verify: false
    connect_timeout: 1s
    read_timeout: 10s
    max_idle_connections: 8
    forward_headers: ["x-fake-*", "X-Trace"]
  - name: sim-1
    type: sim
    sim: {tokens: 5, tokens_per_second: 12.5, embedding_dims: 4096}
models:
  - name: gpt-4o-mini
    aliases: [mini, small]
    provider: up
    upstream_model: gpt-4o-mini-2024-07-18
  - name: "*"
    provider: sim-1
)",
                            "CA_PATH", ca.path()));
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->source, "test.yaml");
  EXPECT_EQ(config->listen.host, "0.0.0.0");
  EXPECT_EQ(config->listen.port, 0);
  EXPECT_EQ(config->admin.host, "::1");
  EXPECT_EQ(config->admin.port, 9000);
  EXPECT_EQ(config->workers, 4u);
  EXPECT_EQ(config->limits.max_body_bytes, 1048576u);
  EXPECT_EQ(config->limits.max_header_bytes, 4096u);
  EXPECT_EQ(config->limits.request_timeout, 250ms);
  EXPECT_EQ(config->limits.idle_timeout, 2min);
  EXPECT_EQ(config->limits.drain_timeout, 1h);
  EXPECT_EQ(config->access_log.target, AccessLogTarget::kFile);
  EXPECT_EQ(config->access_log.path, "/var/log/sluice.log");

  ASSERT_EQ(config->providers.size(), 2u);
  const Provider& up = config->providers[0];
  EXPECT_EQ(up.name, "up");
  EXPECT_EQ(up.type, ProviderType::kOpenAi);
  EXPECT_EQ(up.base_url, "https://api.example.com/v1");  // trailing slash dropped
  ASSERT_EQ(up.api_keys.size(), 1u);
  EXPECT_EQ(up.api_keys[0].key, "sk-plain");
  EXPECT_EQ(up.api_keys[0].id, "default");
  EXPECT_EQ(up.ca_file, ca.path());
  EXPECT_FALSE(up.tls_verify);
  EXPECT_EQ(up.connect_timeout, 1s);
  EXPECT_EQ(up.read_timeout, 10s);
  EXPECT_EQ(up.max_idle_connections, 8u);
  EXPECT_EQ(up.forward_headers, (std::vector<std::string>{"x-fake-*", "x-trace"}));
  const Provider& sim = config->providers[1];
  EXPECT_EQ(sim.type, ProviderType::kSim);
  EXPECT_EQ(sim.sim.tokens, 5u);
  EXPECT_DOUBLE_EQ(sim.sim.tokens_per_second, 12.5);
  EXPECT_EQ(sim.sim.embedding_dims, 4096u);

  ASSERT_EQ(config->models.size(), 2u);
  EXPECT_EQ(config->models[0].name, "gpt-4o-mini");
  EXPECT_EQ(config->models[0].aliases, (std::vector<std::string>{"mini", "small"}));
  ASSERT_EQ(config->models[0].targets.size(), 1u);
  EXPECT_EQ(config->models[0].targets[0].provider, "up");
  EXPECT_EQ(config->models[0].targets[0].upstream_model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(config->models[1].name, "*");
  EXPECT_EQ(config->models[1].targets.at(0).provider, "sim-1");
  EXPECT_TRUE(config->models[1].targets[0].upstream_model.empty());
  EXPECT_EQ(config->FindProvider("sim-1"), &config->providers[1]);
}

TEST(ConfigLoaderTest, OmittedKeysTakeDefaults) {
  auto config = LoadOk(R"(
providers:
  - name: up
    type: openai
    base_url: http://127.0.0.1:8000
  - name: sim
    type: sim
models:
  - name: m
    provider: up
)");
  ASSERT_NE(config, nullptr);
  const Config defaults;
  EXPECT_EQ(config->listen.ToString(), "127.0.0.1:8080");
  EXPECT_EQ(config->admin.ToString(), "127.0.0.1:9901");
  EXPECT_EQ(config->workers, 0u);
  EXPECT_EQ(config->limits.max_body_bytes, defaults.limits.max_body_bytes);
  EXPECT_EQ(config->limits.max_header_bytes, defaults.limits.max_header_bytes);
  EXPECT_EQ(config->limits.request_timeout, 30s);
  EXPECT_EQ(config->limits.idle_timeout, 60s);
  EXPECT_EQ(config->limits.drain_timeout, 30s);
  EXPECT_EQ(config->access_log.target, AccessLogTarget::kStdout);
  const Provider& up = config->providers[0];
  EXPECT_EQ(up.base_url, "http://127.0.0.1:8000");
  EXPECT_TRUE(up.api_keys.empty());
  EXPECT_TRUE(up.ca_file.empty());
  EXPECT_TRUE(up.tls_verify);
  EXPECT_EQ(up.connect_timeout, 5s);
  EXPECT_EQ(up.read_timeout, 300s);
  EXPECT_EQ(up.max_idle_connections, 64u);
  EXPECT_TRUE(up.forward_headers.empty());
  const Provider& sim = config->providers[1];
  EXPECT_EQ(sim.sim.tokens, 16u);
  EXPECT_EQ(sim.sim.tokens_per_second, 0);
  EXPECT_EQ(sim.sim.embedding_dims, 16u);
  EXPECT_TRUE(config->models[0].aliases.empty());
}

TEST(ConfigLoaderTest, EmbeddedDefaultConfigLoads) {
  LoadResult result = LoadConfigText(std::string(kDefaultConfigYaml), "<embedded>");
  ASSERT_TRUE(result.errors.empty()) << ErrorsText(result);
  ASSERT_NE(result.config, nullptr);
  EXPECT_EQ(result.config->source, "<embedded>");
  EXPECT_EQ(result.config->listen.ToString(), "127.0.0.1:8080");
  EXPECT_EQ(result.config->admin.ToString(), "127.0.0.1:9901");
  ASSERT_EQ(result.config->models.size(), 1u);
  EXPECT_EQ(result.config->models[0].name, "sim");
  ASSERT_NE(result.config->FindProvider("sim"), nullptr);
  EXPECT_EQ(result.config->FindProvider("sim")->type, ProviderType::kSim);
}

TEST(ConfigLoaderTest, AccessLogTargets) {
  EXPECT_EQ(LoadOk(TopLevel("access_log: off\n"))->access_log.target, AccessLogTarget::kOff);
  EXPECT_EQ(LoadOk(TopLevel("access_log: stdout\n"))->access_log.target, AccessLogTarget::kStdout);
  auto config = LoadOk(TopLevel("access_log: stderr\n"));
  EXPECT_EQ(config->access_log.target, AccessLogTarget::kFile);
  EXPECT_EQ(config->access_log.path, "/dev/stderr");
  EXPECT_EQ(OneError(TopLevel("access_log: ''\n")),
            "test.yaml:1:13: access_log: must not be empty");
}

TEST(ConfigLoaderTest, UnknownTopLevelKey) {
  EXPECT_EQ(OneError(TopLevel("listen: 127.0.0.1:1\nfoo: 1\n")),
            "test.yaml:2:1: unknown key 'foo'");
}

TEST(ConfigLoaderTest, UnknownNestedKeys) {
  auto errors = LoadErrors(R"(limits:
  request_timout: 5s
providers:
  - name: sim
    type: sim
    colour: blue
    sim:
      tokens: 3
      speed: 9
models:
  - name: sim
    provider: sim
)");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:2:3: unknown key 'request_timout' in limits (did you mean "
                        "'request_timeout'?)",
                        "test.yaml:6:5: unknown key 'colour' in providers[0]",
                        "test.yaml:9:7: unknown key 'speed' in providers[0].sim",
                    }));
}

TEST(ConfigLoaderTest, DuplicateKeyInOneMap) {
  EXPECT_EQ(OneError(TopLevel("workers: 1\nworkers: 2\n")),
            "test.yaml:2:1: duplicate key 'workers' (first at line 1)");
}

TEST(ConfigLoaderTest, ReportsEveryErrorAtOnce) {
  auto errors = LoadErrors(R"(listen: nowhere
workers: -3
limits:
  idle_timeout: soon
providers:
  - name: up
    type: openai
models:
  - name: m
    provider: missing
)");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:1:9: listen: expected HOST:PORT such as 127.0.0.1:8080 or "
                        "[::1]:8080, got 'nowhere'",
                        "test.yaml:2:10: workers: expected a non-negative integer, got '-3'",
                        "test.yaml:4:17: limits.idle_timeout: expected a duration such as "
                        "250ms, 5s, 2m or 1h, got 'soon'",
                        "test.yaml:6:5: providers[0]: missing required key 'base_url' (required "
                        "for type openai)",
                        "test.yaml:10:15: models[0].provider: unknown provider 'missing' "
                        "(declare it under 'providers')",
                    }));
}

TEST(ConfigLoaderTest, WrongTypes) {
  EXPECT_EQ(OneError(TopLevel("workers: many\n")),
            "test.yaml:1:10: workers: expected a non-negative integer, got 'many'");
  EXPECT_EQ(OneError(TopLevel("workers: [1]\n")),
            "test.yaml:1:10: workers: expected a non-negative integer");
  EXPECT_EQ(OneError(TopLevel("workers:\n")),
            "test.yaml:1:1: workers: expected a non-negative integer");
  EXPECT_EQ(OneError(TopLevel("workers: 257\n")), "test.yaml:1:10: workers: must be at most 256");
  EXPECT_EQ(OneError(TopLevel("limits: 5\n")), "test.yaml:1:9: limits: expected a map");
  EXPECT_EQ(OneError(TopLevel("limits:\n  max_header_bytes: 100\n")),
            "test.yaml:2:21: limits.max_header_bytes: must be at least 1024");
  EXPECT_EQ(OneError(TopLevel("limits:\n  max_body_bytes: 0\n")),
            "test.yaml:2:19: limits.max_body_bytes: must be at least 1");
  EXPECT_EQ(OneError(TopLevel("limits:\n  max_body_bytes: 99999999999999999999999\n")),
            "test.yaml:2:19: limits.max_body_bytes: must be at most 18446744073709551615");
  EXPECT_EQ(OneError("providers: {name: x}\nmodels: [{name: m, provider: x}]\n"),
            "test.yaml:1:12: providers: expected a list");
  auto errors = LoadErrors(R"(providers:
  - name: s
    type: sim
    tls_verify: maybe
    sim: {tokens: 0, tokens_per_second: -1, embedding_dims: 4097}
models:
  - {name: m, provider: s, aliases: mini}
)");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:4:17: providers[0].tls_verify: expected true or false, got "
                        "'maybe'",
                        "test.yaml:5:19: providers[0].sim.tokens: must be at least 1",
                        "test.yaml:5:41: providers[0].sim.tokens_per_second: must be at least 0",
                        "test.yaml:5:61: providers[0].sim.embedding_dims: must be at most 4096",
                        "test.yaml:7:37: models[0].aliases: expected a list",
                    }));
}

TEST(ConfigLoaderTest, BadDurations) {
  auto errors = LoadErrors(TopLevel(R"(limits:
  request_timeout: 30
  idle_timeout: 0s
  drain_timeout: 5 s
)"));
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:2:20: limits.request_timeout: expected a duration such as "
                        "250ms, 5s, 2m or 1h, got '30'",
                        "test.yaml:3:17: limits.idle_timeout: must be greater than 0",
                        "test.yaml:4:18: limits.drain_timeout: expected a duration such as "
                        "250ms, 5s, 2m or 1h, got '5 s'",
                    }));
}

TEST(ConfigLoaderTest, ListenAddresses) {
  EXPECT_EQ(LoadOk(TopLevel("listen: localhost:80\n"))->listen.ToString(), "127.0.0.1:80");
  EXPECT_EQ(LoadOk(TopLevel("listen: '[::]:65535'\n"))->listen.host, "::");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"8080", "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got '8080'"},
      {":8080", "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got ':8080'"},
      {"'127.0.0.1:'", "port must be a number from 0 to 65535, got '127.0.0.1:'"},
      {"127.0.0.1:65536", "port must be a number from 0 to 65535, got '127.0.0.1:65536'"},
      {"127.0.0.1:http", "port must be a number from 0 to 65535, got '127.0.0.1:http'"},
      {"256.0.0.1:80",
       "host must be an IPv4 address, [IPv6 address] or localhost, got '256.0.0.1:80'"},
      {"example.com:80",
       "host must be an IPv4 address, [IPv6 address] or localhost, got 'example.com:80'"},
      {"::1:80", "host must be an IPv4 address, [IPv6 address] or localhost, got '::1:80'"},
      {"'[::1]'", "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got '[::1]'"},
      {"'[nope]:80'", "invalid IPv6 address in '[nope]:80'"},
  };
  for (const auto& [value, message] : bad) {
    EXPECT_EQ(OneError(TopLevel("listen: " + value + "\n")), "test.yaml:1:9: listen: " + message);
  }
  EXPECT_EQ(OneError(TopLevel("admin: 127.0.0.1:8080\n")),
            "test.yaml:1:8: admin: must differ from listen (127.0.0.1:8080)");
}

TEST(ConfigLoaderTest, BaseUrlValidation) {
  auto load_url = [](const std::string& url) {
    return "providers:\n  - name: up\n    type: openai\n    base_url: " + url +
           "\nmodels:\n  - name: m\n    provider: up\n";
  };
  EXPECT_EQ(LoadOk(load_url("http://[::1]:8000"))->providers[0].base_url, "http://[::1]:8000");
  EXPECT_EQ(LoadOk(load_url("https://h.example/"))->providers[0].base_url, "https://h.example");
  const std::string prefix = "test.yaml:4:15: providers[0].base_url: ";
  EXPECT_EQ(OneError(load_url("ftp://h")),
            prefix + "expected an http:// or https:// URL, got 'ftp://h'");
  EXPECT_EQ(OneError(load_url("http://")), prefix + "URL has no host, got 'http://'");
  EXPECT_EQ(OneError(load_url("http://h:0/v1")),
            prefix + "URL port must be a number from 1 to 65535, got 'http://h:0/v1'");
  EXPECT_EQ(OneError(load_url("http://u:p@h/v1")),
            prefix + "credentials in the URL are not allowed; use api_key, got 'http://u:p@h/v1'");
  EXPECT_EQ(OneError(R"(providers:
  - name: s
    type: sim
    base_url: http://h
models:
  - {name: m, provider: s}
)"),
            "test.yaml:4:5: providers[0].base_url: not allowed for type sim");
  EXPECT_EQ(OneError(R"(providers:
  - name: up
    type: openai
    base_url: http://h
    sim: {tokens: 1}
models:
  - {name: m, provider: up}
)"),
            "test.yaml:5:5: providers[0].sim: only for type sim");
  EXPECT_EQ(
      OneError("providers:\n  - name: x\n    type: watsonx\nmodels:\n  - {name: m, provider: x}\n"),
      "test.yaml:3:11: providers[0].type: unknown provider type 'watsonx' (expected one of "
      "openai, azure-openai, ollama, dashscope, dashscope-native, anthropic, gemini, vertex, bedrock, "
      "sim)");
}

TEST(ConfigLoaderTest, ForwardHeaderPatterns) {
  auto load_headers = [](const std::string& list) {
    return "providers:\n  - name: s\n    type: sim\n    forward_headers: " + list +
           "\nmodels:\n  - {name: m, provider: s}\n";
  };
  EXPECT_EQ(LoadOk(load_headers("[X-A, x-b-*]"))->providers[0].forward_headers,
            (std::vector<std::string>{"x-a", "x-b-*"}));
  EXPECT_EQ(OneError(load_headers("['*']")),
            "test.yaml:4:23: providers[0].forward_headers[0]: expected a header name or a "
            "'prefix-*' pattern, got '*'");
  EXPECT_EQ(OneError(load_headers("[x-a, 'x*y']")),
            "test.yaml:4:28: providers[0].forward_headers[1]: invalid header name 'x*y' ('*' is "
            "allowed only at the end)");
}

TEST(ConfigLoaderTest, EnvSubstitution) {
  ScopedEnv key("SLUICE_TEST_API_KEY", "sk-secret-123");
  ScopedEnv host("SLUICE_TEST_HOST", "10.1.2.3");
  auto config = LoadOk(R"(
providers:
  - name: up
    type: openai
    base_url: http://${env:SLUICE_TEST_HOST}:8000/${env:SLUICE_TEST_HOST}
    api_key: ${env:SLUICE_TEST_API_KEY}
models:
  - name: m
    provider: up
    upstream_model: cost-$5 $${literal}
)");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->providers[0].base_url, "http://10.1.2.3:8000/10.1.2.3");
  ASSERT_EQ(config->providers[0].api_keys.size(), 1u);
  EXPECT_EQ(config->providers[0].api_keys[0].key, "sk-secret-123");
  EXPECT_EQ(config->models[0].targets.at(0).upstream_model, "cost-$5 ${literal}");
}

TEST(ConfigLoaderTest, SubstitutionAppliesToTypedValues) {
  ScopedEnv workers("SLUICE_TEST_WORKERS", "7");
  EXPECT_EQ(LoadOk(TopLevel("workers: ${env:SLUICE_TEST_WORKERS}\n"))->workers, 7u);
}

TEST(ConfigLoaderTest, MissingEnvVariable) {
  ::unsetenv("SLUICE_TEST_UNSET");
  EXPECT_EQ(OneError(R"(providers:
  - name: up
    type: openai
    base_url: http://h
    api_key: "Bearer ${env:SLUICE_TEST_UNSET}"
models:
  - {name: m, provider: up}
)"),
            "test.yaml:5:14: providers[0].api_key: environment variable SLUICE_TEST_UNSET is not "
            "set");
}

TEST(ConfigLoaderTest, SubstitutedSecretsNeverAppearInErrors) {
  ScopedEnv secret("SLUICE_TEST_SECRET", "hunter2-very-secret");
  auto errors = LoadErrors(
      TopLevel("workers: ${env:SLUICE_TEST_SECRET}\nlisten: x${env:SLUICE_TEST_SECRET}\n"));
  ASSERT_EQ(errors.size(), 2u);
  for (const auto& error : errors) {
    EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  }
  EXPECT_NE(errors[0].find("${env:SLUICE_TEST_SECRET}"), std::string::npos) << errors[0];
}

TEST(ConfigLoaderTest, BadSubstitutionForms) {
  auto errors = LoadErrors(TopLevel(R"(access_log: ${vault:x}
listen: ${env:1BAD}
admin: "${env:OPEN"
)"));
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:1:13: access_log: unknown substitution '${vault:x}' (expected "
                        "${env:NAME} or ${file:PATH})",
                        "test.yaml:2:9: listen: invalid environment variable name '1BAD' in "
                        "${env:...}",
                        "test.yaml:3:8: admin: unterminated '${' (write '$${' for a literal '${')",
                    }));
}

TEST(ConfigLoaderTest, FileSubstitution) {
  TempFile key("sk-from-file\n\n");
  auto config = LoadOk(Fill(R"(
providers:
  - name: up
    type: openai
    base_url: http://h
    api_key: "k=${file:KEY_PATH};"
models:
  - {name: m, provider: up}
)",
                            "KEY_PATH", key.path()));
  ASSERT_NE(config, nullptr);
  ASSERT_EQ(config->providers[0].api_keys.size(), 1u);
  EXPECT_EQ(config->providers[0].api_keys[0].key, "k=sk-from-file;");

  const std::string missing = key.path() + ".missing";
  auto errors = LoadErrors(TopLevel("access_log: ${file:" + missing + "}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("test.yaml:1:13: access_log: cannot read file '", 0), 0u) << errors[0];
}

TEST(ConfigLoaderTest, UnreadableCaFile) {
  EXPECT_EQ(OneError(R"(providers:
  - name: up
    type: openai
    base_url: https://h
    ca_file: /nonexistent/ca.pem
models:
  - {name: m, provider: up}
)"),
            "test.yaml:5:14: providers[0].ca_file: cannot read CA file '/nonexistent/ca.pem'");
}

TEST(ConfigLoaderTest, DuplicateNames) {
  auto errors = LoadErrors(R"(providers:
  - name: a
    type: sim
  - name: a
    type: sim
models:
  - name: m
    aliases: [n]
    provider: a
  - name: n
    aliases: [m2, m2]
    provider: a
)");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:4:11: providers[1].name: duplicate provider name 'a' (first "
                        "declared at line 2)",
                        "test.yaml:10:11: models[1].name: model name 'n' is already used at line 8",
                        "test.yaml:11:19: models[1].aliases[1]: model name 'm2' is already used "
                        "at line 11",
                    }));
}

TEST(ConfigLoaderTest, ModelNamingRules) {
  auto config =
      LoadOk("providers: [{name: s, type: sim}]\nmodels:\n  - {name: 'gpt-*', provider: s}\n");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->models[0].name, "gpt-*");
  EXPECT_EQ(OneError("providers: [{name: s, type: sim}]\nmodels:\n"
                     "  - {name: m, provider: s, aliases: ['m*']}\n"),
            "test.yaml:3:38: models[0].aliases[0]: aliases cannot contain '*' (put wildcards in "
            "the model name)");
  // The bad provider name is reported once, not again by every model that names a provider.
  EXPECT_EQ(OneError("providers: [{name: 'a b', type: sim}]\nmodels: [{name: m, provider: x}]\n"),
            "test.yaml:1:20: providers[0].name: provider names may contain only letters, digits, "
            "'-', '_' and '.', got 'a b'");
}

TEST(ConfigLoaderTest, ModelWithUnknownProvider) {
  EXPECT_EQ(OneError("providers: [{name: s, type: sim}]\nmodels:\n  - name: m\n    provider: t\n"),
            "test.yaml:4:15: models[0].provider: unknown provider 't' (declare it under "
            "'providers')");
}

TEST(ConfigLoaderTest, RequiredSectionsAndKeys) {
  auto errors = LoadErrors("workers: 1\n");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:1:1: missing required key 'providers'",
                        "test.yaml:1:1: missing required key 'models'",
                    }));
  EXPECT_EQ(OneError("providers: [{name: s, type: sim}]\nmodels: []\n"),
            "test.yaml:2:9: models: at least one model is required");
  errors = LoadErrors("providers:\n  - type: sim\nmodels:\n  - name: m\n");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "test.yaml:2:5: providers[0]: missing required key 'name'",
                        "test.yaml:4:5: models[0]: give either 'provider' (one backend) or "
                        "'targets' (several)",
                    }));
}

TEST(ConfigLoaderTest, TargetsRetryAndResilienceSettings) {
  auto result = LoadConfigText(R"(providers:
  - name: a
    type: openai
    base_url: http://127.0.0.1:1/v1
    ttft_timeout: 2s
    total_timeout: 1m
    max_concurrent: 8
    outlier: {consecutive_failures: 3, base_ejection: 1s, max_ejection: 20s}
    health_check: {interval: 5s, path: /health, timeout: 1s}
  - {name: b, type: sim}
models:
  - name: m
    targets:
      - {provider: a, upstream_model: big, priority: 0, weight: 3}
      - {provider: b, priority: 1}
    retry: {attempts: 4, base_backoff: 20ms, max_backoff: 1s, budget: 0.5}
)",
                               "test.yaml");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].ToString();
  const auto& c = *result.config;
  EXPECT_EQ(c.providers[0].ttft_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c.providers[0].total_timeout, std::chrono::minutes(1));
  EXPECT_EQ(c.providers[0].max_concurrent, 8u);
  EXPECT_EQ(c.providers[0].outlier.consecutive_failures, 3u);
  EXPECT_EQ(c.providers[0].outlier.max_ejection, std::chrono::seconds(20));
  EXPECT_EQ(c.providers[0].health_check.interval, std::chrono::seconds(5));
  EXPECT_EQ(c.providers[0].health_check.path, "/health");
  EXPECT_EQ(c.providers[1].health_check.interval.count(), 0);  // off unless asked
  ASSERT_EQ(c.models[0].targets.size(), 2u);
  EXPECT_EQ(c.models[0].targets[0].weight, 3u);
  EXPECT_EQ(c.models[0].targets[0].upstream_model, "big");
  EXPECT_EQ(c.models[0].targets[1].priority, 1u);
  EXPECT_EQ(c.models[0].retry.attempts, 4u);
  EXPECT_DOUBLE_EQ(c.models[0].retry.budget, 0.5);

  auto errors = LoadErrors(R"(providers: [{name: a, type: sim}]
models:
  - name: m
    provider: a
    targets: [{provider: a}]
  - name: n
    targets: [{provider: zz, weight: 0}]
    retry: {attempts: 0, max_backoff: 1ms}
)");
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "test.yaml:3:5: models[0]: give either 'provider' (one backend) or "
                "'targets' (several)",
                "test.yaml:7:26: models[1].targets[0].provider: unknown provider 'zz' "
                "(declare it under 'providers')",
                "test.yaml:7:38: models[1].targets[0].weight: must be at least 1",
                "test.yaml:8:12: models[1].retry: max_backoff must be at least base_backoff",
                "test.yaml:8:23: models[1].retry.attempts: must be at least 1",
            }));
}

TEST(ConfigLoaderTest, EmptyAndNonMapDocuments) {
  EXPECT_EQ(OneError(""), "test.yaml:1:1: configuration is empty");
  EXPECT_EQ(OneError("# nothing here\n"), "test.yaml:1:1: configuration is empty");
  EXPECT_EQ(OneError("- a\n- b\n"),
            "test.yaml:1:1: the top level must be a map of keys such as 'providers' and 'models'");
  EXPECT_EQ(OneError(TopLevel("") + "---\nlisten: x\n"),
            "test.yaml:7:1: only one YAML document is allowed");
  // yaml-cpp's LoadAll() never returns on these.
  EXPECT_EQ(OneError(","), "test.yaml:1:1: YAML syntax error: unexpected token at the top level");
  EXPECT_EQ(OneError(",\n" + TopLevel("")),
            "test.yaml:1:1: YAML syntax error: unexpected token at the top level");
}

TEST(ConfigLoaderTest, YamlSyntaxErrorPosition) {
  EXPECT_EQ(OneError("listen: 127.0.0.1:1\nproviders: [a, b\nmodels: []\n"),
            "test.yaml:3:7: YAML syntax error: end of sequence flow not found");
  EXPECT_EQ(OneError("workers: a: b\n"), "test.yaml:1:11: YAML syntax error: illegal map value");
}

TEST(ConfigLoaderTest, LoadConfigFile) {
  TempFile file{std::string(kDefaultConfigYaml)};
  LoadResult result = LoadConfigFile(file.path());
  ASSERT_TRUE(result.errors.empty()) << ErrorsText(result);
  EXPECT_EQ(result.config->source, file.path());

  TempFile bad("workers: x\n" + std::string(kMinimalTail));
  result = LoadConfigFile(bad.path());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, bad.path());
  EXPECT_EQ(result.errors[0].line, 1);
  EXPECT_EQ(result.errors[0].column, 10);

  result = LoadConfigFile(file.path() + ".missing");
  EXPECT_EQ(result.config, nullptr);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 0);
  EXPECT_EQ(result.errors[0].column, 0);
  EXPECT_EQ(result.errors[0].ToString(),
            file.path() + ".missing:0:0: cannot read config file: No such file or directory");
}

TEST(ConfigLoaderTest, ApiKeyPools) {
  auto config = LoadOk(R"(providers:
  - name: up
    type: openai
    base_url: http://h
    key_dead_time: 1m
    api_keys:
      - {id: primary, key: sk-1, weight: 3}
      - {id: spare, key: sk-2}
models:
  - {name: m, provider: up}
)");
  ASSERT_NE(config, nullptr);
  const auto& keys = config->providers[0].api_keys;
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].id, "primary");
  EXPECT_EQ(keys[0].weight, 3u);
  EXPECT_EQ(keys[1].key, "sk-2");
  EXPECT_EQ(keys[1].weight, 1u);
  EXPECT_EQ(config->providers[0].key_dead_time, std::chrono::minutes(1));
  EXPECT_EQ(OneError(R"(providers:
  - name: up
    type: openai
    base_url: http://h
    api_key: sk-0
    api_keys: [{id: a, key: sk-1}]
models:
  - {name: m, provider: up}
)"),
            "test.yaml:6:5: providers[0].api_keys: give either api_key or api_keys, not both");
  EXPECT_EQ(OneError(R"(providers:
  - name: up
    type: openai
    base_url: http://h
    api_keys: [{id: a, key: sk-1}, {id: a, key: sk-2}]
models:
  - {name: m, provider: up}
)"),
            "test.yaml:5:41: providers[0].api_keys[1].id: duplicate key id 'a'");
}

TEST(ConfigLoaderTest, SharedStoreInRedis) {
  auto config = LoadOk(TopLevel(R"(store:
  type: redis
  url: redis://app:s3cret@10.0.0.7:6380/3
  timeout: 20ms
  fail_mode: closed
  key_prefix: "gw1:"
)"));
  const auto& s = config->store;
  EXPECT_TRUE(s.redis);
  EXPECT_EQ(s.host, "10.0.0.7");
  EXPECT_EQ(s.port, 6380);
  EXPECT_EQ(s.username, "app");
  EXPECT_EQ(s.password, "s3cret");
  EXPECT_EQ(s.db, 3);
  EXPECT_EQ(s.timeout, 20ms);
  EXPECT_FALSE(s.fail_open);
  EXPECT_EQ(s.key_prefix, "gw1:");
  auto defaults = LoadOk(TopLevel("store: {type: redis, url: \"redis://:pw@localhost\"}\n"));
  EXPECT_EQ(defaults->store.port, 6379);
  EXPECT_EQ(defaults->store.password, "pw");
  EXPECT_TRUE(defaults->store.fail_open);
  EXPECT_FALSE(LoadOk(TopLevel(""))->store.redis);  // memory by default
}

TEST(ConfigLoaderTest, SharedStoreErrorsNeverQuoteTheUrl) {
  EXPECT_NE(OneError(TopLevel("store: {type: redis}\n")).find("type redis needs a url"),
            std::string::npos);
  auto bad = OneError(TopLevel("store: {type: redis, url: \"rediss://:hunter2@h:1\"}\n"));
  EXPECT_NE(bad.find("rediss:// is not supported"), std::string::npos);
  EXPECT_EQ(bad.find("hunter2"), std::string::npos);
  EXPECT_NE(OneError(TopLevel("store: {type: redis, url: \"redis://h/99\"}\n")).find("0-15"),
            std::string::npos);
  EXPECT_NE(OneError(TopLevel("store: {type: disk}\n")).find("memory or redis"), std::string::npos);
  EXPECT_NE(OneError(TopLevel("store: {fail_mode: maybe}\n")).find("open or closed"),
            std::string::npos);
  EXPECT_NE(OneError(TopLevel("store: {type: redis, url: \"redis://h\", timeout: 11s}\n"))
                .find("between 1ms and 10s"),
            std::string::npos);
}

TEST(ConfigLoaderTest, HardLimitNeedsSomethingAStreamCanOutgrow) {
  auto config = LoadOk(TopLevel("rate_limits:\n  - {name: spend, cost_usd: 5, hard: true}\n"));
  EXPECT_TRUE(config->rate_limits[0].hard);
  EXPECT_NE(OneError(TopLevel("rate_limits:\n  - {name: rpm, requests: 5, hard: true}\n"))
                .find("hard needs output_tokens, total_tokens or cost_usd"),
            std::string::npos);
}

TEST(ConfigLoaderTest, MonthlyBudgetWindow) {
  auto config = LoadOk(TopLevel("rate_limits:\n  - {name: spend, cost_usd: 50, window: month}\n"));
  EXPECT_TRUE(config->rate_limits[0].calendar_month);
  EXPECT_NE(OneError(TopLevel("rate_limits:\n  - {name: spend, cost_usd: 5, window: year}\n"))
                .find("expected a duration"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::config
