#include "config/config_loader.h"

#include "core/sha256.h"
#include "routing/endpoint_picker.h"
#include "routing/server_metrics.h"

#include <arpa/inet.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>

#include "core/duration.h"
#include "telemetry/label_policy.h"
#include "telemetry/otlp_http.h"

namespace sluice::config {

constexpr ProviderType kProviderTypes[] = {
    ProviderType::kOpenAi,          ProviderType::kAzureOpenAi, ProviderType::kOllama,
    ProviderType::kDashScope,       ProviderType::kDashScopeNative, ProviderType::kAnthropic,
    ProviderType::kGemini,          ProviderType::kVertex,      ProviderType::kBedrock,
    ProviderType::kSim};

bool SpeaksOpenAi(ProviderType type) {
  return type == ProviderType::kOpenAi || type == ProviderType::kAzureOpenAi ||
         type == ProviderType::kDashScope;
}

std::string_view ProviderTypeName(ProviderType type) {
  switch (type) {
    case ProviderType::kOpenAi:
      return "openai";
    case ProviderType::kAzureOpenAi:
      return "azure-openai";
    case ProviderType::kOllama:
      return "ollama";
    case ProviderType::kDashScope:
      return "dashscope";
    case ProviderType::kDashScopeNative:
      return "dashscope-native";
    case ProviderType::kAnthropic:
      return "anthropic";
    case ProviderType::kGemini:
      return "gemini";
    case ProviderType::kVertex:
      return "vertex";
    case ProviderType::kBedrock:
      return "bedrock";
    case ProviderType::kSim:
      return "sim";
  }
  return "openai";
}

std::string_view DefaultBasePath(ProviderType type) {
  if (type == ProviderType::kGemini) return "/v1beta";
  if (type == ProviderType::kBedrock || type == ProviderType::kAzureOpenAi ||
      type == ProviderType::kVertex || type == ProviderType::kOllama ||
      type == ProviderType::kDashScopeNative)
    return "";
  return "/v1";
}

std::string ConfigError::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

// ${file:...} is meant for secrets and small snippets; the cap keeps a typo such as
// ${file:/dev/zero} from hanging the load.
constexpr size_t kMaxSubstitutedFileBytes = 1 << 20;
constexpr uint32_t kMaxWorkers = 256;
constexpr uint32_t kMaxEmbeddingDims = 4096;

// Reads a whole file; on failure returns nullopt and sets `error` to a reason without content.
std::optional<std::string> ReadWholeFile(const std::string& path, size_t max_bytes,
                                         std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::string content;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    content.append(buffer, static_cast<size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      *error = "larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
  }
  if (in.bad()) {
    *error = "read failed";
    return std::nullopt;
  }
  return content;
}

// Keeps messages on one line whatever the input: control characters become '?'.
std::string Printable(std::string_view text, size_t max_chars) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max_chars; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

// Quotes a raw (pre-substitution) YAML value for an error message: short, one line.
std::string Quote(std::string_view text) { return "'" + Printable(text, 60) + "'"; }

std::string Lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool HasControlChar(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Provider names end up in response headers and metric labels, so keep them plain.
bool IsProviderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// RFC 9110 token characters, lowercase only (names are stored lowercase).
bool IsHeaderNameChar(char c) {
  return std::islower(static_cast<unsigned char>(c)) ||
         std::isdigit(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'+-.^_`|~").find(c) != std::string_view::npos;
}

std::optional<uint16_t> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

bool IsIpv4(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

// A YAML scalar after ${...} substitution. `raw` is the text as written in the file: error
// messages quote it, never `value`, so substituted secrets cannot leak.
struct Scalar {
  std::string value;
  std::string raw;
};

// A key/value pair found in a map, with the path used to name it in messages.
struct Field {
  std::string path;
  YAML::Node key;
  YAML::Node value;
};

// Records where each document starts; builds nothing.
class DocumentCounter : public YAML::EventHandler {
 public:
  const std::vector<YAML::Mark>& starts() const { return starts_; }

  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark> starts_;
};

class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  LoadResult Load(const std::string& text);

 private:
  // Reports syntax errors, more than one document, and a top level that is not a map.
  std::optional<YAML::Node> ParseSingleDocument(const std::string& text);

  // --- error reporting ---
  void AddError(const YAML::Mark& mark, std::string message);
  void AddError(const YAML::Node& node, std::string message) { AddError(node.Mark(), message); }
  // Where a bad value is reported: the value itself, or its key when the value is empty.
  YAML::Mark ValueMark(const Field& field) const;
  void BadValue(const Field& field, const std::string& what) {
    AddError(ValueMark(field), field.path + ": " + what);
  }

  // --- structure ---
  // Checks `node` is a map whose keys are all in `allowed` (reporting unknown and repeated keys),
  // and returns its fields by key. nullopt when `node` is not a map.
  std::optional<std::map<std::string, Field>> ReadMap(
      const YAML::Node& node, const std::string& path,
      std::initializer_list<std::string_view> allowed);
  void ReportUnknownKey(const YAML::Node& key, const std::string& path,
                        std::initializer_list<std::string_view> allowed);
  void RequireKey(const std::map<std::string, Field>& fields, const YAML::Node& map,
                  const std::string& path, const std::string& key, const std::string& why = "");
  std::vector<Field> ReadList(const Field& field);

  // --- typed values; each reports its own error and returns nullopt on failure ---
  std::optional<Scalar> ReadScalar(const Field& field, const char* expected);
  std::optional<std::string> ReadString(const Field& field);
  std::optional<std::string> ReadNonEmptyString(const Field& field);
  // A URL path the gateway requests (health check, metrics scrape): '/' first, no spaces.
  std::optional<std::string> ReadRequestPath(const Field& field);
  std::optional<uint64_t> ReadInteger(const Field& field, uint64_t min, uint64_t max);
  std::optional<double> ReadNumber(const Field& field, double min);
  std::optional<bool> ReadBool(const Field& field);
  std::optional<Millis> ReadDuration(const Field& field);
  std::optional<HostPort> ReadHostPort(const Field& field);
  std::optional<std::string> ReadBaseUrl(const Field& field);
  std::optional<std::string> ReadHeaderPattern(const Field& field);
  std::optional<AccessLog> ReadAccessLog(const Field& field);
  std::optional<std::string> Substitute(const Field& field, const std::string& raw);

  template <typename T, typename U>
  void Assign(T& target, std::optional<U> value) {
    if (value) target = static_cast<T>(*value);
  }

  // --- sections ---
  void ReadTopLevel(const YAML::Node& root, Config& config);
  void ReadLimits(const Field& field, ServerLimits& limits);
  void ReadProviders(const Field& field, Config& config);
  void ReadProvider(const Field& item, Provider& provider);
  void ReadSim(const Field& field, SimSettings& sim);
  void ReadMetricsScrape(const Field& field, MetricsScrape& metrics);
  void ReadModelRouting(const Field& field, ModelRouting& routing);
  void ReadModelQueue(const Field& field, ModelQueue& queue);
  void ReadQuota(const Field& field, Provider& provider);
  // A queue needs something that can say its pool is saturated.
  void CheckModelQueues(const Config& config);
  void ReadAws(const Field& field, AwsCredentials& aws);
  void ReadConsumers(const Field& field, std::vector<Consumer>& consumers);
  void ReadJwt(const Field& field, JwtSettings& jwt);
  void ReadPricing(const Field& field, std::vector<std::pair<std::string, ModelPricing>>& out);
  void ReadLedger(const Field& field, LedgerSettings& ledger);
  void ReadTracing(const Field& field, TracingSettings& tracing);
  void ReadMetrics(const Field& field, MetricsSettings& metrics);
  void ReadStore(const Field& field, StoreSettings& store);
  void ReadRateLimits(const Field& field, std::vector<RateLimitRule>& rules);
  void ReadVertex(const Field& field, VertexSettings& vertex);
  void ReadApiKeys(const Field& field, std::vector<ApiKey>& keys);
  void ReadModels(const Field& field, Config& config);
  void ReadModel(const Field& item, Model& model);
  void ReadTarget(const Field& item, Target& target);
  void ReadRetry(const Field& field, RetryPolicy& retry);
  void ReadOutlier(const Field& field, OutlierDetection& outlier);
  void ReadHealthCheck(const Field& field, HealthCheck& check);
  void CheckProviderNames(const Config& config);
  void CheckModelNames(const Config& config);
  void CheckModelProviders(const Config& config);
  void CheckAddresses(const Config& config);

  std::string source_;
  std::vector<ConfigError> errors_;
  // Marks of names, parallel to Config::providers / Config::models, for cross-check errors.
  std::vector<YAML::Mark> provider_name_marks_;
  struct ModelMarks {
    YAML::Mark name;
    std::string name_path;
    std::vector<std::pair<YAML::Mark, std::string>> aliases;    // mark, path
    std::vector<std::pair<YAML::Mark, std::string>> providers;  // per target that named one
  };
  std::vector<ModelMarks> model_marks_;
  // Where `listen` and `admin` were given; null when left to their defaults.
  YAML::Mark listen_mark_ = YAML::Mark::null_mark();
  YAML::Mark admin_mark_ = YAML::Mark::null_mark();
};

void Loader::AddError(const YAML::Mark& mark, std::string message) {
  ConfigError error;
  error.file = source_;
  error.line = mark.is_null() ? 0 : mark.line + 1;
  error.column = mark.is_null() ? 0 : mark.column + 1;
  error.message = std::move(message);
  errors_.push_back(std::move(error));
}

YAML::Mark Loader::ValueMark(const Field& field) const {
  // yaml-cpp places an empty value's mark at the next token, often on a later line.
  YAML::Mark value_mark = field.value.Mark();
  if (field.value.IsNull() && (value_mark.is_null() || value_mark.line != field.key.Mark().line)) {
    return field.key.Mark();
  }
  return value_mark;
}

std::optional<std::map<std::string, Field>> Loader::ReadMap(
    const YAML::Node& node, const std::string& path,
    std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) return std::nullopt;
  std::map<std::string, Field> fields;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      AddError(key, "keys must be plain strings" + (path.empty() ? "" : " in " + path));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      ReportUnknownKey(key, path, allowed);
      continue;
    }
    std::string child_path = path.empty() ? name : path + "." + name;
    if (auto it = fields.find(name); it != fields.end()) {
      AddError(key, "duplicate key '" + name + "'" + (path.empty() ? "" : " in " + path) +
                        " (first at line " + std::to_string(it->second.key.Mark().line + 1) + ")");
      continue;
    }
    fields.emplace(name, Field{child_path, key, entry.second});
  }
  return fields;
}

void Loader::ReportUnknownKey(const YAML::Node& key, const std::string& path,
                              std::initializer_list<std::string_view> allowed) {
  const std::string& name = key.Scalar();
  std::string message = "unknown key " + Quote(name);
  if (!path.empty()) message += " in " + path;
  // Suggest the closest allowed key: most unknown keys are typos.
  std::string_view best;
  size_t best_distance = 3;
  for (std::string_view candidate : allowed) {
    size_t distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
  AddError(key, message);
}

void Loader::RequireKey(const std::map<std::string, Field>& fields, const YAML::Node& map,
                        const std::string& path, const std::string& key, const std::string& why) {
  if (fields.count(key)) return;
  std::string where = path.empty() ? "" : path + ": ";
  AddError(map, where + "missing required key '" + key + "'" + why);
}

std::vector<Field> Loader::ReadList(const Field& field) {
  std::vector<Field> items;
  if (!field.value.IsSequence()) {
    BadValue(field, "expected a list");
    return items;
  }
  size_t index = 0;
  for (const auto& item : field.value) {
    // A list item has no key; its own node stands in for the key when reporting empty items.
    items.push_back(Field{field.path + "[" + std::to_string(index++) + "]", item, item});
  }
  return items;
}

std::optional<Scalar> Loader::ReadScalar(const Field& field, const char* expected) {
  if (!field.value.IsScalar()) {
    BadValue(field, std::string("expected ") + expected);
    return std::nullopt;
  }
  Scalar scalar;
  scalar.raw = field.value.Scalar();
  auto value = Substitute(field, scalar.raw);
  if (!value) return std::nullopt;
  scalar.value = std::move(*value);
  return scalar;
}

// Expands ${env:NAME} and ${file:PATH}; "$${" stands for a literal "${". Runs after YAML parsing,
// so a substituted value can never change the document's structure.
std::optional<std::string> Loader::Substitute(const Field& field, const std::string& raw) {
  std::string out;
  bool ok = true;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t dollar = raw.find('$', pos);
    if (dollar == std::string::npos) {
      out.append(raw, pos);
      break;
    }
    out.append(raw, pos, dollar - pos);
    if (raw.compare(dollar, 3, "$${") == 0) {
      out += "${";
      pos = dollar + 3;
      continue;
    }
    if (raw.compare(dollar, 2, "${") != 0) {
      out += '$';
      pos = dollar + 1;
      continue;
    }
    size_t close = raw.find('}', dollar + 2);
    if (close == std::string::npos) {
      BadValue(field, "unterminated '${' (write '$${' for a literal '${')");
      return std::nullopt;
    }
    std::string_view body(raw.data() + dollar + 2, close - dollar - 2);
    pos = close + 1;
    if (body.substr(0, 4) == "env:") {
      std::string name(body.substr(4));
      if (!IsEnvName(name)) {
        BadValue(field, "invalid environment variable name " + Quote(name) + " in ${env:...}");
        ok = false;
      } else if (const char* env = std::getenv(name.c_str()); env == nullptr) {
        BadValue(field, "environment variable " + name + " is not set");
        ok = false;
      } else {
        out += env;
      }
    } else if (body.substr(0, 5) == "file:") {
      std::string path(body.substr(5));
      std::string reason;
      auto content =
          path.empty() ? std::nullopt : ReadWholeFile(path, kMaxSubstitutedFileBytes, &reason);
      if (!content) {
        BadValue(field, "cannot read file " + Quote(path) + " for ${file:...}" +
                            (reason.empty() ? "" : ": " + reason));
        ok = false;
      } else {
        while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) {
          content->pop_back();
        }
        out += *content;
      }
    } else {
      BadValue(field, "unknown substitution " + Quote("${" + std::string(body) + "}") +
                          " (expected ${env:NAME} or ${file:PATH})");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> Loader::ReadString(const Field& field) {
  auto scalar = ReadScalar(field, "a string");
  if (!scalar) return std::nullopt;
  return std::move(scalar->value);
}

std::optional<std::string> Loader::ReadRequestPath(const Field& field) {
  auto path = ReadNonEmptyString(field);
  if (path &&
      (path->front() != '/' || HasControlChar(*path) || path->find(' ') != std::string::npos)) {
    BadValue(field, "must start with '/' and contain no spaces or control characters");
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> Loader::ReadNonEmptyString(const Field& field) {
  auto value = ReadString(field);
  if (value && value->empty()) {
    BadValue(field, "must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> Loader::ReadInteger(const Field& field, uint64_t min, uint64_t max) {
  auto scalar = ReadScalar(field, "a non-negative integer");
  if (!scalar) return std::nullopt;
  const std::string& text = scalar->value;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || end != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    BadValue(field, "expected a non-negative integer, got " + Quote(scalar->raw));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value > max) {
    BadValue(field, "must be at most " + std::to_string(max));
    return std::nullopt;
  }
  if (value < min) {
    BadValue(field, "must be at least " + std::to_string(min));
    return std::nullopt;
  }
  return value;
}

std::optional<double> Loader::ReadNumber(const Field& field, double min) {
  auto scalar = ReadScalar(field, "a number");
  if (!scalar) return std::nullopt;
  const std::string& text = scalar->value;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    BadValue(field, "expected a number, got " + Quote(scalar->raw));
    return std::nullopt;
  }
  if (value < min) {
    std::ostringstream bound;
    bound << min;
    BadValue(field, "must be at least " + bound.str());
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Loader::ReadBool(const Field& field) {
  auto scalar = ReadScalar(field, "true or false");
  if (!scalar) return std::nullopt;
  const std::string& text = scalar->value;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  BadValue(field, "expected true or false, got " + Quote(scalar->raw));
  return std::nullopt;
}

std::optional<Millis> Loader::ReadDuration(const Field& field) {
  auto scalar = ReadScalar(field, "a duration such as 250ms, 5s, 2m or 1h");
  if (!scalar) return std::nullopt;
  auto value = core::ParseDuration(scalar->value);
  if (!value) {
    BadValue(field, "expected a duration such as 250ms, 5s, 2m or 1h, got " + Quote(scalar->raw));
    return std::nullopt;
  }
  if (value->count() <= 0) {
    BadValue(field, "must be greater than 0");
    return std::nullopt;
  }
  return value;
}

std::optional<HostPort> Loader::ReadHostPort(const Field& field) {
  auto scalar = ReadScalar(field, "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080");
  if (!scalar) return std::nullopt;
  std::string why;
  auto value = ParseHostPort(scalar->value, &why);
  if (!value) BadValue(field, why + Quote(scalar->raw));
  return value;
}

// Accepts http(s)://host[:port][/path]; strips trailing slashes so consumers can append paths.
std::optional<std::string> Loader::ReadBaseUrl(const Field& field) {
  auto scalar = ReadScalar(field, "a URL");
  if (!scalar) return std::nullopt;
  std::string url = scalar->value;
  auto fail = [&](const std::string& why) {
    BadValue(field, why + ", got " + Quote(scalar->raw));
    return std::nullopt;
  };
  size_t authority_start = 0;
  if (url.rfind("http://", 0) == 0) {
    authority_start = 7;
  } else if (url.rfind("https://", 0) == 0) {
    authority_start = 8;
  } else {
    return fail("expected an http:// or https:// URL");
  }
  if (url.find_first_of("?#") != std::string::npos) {
    return fail("URL must not have a query or fragment");
  }
  if (HasControlChar(url) || url.find(' ') != std::string::npos) {
    return fail("URL must not contain spaces or control characters");
  }
  size_t path_start = url.find('/', authority_start);
  std::string authority =
      url.substr(authority_start, path_start == std::string::npos ? std::string::npos
                                                                  : path_start - authority_start);
  if (authority.find('@') != std::string::npos) {
    return fail("credentials in the URL are not allowed; use api_key");
  }
  std::string host = authority;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos || !IsIpv6(authority.substr(1, close - 1))) {
      return fail("invalid IPv6 address in URL");
    }
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("invalid URL authority");
      port_text = std::string_view(authority).substr(close + 2);
      has_port = true;
    }
  } else if (size_t colon = authority.find(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port_text = std::string_view(authority).substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return fail("URL has no host");
  if (has_port) {
    auto port = ParsePort(port_text);
    if (!port || *port == 0) return fail("URL port must be a number from 1 to 65535");
  }
  while (path_start != std::string::npos && url.size() > path_start && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

std::optional<std::string> Loader::ReadHeaderPattern(const Field& field) {
  auto scalar = ReadScalar(field, "a header name");
  if (!scalar) return std::nullopt;
  std::string name = scalar->value;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view stem = name;
  if (!stem.empty() && stem.back() == '*') stem.remove_suffix(1);
  // A bare "*" would also forward the client's own credentials upstream.
  if (stem.empty()) {
    BadValue(field, "expected a header name or a 'prefix-*' pattern, got " + Quote(scalar->raw));
    return std::nullopt;
  }
  if (!std::all_of(stem.begin(), stem.end(), IsHeaderNameChar)) {
    BadValue(field,
             "invalid header name " + Quote(scalar->raw) + " ('*' is allowed only at the end)");
    return std::nullopt;
  }
  return name;
}

std::optional<AccessLog> Loader::ReadAccessLog(const Field& field) {
  auto value = ReadNonEmptyString(field);
  if (!value) return std::nullopt;
  AccessLog log;
  if (*value == "stdout") {
    log.target = AccessLogTarget::kStdout;
  } else if (*value == "off") {
    log.target = AccessLogTarget::kOff;
  } else {
    log.target = AccessLogTarget::kFile;
    // Otherwise "stderr" would silently become a file of that name in the working directory.
    log.path = *value == "stderr" ? "/dev/stderr" : *value;
  }
  return log;
}

LoadResult Loader::Load(const std::string& text) {
  LoadResult result;
  if (auto root = ParseSingleDocument(text)) {
    auto config = std::make_shared<Config>();
    config->source = source_;
    ReadTopLevel(*root, *config);
    if (errors_.empty()) result.config = std::move(config);
  }
  // Traversal order is mostly file order already; cross-checks come last, so sort them in.
  std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  result.errors = std::move(errors_);
  return result;
}

std::optional<YAML::Node> Loader::ParseSingleDocument(const std::string& text) {
  // yaml-cpp 0.7's LoadAll() loops forever on a stray top-level ',' (it yields empty documents
  // without consuming the token), so look at most two documents ahead with a parser of our own.
  DocumentCounter counter;
  YAML::Node root;
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    const auto& starts = counter.starts();
    if (starts.size() == 2 && starts[0].pos == starts[1].pos) {
      AddError(starts[0], "YAML syntax error: unexpected token at the top level");
      return std::nullopt;
    }
    if (starts.size() == 2) AddError(starts[1], "only one YAML document is allowed");
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    AddError(e.mark, "YAML syntax error: " + Printable(e.msg, 200));
    return std::nullopt;
  }
  if (root.IsNull()) {
    AddError(YAML::Mark(), "configuration is empty");  // Mark() is line 1, column 1
    return std::nullopt;
  }
  if (!root.IsMap()) {
    AddError(root, "the top level must be a map of keys such as 'providers' and 'models'");
    return std::nullopt;
  }
  return root;
}

void Loader::ReadTopLevel(const YAML::Node& root, Config& config) {
  auto fields = ReadMap(
      root, "",
      {"listen", "admin", "workers", "limits", "access_log", "providers", "models", "consumers",
       "anonymous", "rate_limits", "jwt", "pricing", "ledger", "store", "tracing", "metrics"});
  if (!fields) return;
  auto find = [&](const char* key) -> const Field* {
    auto it = fields->find(key);
    return it == fields->end() ? nullptr : &it->second;
  };
  bool addresses_ok = true;
  if (auto* f = find("listen")) {
    auto value = ReadHostPort(*f);
    addresses_ok = value.has_value();
    listen_mark_ = ValueMark(*f);
    Assign(config.listen, value);
  }
  if (auto* f = find("admin")) {
    auto value = ReadHostPort(*f);
    addresses_ok = addresses_ok && value.has_value();
    admin_mark_ = ValueMark(*f);
    Assign(config.admin, value);
  }
  if (auto* f = find("workers")) Assign(config.workers, ReadInteger(*f, 0, kMaxWorkers));
  if (auto* f = find("limits")) ReadLimits(*f, config.limits);
  if (auto* f = find("access_log")) Assign(config.access_log, ReadAccessLog(*f));
  RequireKey(*fields, root, "", "providers");
  RequireKey(*fields, root, "", "models");
  if (auto* f = find("providers")) ReadProviders(*f, config);
  if (auto* f = find("models")) ReadModels(*f, config);
  if (auto* f = find("consumers")) ReadConsumers(*f, config.consumers);
  config.anonymous = config.consumers.empty();
  if (auto* f = find("anonymous")) Assign(config.anonymous, ReadBool(*f));
  if (auto* f = find("rate_limits")) ReadRateLimits(*f, config.rate_limits);
  if (auto* f = find("jwt")) ReadJwt(*f, config.jwt);
  if (auto* f = find("pricing")) ReadPricing(*f, config.pricing);
  if (auto* f = find("ledger")) ReadLedger(*f, config.ledger);
  if (auto* f = find("tracing")) ReadTracing(*f, config.tracing);
  if (auto* f = find("metrics")) ReadMetrics(*f, config.metrics);
  if (auto* f = find("store")) ReadStore(*f, config.store);
  CheckProviderNames(config);
  CheckModelNames(config);
  CheckModelProviders(config);
  CheckModelQueues(config);
  if (addresses_ok) CheckAddresses(config);
}

void Loader::ReadConsumers(const Field& field, std::vector<Consumer>& consumers) {
  for (const auto& item : ReadList(field)) {
    auto fields = ReadMap(item.value, item.path,
                          {"name", "team", "keys", "models", "metadata", "priority", "weight"});
    if (!fields) {
      BadValue(item, "expected a map {name, team, keys, models, metadata}");
      continue;
    }
    RequireKey(*fields, item.value, item.path, "name", "");
    Consumer c;
    for (const auto& [key, f] : *fields) {
      if (key == "name") {
        auto name = ReadNonEmptyString(f);
        if (name && !IsProviderName(*name))
          BadValue(f, "consumer names may contain only letters, digits, '-', '_' and '.'");
        else
          Assign(c.name, name);
        for (const auto& other : consumers)
          if (name && other.name == *name) BadValue(f, "duplicate consumer " + Quote(*name));
      } else if (key == "team") {
        auto team = ReadNonEmptyString(f);
        if (team && !IsProviderName(*team))
          BadValue(f, "team names may contain only letters, digits, '-', '_' and '.'");
        else
          Assign(c.team, team);
      } else if (key == "keys") {
        for (const auto& k : ReadList(f)) {
          auto secret = ReadNonEmptyString(k);
          if (secret && secret->size() < 16)
            BadValue(k, "an API key must have at least 16 characters");
          else if (secret) {
            c.key_hashes.push_back(core::Sha256Hex(*secret));
            c.key_prefixes.push_back(secret->substr(0, 6) + "...");
          }
        }
      } else if (key == "models") {
        for (const auto& m : ReadList(f))
          if (auto name = ReadNonEmptyString(m)) c.models.push_back(*name);
      } else if (key == "metadata") {
        if (!f.value.IsMap()) {
          BadValue(f, "expected a map of strings");
          continue;
        }
        for (const auto& kv : f.value)
          c.metadata.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>(""));
      } else if (key == "priority") {
        auto p = ReadNumber(f, -1000);
        if (p && (*p > 1000 || *p != std::floor(*p)))
          BadValue(f, "expected an integer from -1000 to 1000");
        else if (p)
          c.priority = static_cast<int>(*p);
      } else if (key == "weight") {
        auto w = ReadNumber(f, 0);
        if (w && *w <= 0)
          BadValue(f, "expected a number above 0");
        else
          Assign(c.weight, w);
      }
    }
    consumers.push_back(std::move(c));
  }
}

void Loader::ReadPricing(const Field& field, std::vector<std::pair<std::string, ModelPricing>>& out) {
  if (!field.value.IsMap()) return BadValue(field, "expected a map of model name to prices");
  for (const auto& kv : field.value) {
    Field entry{field.path + "." + kv.first.as<std::string>(""), kv.first, kv.second};
    auto fields = ReadMap(entry.value, entry.path,
                          {"input_per_mtok", "output_per_mtok", "cached_input_per_mtok",
                           "cache_creation_per_mtok"});
    if (!fields) {
      BadValue(entry, "expected a map of prices per million tokens");
      continue;
    }
    ModelPricing price;
    for (const auto& [key, f] : *fields) {
      if (key == "input_per_mtok") Assign(price.input_per_mtok, ReadNumber(f, 0));
      else if (key == "output_per_mtok") Assign(price.output_per_mtok, ReadNumber(f, 0));
      else if (key == "cached_input_per_mtok") Assign(price.cached_input_per_mtok, ReadNumber(f, 0));
      else if (key == "cache_creation_per_mtok")
        Assign(price.cache_creation_per_mtok, ReadNumber(f, 0));
    }
    out.emplace_back(kv.first.as<std::string>(""), price);
  }
}

void Loader::ReadLedger(const Field& field, LedgerSettings& ledger) {
  auto fields = ReadMap(field.value, field.path, {"path"});
  if (!fields) return BadValue(field, "expected a map {path}");
  RequireKey(*fields, field.value, field.path, "path", "");
  for (const auto& [key, f] : *fields)
    if (key == "path") Assign(ledger.path, ReadNonEmptyString(f));
}

void Loader::ReadTracing(const Field& field, TracingSettings& tracing) {
  auto fields = ReadMap(field.value, field.path,
                        {"otlp_endpoint", "service_name", "sample_ratio", "max_queue", "max_batch",
                         "flush_interval", "export_timeout"});
  if (!fields) return BadValue(field, "expected a map {otlp_endpoint, service_name, ...}");
  RequireKey(*fields, field.value, field.path, "otlp_endpoint", " (tracing is off without it)");
  for (const auto& [key, f] : *fields) {
    if (key == "otlp_endpoint") {
      auto url = ReadNonEmptyString(f);
      std::string why;
      if (url && !telemetry::OtlpTracesTarget(*url, &why))
        BadValue(f, why + ", got " + Quote(f.value.Scalar()));
      else
        Assign(tracing.otlp_endpoint, url);
    } else if (key == "service_name") {
      Assign(tracing.service_name, ReadNonEmptyString(f));
    } else if (key == "sample_ratio") {
      auto ratio = ReadNumber(f, 0);
      if (ratio && *ratio > 1)
        BadValue(f, "expected a ratio between 0 and 1");
      else
        Assign(tracing.sample_ratio, ratio);
    } else if (key == "max_queue") {
      Assign(tracing.max_queue, ReadInteger(f, 1, 1'000'000));
    } else if (key == "max_batch") {
      Assign(tracing.max_batch, ReadInteger(f, 1, 100'000));
    } else if (key == "flush_interval") {
      Assign(tracing.flush_interval, ReadDuration(f));
    } else if (key == "export_timeout") {
      Assign(tracing.export_timeout, ReadDuration(f));
    }
  }
  if (tracing.flush_interval.count() <= 0 || tracing.export_timeout.count() <= 0)
    BadValue(field, "flush_interval and export_timeout must be positive");
}

void Loader::ReadMetrics(const Field& field, MetricsSettings& metrics) {
  auto fields = ReadMap(field.value, field.path, {"labels", "max_label_values"});
  if (!fields) return BadValue(field, "expected a map {labels, max_label_values}");
  for (const auto& [key, f] : *fields) {
    if (key == "max_label_values") {
      Assign(metrics.max_label_values, ReadInteger(f, 1, 1'000'000));
      continue;
    }
    if (!f.value.IsMap()) {
      BadValue(f, "expected a map of metric name -> list of labels to keep");
      continue;
    }
    for (const auto& entry : f.value) {
      Field metric{f.path + "." + entry.first.Scalar(), entry.first, entry.second};
      const std::string& name = entry.first.Scalar();
      const telemetry::MetricLabels* known = telemetry::FindLabelledMetric(name);
      if (!known) {
        std::string names;
        for (const auto& m : telemetry::LabelledMetrics())
          names += (names.empty() ? "" : ", ") + std::string(m.metric);
        AddError(entry.first, "unknown metric " + Quote(name) + " in " + f.path +
                                  " (labelled metrics: " + names + ")");
        continue;
      }
      std::vector<std::string> keep;
      for (const auto& item : ReadList(metric)) {
        auto label = ReadNonEmptyString(item);
        if (!label) continue;
        if (std::find(known->labels.begin(), known->labels.end(), *label) ==
            known->labels.end()) {
          std::string names;
          for (auto l : known->labels) names += (names.empty() ? "" : ", ") + std::string(l);
          BadValue(item, name + " has no label " + Quote(*label) + " (it has " + names + ")");
          continue;
        }
        keep.push_back(*label);
      }
      metrics.labels.emplace_back(name, std::move(keep));
    }
  }
}

void Loader::ReadStore(const Field& field, StoreSettings& store) {
  auto fields =
      ReadMap(field.value, field.path, {"type", "url", "timeout", "fail_mode", "key_prefix"});
  if (!fields) return BadValue(field, "expected a map {type, url, timeout, fail_mode, key_prefix}");
  const Field* url = nullptr;
  for (const auto& [key, f] : *fields) {
    if (key == "type") {
      auto type = ReadNonEmptyString(f);
      if (type && *type != "memory" && *type != "redis") BadValue(f, "expected memory or redis");
      else if (type) store.redis = *type == "redis";
    } else if (key == "url") {
      url = &f;
    } else if (key == "timeout") {
      auto timeout = ReadDuration(f);
      if (timeout && (timeout->count() < 1 || *timeout > std::chrono::seconds(10)))
        BadValue(f, "a store timeout is between 1ms and 10s");
      else
        Assign(store.timeout, timeout);
    } else if (key == "fail_mode") {
      auto mode = ReadNonEmptyString(f);
      if (mode && *mode != "open" && *mode != "closed") BadValue(f, "expected open or closed");
      else if (mode) store.fail_open = *mode == "open";
    } else if (key == "key_prefix") {
      Assign(store.key_prefix, ReadString(f));
    }
  }
  if (store.redis && !url) return AddError(field.value, field.path + ": type redis needs a url");
  if (!url) return;
  auto text = ReadNonEmptyString(*url);
  if (!text) return;
  // Never quote the URL back: it may carry a password.
  auto parsed = boost::urls::parse_uri(*text);
  if (!parsed || parsed->scheme() != "redis" || parsed->host().empty())
    return BadValue(*url, "expected redis://[[user]:password@]host[:port][/db] (rediss:// is not "
                          "supported)");
  store.host = parsed->host();
  if (store.host.size() > 2 && store.host.front() == '[') store.host = store.host.substr(1, store.host.size() - 2);
  if (parsed->has_port()) {
    if (parsed->port_number() == 0) return BadValue(*url, "the Redis port must be 1-65535");
    store.port = parsed->port_number();
  }
  if (parsed->has_userinfo()) {
    store.username = parsed->user();
    store.password = parsed->password();
  }
  std::string path = parsed->path();
  if (!path.empty() && path != "/") {
    char* end = nullptr;
    long db = std::strtol(path.c_str() + 1, &end, 10);
    if (*end != '\0' || db < 0 || db > 15 || end == path.c_str() + 1)
      return BadValue(*url, "the database after the last '/' must be 0-15");
    store.db = static_cast<int>(db);
  }
}

void Loader::ReadJwt(const Field& field, JwtSettings& jwt) {
  auto fields = ReadMap(field.value, field.path,
                        {"jwks_file", "issuer", "audience", "consumer_claim", "leeway"});
  if (!fields) return BadValue(field, "expected a map");
  RequireKey(*fields, field.value, field.path, "jwks_file", "");
  for (const auto& [key, f] : *fields) {
    if (key == "jwks_file") {
      auto path = ReadNonEmptyString(f);
      if (!path) continue;
      std::string reason;
      auto text = ReadWholeFile(*path, kMaxSubstitutedFileBytes, &reason);
      if (!text) {
        BadValue(f, "cannot read JWKS file " + Quote(*path) + ": " + reason);
        continue;
      }
      jwt.jwks_file = *path;
      jwt.jwks = std::move(*text);
    } else if (key == "issuer") {
      Assign(jwt.issuer, ReadNonEmptyString(f));
    } else if (key == "audience") {
      Assign(jwt.audience, ReadNonEmptyString(f));
    } else if (key == "consumer_claim") {
      Assign(jwt.consumer_claim, ReadNonEmptyString(f));
    } else if (key == "leeway") {
      Assign(jwt.leeway, ReadDuration(f));
    }
  }
}

void Loader::ReadRateLimits(const Field& field, std::vector<RateLimitRule>& rules) {
  for (const auto& item : ReadList(field)) {
    auto fields =
        ReadMap(item.value, item.path,
                {"name", "by", "models", "window", "requests", "input_tokens", "output_tokens",
                 "total_tokens", "cost_usd", "default_output_tokens", "hard"});
    if (!fields) {
      BadValue(item, "expected a map");
      continue;
    }
    RequireKey(*fields, item.value, item.path, "name", "");
    RateLimitRule rule;
    for (const auto& [key, f] : *fields) {
      const Field& value = f;  // clang 14 cannot capture a structured binding
      auto count = [&](uint64_t& out) {
        Assign(out, ReadInteger(value, 1, std::numeric_limits<uint64_t>::max()));
      };
      if (key == "name") {
        auto name = ReadNonEmptyString(f);
        if (name && !IsProviderName(*name))
          BadValue(f, "rule names may contain only letters, digits, '-', '_' and '.'");
        else
          Assign(rule.name, name);
      } else if (key == "by") {
        for (const auto& b : ReadList(f)) {
          auto v = ReadNonEmptyString(b);
          if (!v) continue;
          bool header = v->rfind("header:", 0) == 0 && v->size() > 7;
          if (*v == "consumer" || *v == "team" || *v == "model" || *v == "route" || header)
            rule.by.push_back(header ? "header:" + Lowercase(v->substr(7)) : *v);
          else
            BadValue(b, "expected consumer, team, model, route or header:<name>");
        }
      } else if (key == "models") {
        for (const auto& m : ReadList(f))
          if (auto name = ReadNonEmptyString(m)) rule.models.push_back(*name);
      } else if (key == "window" && f.value.IsScalar() && f.value.Scalar() == "month") {
        rule.calendar_month = true;
        rule.window = std::chrono::hours(24 * 31);
      } else if (key == "window") {
        auto window = ReadDuration(f);
        if (window && (*window < std::chrono::seconds(1) || *window > std::chrono::hours(24 * 31)))
          BadValue(f, "a window is between 1s and 31d");
        else
          Assign(rule.window, window);
      } else if (key == "requests") {
        count(rule.requests);
      } else if (key == "input_tokens") {
        count(rule.input_tokens);
      } else if (key == "output_tokens") {
        count(rule.output_tokens);
      } else if (key == "total_tokens") {
        count(rule.total_tokens);
      } else if (key == "cost_usd") {
        Assign(rule.cost_usd, ReadNumber(f, 0));
      } else if (key == "default_output_tokens") {
        Assign(rule.default_output_tokens, ReadInteger(f, 1, 10'000'000));
      } else if (key == "hard") {
        Assign(rule.hard, ReadBool(f));
      }
    }
    if (rule.hard && !rule.output_tokens && !rule.total_tokens && rule.cost_usd <= 0)
      AddError(item.value, item.path + ": hard needs output_tokens, total_tokens or cost_usd (what "
                                       "a stream can outgrow)");
    if (!rule.requests && !rule.input_tokens && !rule.output_tokens && !rule.total_tokens &&
        rule.cost_usd <= 0)
      AddError(item.value, item.path + ": a rule needs at least one of requests, input_tokens, "
                                       "output_tokens, total_tokens, cost_usd");
    rules.push_back(std::move(rule));
  }
}

void Loader::ReadLimits(const Field& field, ServerLimits& limits) {
  auto fields = ReadMap(
      field.value, field.path,
      {"max_body_bytes", "max_header_bytes", "request_timeout", "idle_timeout", "drain_timeout"});
  if (!fields) return BadValue(field, "expected a map");
  for (const auto& [key, f] : *fields) {
    if (key == "max_body_bytes") {
      Assign(limits.max_body_bytes, ReadInteger(f, 1, std::numeric_limits<uint64_t>::max()));
    } else if (key == "max_header_bytes") {
      Assign(limits.max_header_bytes, ReadInteger(f, 1024, std::numeric_limits<uint32_t>::max()));
    } else if (key == "request_timeout") {
      Assign(limits.request_timeout, ReadDuration(f));
    } else if (key == "idle_timeout") {
      Assign(limits.idle_timeout, ReadDuration(f));
    } else if (key == "drain_timeout") {
      Assign(limits.drain_timeout, ReadDuration(f));
    }
  }
}

void Loader::ReadProviders(const Field& field, Config& config) {
  auto items = ReadList(field);
  if (field.value.IsSequence() && items.empty()) {
    BadValue(field, "at least one provider is required");
  }
  for (const auto& item : items) {
    Provider provider;
    provider_name_marks_.push_back(YAML::Mark::null_mark());
    ReadProvider(item, provider);
    config.providers.push_back(std::move(provider));
  }
}

void Loader::ReadProvider(const Field& item, Provider& provider) {
  auto fields = ReadMap(
      item.value, item.path,
      {"name", "type", "base_url", "api_key", "api_keys", "key_dead_time", "key_rest_time", "api_version", "ca_file", "tls_verify", "connect_timeout",
       "read_timeout", "ttft_timeout", "total_timeout", "outlier", "health_check", "max_concurrent",
       "max_pending", "pending_timeout", "max_idle_connections", "forward_headers", "aws", "vertex", "sim",
       "metrics", "lora_adapters", "quota"});
  if (!fields) return BadValue(item, "expected a map with 'name' and 'type'");
  RequireKey(*fields, item.value, item.path, "name");
  RequireKey(*fields, item.value, item.path, "type");
  std::optional<ProviderType> type;
  for (const auto& [key, f] : *fields) {
    if (key == "name") {
      auto name = ReadNonEmptyString(f);
      if (name && !IsProviderName(*name)) {
        BadValue(f, "provider names may contain only letters, digits, '-', '_' and '.', got " +
                        Quote(f.value.Scalar()));
      } else if (name) {
        provider.name = *name;
        provider_name_marks_.back() = ValueMark(f);
      }
    } else if (key == "type") {
      auto scalar = ReadScalar(f, "a provider type");
      if (!scalar) continue;
      std::string expected;
      for (ProviderType t : kProviderTypes) {
        if (scalar->value == ProviderTypeName(t)) type = t;
        expected += (expected.empty() ? "" : ", ") + std::string(ProviderTypeName(t));
      }
      if (!type)
        BadValue(f, "unknown provider type " + Quote(scalar->raw) + " (expected one of " +
                        expected + ")");
    } else if (key == "base_url") {
      Assign(provider.base_url, ReadBaseUrl(f));
    } else if (key == "api_version") {
      Assign(provider.api_version, ReadNonEmptyString(f));
    } else if (key == "api_key") {
      if (auto secret = ReadString(f); secret && !secret->empty())
        provider.api_keys.push_back({"default", *secret, 1});
    } else if (key == "api_keys") {
      ReadApiKeys(f, provider.api_keys);
    } else if (key == "key_dead_time") {
      Assign(provider.key_dead_time, ReadDuration(f));
    } else if (key == "key_rest_time") {
      Assign(provider.key_rest_time, ReadDuration(f));
    } else if (key == "ca_file") {
      auto path = ReadNonEmptyString(f);
      std::error_code ec;
      if (path && (std::filesystem::is_directory(*path, ec) || !std::ifstream(*path))) {
        BadValue(f, "cannot read CA file " + Quote(f.value.Scalar()));
      } else if (path) {
        provider.ca_file = *path;
      }
    } else if (key == "tls_verify") {
      Assign(provider.tls_verify, ReadBool(f));
    } else if (key == "connect_timeout") {
      Assign(provider.connect_timeout, ReadDuration(f));
    } else if (key == "read_timeout") {
      Assign(provider.read_timeout, ReadDuration(f));
    } else if (key == "ttft_timeout") {
      Assign(provider.ttft_timeout, ReadDuration(f));
    } else if (key == "total_timeout") {
      Assign(provider.total_timeout, ReadDuration(f));
    } else if (key == "outlier") {
      ReadOutlier(f, provider.outlier);
    } else if (key == "health_check") {
      ReadHealthCheck(f, provider.health_check);
    } else if (key == "metrics") {
      ReadMetricsScrape(f, provider.metrics);
    } else if (key == "quota") {
      ReadQuota(f, provider);
    } else if (key == "lora_adapters") {
      for (const auto& adapter : ReadList(f))
        if (auto name = ReadNonEmptyString(adapter)) provider.lora_adapters.push_back(*name);
    } else if (key == "max_pending") {
      Assign(provider.max_pending, ReadInteger(f, 0, std::numeric_limits<uint32_t>::max()));
    } else if (key == "pending_timeout") {
      Assign(provider.pending_timeout, ReadDuration(f));
    } else if (key == "max_concurrent") {
      Assign(provider.max_concurrent, ReadInteger(f, 0, std::numeric_limits<uint32_t>::max()));
    } else if (key == "max_idle_connections") {
      Assign(provider.max_idle_connections,
             ReadInteger(f, 0, std::numeric_limits<uint32_t>::max()));
    } else if (key == "forward_headers") {
      for (const auto& header : ReadList(f)) {
        if (auto pattern = ReadHeaderPattern(header)) provider.forward_headers.push_back(*pattern);
      }
    } else if (key == "sim") {
      ReadSim(f, provider.sim);
    } else if (key == "aws") {
      ReadAws(f, provider.aws);
    } else if (key == "vertex") {
      ReadVertex(f, provider.vertex);
    }
  }
  if (!type) return;  // already reported; type-specific checks would only add noise
  provider.type = *type;
  auto base_url = fields->find("base_url");
  auto sim = fields->find("sim");
  if (*type != ProviderType::kSim) {
    RequireKey(*fields, item.value, item.path, "base_url",
               " (required for type " + std::string(ProviderTypeName(*type)) + ")");
    if (sim != fields->end()) AddError(sim->second.key, sim->second.path + ": only for type sim");
    if (fields->count("api_key") && fields->count("api_keys"))
      AddError(fields->find("api_keys")->second.key,
               item.path + ".api_keys: give either api_key or api_keys, not both");
    auto vertex = fields->find("vertex");
    if (*type == ProviderType::kVertex)
      RequireKey(*fields, item.value, item.path, "vertex", " (required for type vertex)");
    else if (vertex != fields->end())
      AddError(vertex->second.key, vertex->second.path + ": only for type vertex");
    auto aws = fields->find("aws");
    if (*type == ProviderType::kBedrock)
      RequireKey(*fields, item.value, item.path, "aws", " (required for type bedrock)");
    else if (aws != fields->end())
      AddError(aws->second.key, aws->second.path + ": only for type bedrock");
  } else {
    if (base_url != fields->end())
      AddError(base_url->second.key, base_url->second.path + ": not allowed for type sim");
    if (auto check = fields->find("health_check"); check != fields->end())
      AddError(check->second.key, check->second.path + ": not for type sim");
    if (auto metrics = fields->find("metrics"); metrics != fields->end())
      AddError(metrics->second.key,
               metrics->second.path + ": not for type sim (its gauges are read in-process)");
  }
}

void Loader::ReadApiKeys(const Field& field, std::vector<ApiKey>& keys) {
  for (const auto& item : ReadList(field)) {
    auto fields = ReadMap(item.value, item.path, {"id", "key", "weight"});
    if (!fields) {
      BadValue(item, "expected a map {id, key, weight}");
      continue;
    }
    RequireKey(*fields, item.value, item.path, "id", "");
    RequireKey(*fields, item.value, item.path, "key", "");
    ApiKey key;
    for (const auto& [name, f] : *fields) {
      if (name == "id") {
        auto id = ReadNonEmptyString(f);
        if (id && !IsProviderName(*id))
          BadValue(f, "key ids may contain only letters, digits, '-', '_' and '.'");
        else
          Assign(key.id, id);
        for (const auto& other : keys)
          if (!key.id.empty() && other.id == key.id) BadValue(f, "duplicate key id " + Quote(key.id));
      } else if (name == "key") {
        Assign(key.key, ReadNonEmptyString(f));
      } else if (name == "weight") {
        Assign(key.weight, ReadInteger(f, 1, 1'000'000));
      }
    }
    keys.push_back(std::move(key));
  }
}

void Loader::ReadVertex(const Field& field, VertexSettings& vertex) {
  auto fields =
      ReadMap(field.value, field.path, {"project", "location", "service_account_file"});
  if (!fields) return BadValue(field, "expected a map");
  for (const char* required : {"project", "location", "service_account_file"})
    RequireKey(*fields, field.value, field.path, required, "");
  for (const auto& [key, f] : *fields) {
    if (key == "project") {
      Assign(vertex.project, ReadNonEmptyString(f));
    } else if (key == "location") {
      Assign(vertex.location, ReadNonEmptyString(f));
    } else if (key == "service_account_file") {
      auto path = ReadNonEmptyString(f);
      if (path && !std::ifstream(*path))
        BadValue(f, "cannot read service-account file " + Quote(*path));
      else
        Assign(vertex.service_account_file, path);
    }
  }
}

void Loader::ReadAws(const Field& field, AwsCredentials& aws) {
  auto fields = ReadMap(field.value, field.path,
                        {"region", "access_key_id", "secret_access_key", "session_token"});
  if (!fields) return BadValue(field, "expected a map");
  for (const char* required : {"region", "access_key_id", "secret_access_key"})
    RequireKey(*fields, field.value, field.path, required, "");
  for (const auto& [key, f] : *fields) {
    if (key == "region") Assign(aws.region, ReadNonEmptyString(f));
    else if (key == "access_key_id") Assign(aws.access_key_id, ReadNonEmptyString(f));
    else if (key == "secret_access_key") Assign(aws.secret_access_key, ReadNonEmptyString(f));
    else if (key == "session_token") Assign(aws.session_token, ReadString(f));
  }
}

void Loader::ReadSim(const Field& field, SimSettings& sim) {
  auto fields = ReadMap(field.value, field.path,
                        {"tokens", "tokens_per_second", "embedding_dims", "kv_blocks", "base_ttft",
                         "prefill_ms_per_token"});
  if (!fields) return BadValue(field, "expected a map");
  for (const auto& [key, f] : *fields) {
    if (key == "kv_blocks") {
      Assign(sim.kv_blocks, ReadInteger(f, 0, 1u << 26));
    } else if (key == "base_ttft") {
      Assign(sim.base_ttft, ReadDuration(f));
    } else if (key == "prefill_ms_per_token") {
      Assign(sim.prefill_ms_per_token, ReadNumber(f, 0));
    } else if (key == "tokens") {
      Assign(sim.tokens, ReadInteger(f, 1, std::numeric_limits<uint32_t>::max()));
    } else if (key == "tokens_per_second") {
      Assign(sim.tokens_per_second, ReadNumber(f, 0));
    } else if (key == "embedding_dims") {
      Assign(sim.embedding_dims, ReadInteger(f, 1, kMaxEmbeddingDims));
    }
  }
}

void Loader::ReadOutlier(const Field& field, OutlierDetection& outlier) {
  auto fields =
      ReadMap(field.value, field.path,
              {"consecutive_failures", "failure_rate", "window", "base_ejection", "max_ejection"});
  if (!fields) return BadValue(field, "expected a map");
  for (const auto& [key, f] : *fields) {
    if (key == "consecutive_failures") {
      Assign(outlier.consecutive_failures, ReadInteger(f, 0, 1'000'000));
    } else if (key == "failure_rate") {
      auto rate = ReadNumber(f, 0);
      if (rate && *rate > 1)
        BadValue(f, "must be between 0 and 1");
      else
        Assign(outlier.failure_rate, rate);
    } else if (key == "window") {
      Assign(outlier.window, ReadInteger(f, 2, 64));
    } else if (key == "base_ejection") {
      Assign(outlier.base_ejection, ReadDuration(f));
    } else if (key == "max_ejection") {
      Assign(outlier.max_ejection, ReadDuration(f));
    }
  }
  if (outlier.max_ejection < outlier.base_ejection)
    BadValue(field, "max_ejection must be at least base_ejection");
}

void Loader::ReadMetricsScrape(const Field& field, MetricsScrape& metrics) {
  auto fields = ReadMap(field.value, field.path, {"type", "path", "interval"});
  if (!fields) return BadValue(field, "expected a map");
  RequireKey(*fields, field.value, field.path, "type", "");
  for (const auto& [key, f] : *fields) {
    if (key == "type") {
      auto type = ReadNonEmptyString(f);
      if (type && !routing::ParseServerKind(*type))
        BadValue(f, "expected vllm, sglang or llamacpp");
      else
        Assign(metrics.type, type);
    } else if (key == "interval") {
      auto interval = ReadDuration(f);
      if (interval && interval->count() <= 0)
        BadValue(f, "must be positive");
      else
        Assign(metrics.interval, interval);
    } else if (key == "path") {
      Assign(metrics.path, ReadRequestPath(f));
    }
  }
}

void Loader::ReadModelRouting(const Field& field, ModelRouting& r) {
  auto fields = ReadMap(field.value, field.path,
                        {"policy", "weights", "block_chars", "max_blocks", "index_capacity",
                         "lora"});
  if (!fields) return BadValue(field, "expected a map");
  RequireKey(*fields, field.value, field.path, "policy", "");
  for (const auto& [key, f] : *fields) {
    if (key == "policy") {
      auto policy = ReadNonEmptyString(f);
      if (policy && !routing::ParsePolicy(*policy))
        BadValue(f,
                 "expected prefix-aware, cost, least-request, power-of-two, round-robin or random");
      else
        Assign(r.policy, policy);
    } else if (key == "weights") {
      auto weights = ReadMap(f.value, f.path,
                             {"prefix", "queue", "kv_cache", "lora", "session", "latency"});
      if (!weights) {
        BadValue(f, "expected a map of scorer name to weight");
        continue;
      }
      for (const auto& [name, w] : *weights) {
        double* slot = name == "prefix"     ? &r.prefix_weight
                       : name == "queue"    ? &r.queue_weight
                       : name == "kv_cache" ? &r.kv_cache_weight
                       : name == "lora"     ? &r.lora_weight
                       : name == "session"  ? &r.session_weight
                                            : &r.latency_weight;
        Assign(*slot, ReadNumber(w, 0));
      }
    } else if (key == "block_chars") {
      Assign(r.block_chars, ReadInteger(f, 1, 1 << 20));
    } else if (key == "max_blocks") {
      Assign(r.max_blocks, ReadInteger(f, 1, 1 << 16));
    } else if (key == "index_capacity") {
      Assign(r.index_capacity, ReadInteger(f, 1, 1u << 30));
    } else if (key == "lora") {
      Assign(r.lora, ReadBool(f));
    }
  }
}

void Loader::ReadModelQueue(const Field& field, ModelQueue& q) {
  auto fields = ReadMap(field.value, field.path,
                        {"policy", "max_queued", "timeout", "input_weight", "output_weight",
                         "quantum", "queue_depth", "kv_cache", "max_concurrency", "reserve"});
  if (!fields) return BadValue(field, "expected a map");
  q.enabled = true;
  for (const auto& [key, f] : *fields) {
    if (key == "policy") {
      auto policy = ReadNonEmptyString(f);
      if (policy && *policy != "vtc" && *policy != "fcfs" && *policy != "dlpm") {
        BadValue(f, "expected vtc, dlpm or fcfs");
      } else if (policy) {
        q.fair = *policy != "fcfs";
        q.locality = *policy == "dlpm";
      }
    } else if (key == "max_queued") {
      Assign(q.max_queued, ReadInteger(f, 1, 1u << 20));
    } else if (key == "timeout") {
      Assign(q.timeout, ReadDuration(f));
    } else if (key == "input_weight") {
      Assign(q.input_weight, ReadNumber(f, 0));
    } else if (key == "output_weight") {
      Assign(q.output_weight, ReadNumber(f, 0));
    } else if (key == "queue_depth") {
      Assign(q.queue_depth, ReadNumber(f, 0));
    } else if (key == "kv_cache") {
      auto kv = ReadNumber(f, 0);
      if (kv && *kv > 1)
        BadValue(f, "expected a share of the KV cache between 0 and 1");
      else
        Assign(q.kv_cache, kv);
    } else if (key == "max_concurrency") {
      Assign(q.max_concurrency, ReadInteger(f, 0, 1u << 20));
    } else if (key == "reserve") {
      Assign(q.reserve, ReadInteger(f, 0, 1u << 20));
    } else if (key == "quantum") {
      Assign(q.quantum, ReadNumber(f, 0));
    }
  }
}

void Loader::ReadQuota(const Field& field, Provider& provider) {
  auto fields = ReadMap(field.value, field.path, {"requests_per_minute", "tokens_per_minute"});
  if (!fields) return BadValue(field, "expected a map {requests_per_minute, tokens_per_minute}");
  for (const auto& [key, f] : *fields) {
    uint64_t& slot = key == "requests_per_minute" ? provider.quota_requests_per_minute
                                                  : provider.quota_tokens_per_minute;
    Assign(slot, ReadInteger(f, 1, uint64_t(1) << 40));
  }
}

void Loader::ReadHealthCheck(const Field& field, HealthCheck& check) {
  auto fields = ReadMap(field.value, field.path, {"interval", "path", "timeout"});
  if (!fields) return BadValue(field, "expected a map");
  for (const auto& [key, f] : *fields) {
    if (key == "interval") {
      Assign(check.interval, ReadDuration(f));
    } else if (key == "timeout") {
      Assign(check.timeout, ReadDuration(f));
    } else if (key == "path") {
      Assign(check.path, ReadRequestPath(f));
    }
  }
}

void Loader::ReadRetry(const Field& field, RetryPolicy& retry) {
  auto fields =
      ReadMap(field.value, field.path, {"attempts", "base_backoff", "max_backoff", "budget"});
  if (!fields) return BadValue(field, "expected a map");
  for (const auto& [key, f] : *fields) {
    if (key == "attempts") {
      Assign(retry.attempts, ReadInteger(f, 1, 10));
    } else if (key == "base_backoff") {
      Assign(retry.base_backoff, ReadDuration(f));
    } else if (key == "max_backoff") {
      Assign(retry.max_backoff, ReadDuration(f));
    } else if (key == "budget") {
      auto budget = ReadNumber(f, 0);
      if (budget && *budget > 1)
        BadValue(f, "must be between 0 and 1");
      else
        Assign(retry.budget, budget);
    }
  }
  if (retry.max_backoff < retry.base_backoff)
    BadValue(field, "max_backoff must be at least base_backoff");
}

void Loader::ReadTarget(const Field& item, Target& target) {
  auto fields =
      ReadMap(item.value, item.path, {"provider", "upstream_model", "priority", "weight"});
  if (!fields) return BadValue(item, "expected a map with 'provider'");
  RequireKey(*fields, item.value, item.path, "provider");
  for (const auto& [key, f] : *fields) {
    if (key == "provider") {
      if (auto provider = ReadNonEmptyString(f)) {
        target.provider = *provider;
        model_marks_.back().providers.emplace_back(ValueMark(f), f.path);
      }
    } else if (key == "upstream_model") {
      Assign(target.upstream_model, ReadString(f));
    } else if (key == "priority") {
      Assign(target.priority, ReadInteger(f, 0, 1000));
    } else if (key == "weight") {
      Assign(target.weight, ReadInteger(f, 1, 1'000'000));
    }
  }
}

void Loader::ReadModels(const Field& field, Config& config) {
  auto items = ReadList(field);
  if (field.value.IsSequence() && items.empty()) BadValue(field, "at least one model is required");
  for (const auto& item : items) {
    Model model;
    model_marks_.emplace_back();
    ReadModel(item, model);
    config.models.push_back(std::move(model));
  }
}

void Loader::ReadModel(const Field& item, Model& model) {
  auto fields = ReadMap(item.value, item.path,
                        {"name", "aliases", "provider", "upstream_model", "targets", "retry",
                         "routing", "queue"});
  if (!fields) return BadValue(item, "expected a map with 'name' and 'provider'");
  RequireKey(*fields, item.value, item.path, "name");
  bool has_provider = fields->count("provider") > 0;
  bool has_targets = fields->count("targets") > 0;
  if (has_provider == has_targets) {
    AddError(item.value,
             item.path + ": give either 'provider' (one backend) or 'targets' (several)");
  } else if (has_targets && fields->count("upstream_model")) {
    AddError(fields->at("upstream_model").key,
             item.path + ".upstream_model: set upstream_model on each target instead");
  }
  if (has_provider) model.targets.emplace_back();
  ModelMarks& marks = model_marks_.back();
  auto check_name = [&](const Field& f, bool allow_wildcard) -> std::optional<std::string> {
    auto name = ReadNonEmptyString(f);
    if (name && HasControlChar(*name)) {
      BadValue(f, "must not contain control characters");
      return std::nullopt;
    }
    if (name && !allow_wildcard && name->find('*') != std::string::npos) {
      BadValue(f, "aliases cannot contain '*' (put wildcards in the model name)");
      return std::nullopt;
    }
    return name;
  };
  for (const auto& [key, f] : *fields) {
    if (key == "name") {
      if (auto name = check_name(f, true)) {
        model.name = *name;
        marks.name = ValueMark(f);
        marks.name_path = f.path;
      }
    } else if (key == "aliases") {
      for (const auto& alias_field : ReadList(f)) {
        if (auto alias = check_name(alias_field, false)) {
          model.aliases.push_back(*alias);
          marks.aliases.emplace_back(ValueMark(alias_field), alias_field.path);
        }
      }
    } else if (key == "provider" && has_provider) {
      if (auto provider = ReadNonEmptyString(f)) {
        model.targets.front().provider = *provider;
        marks.providers.emplace_back(ValueMark(f), f.path);
      }
    } else if (key == "upstream_model" && has_provider) {
      Assign(model.targets.front().upstream_model, ReadString(f));
    } else if (key == "targets" && has_targets) {
      auto items = ReadList(f);
      if (f.value.IsSequence() && items.empty()) BadValue(f, "at least one target is required");
      for (const auto& target_item : items) {
        model.targets.emplace_back();
        ReadTarget(target_item, model.targets.back());
      }
    } else if (key == "retry") {
      ReadRetry(f, model.retry);
    } else if (key == "routing") {
      ReadModelRouting(f, model.routing);
    } else if (key == "queue") {
      ReadModelQueue(f, model.queue);
    }
  }
}

void Loader::CheckProviderNames(const Config& config) {
  std::map<std::string, size_t> first_by_name;
  for (size_t i = 0; i < config.providers.size(); ++i) {
    const std::string& name = config.providers[i].name;
    if (name.empty()) continue;
    auto [it, inserted] = first_by_name.emplace(name, i);
    if (inserted) continue;
    AddError(provider_name_marks_[i],
             "providers[" + std::to_string(i) + "].name: duplicate provider name " + Quote(name) +
                 " (first declared at line " +
                 std::to_string(provider_name_marks_[it->second].line + 1) + ")");
  }
}

void Loader::CheckModelNames(const Config& config) {
  // Names and aliases share one namespace: a client's "model" must resolve to one entry.
  std::map<std::string, YAML::Mark> first_seen;
  auto check = [&](const std::string& name, const YAML::Mark& mark, const std::string& path) {
    auto [it, inserted] = first_seen.emplace(name, mark);
    if (inserted) return;
    AddError(mark, path + ": model name " + Quote(name) + " is already used at line " +
                       std::to_string(it->second.line + 1));
  };
  for (size_t i = 0; i < config.models.size(); ++i) {
    const Model& model = config.models[i];
    const ModelMarks& marks = model_marks_[i];
    if (!model.name.empty()) check(model.name, marks.name, marks.name_path);
    for (size_t j = 0; j < model.aliases.size(); ++j) {
      check(model.aliases[j], marks.aliases[j].first, marks.aliases[j].second);
    }
  }
}

void Loader::CheckModelQueues(const Config& config) {
  for (size_t i = 0; i < config.models.size(); ++i) {
    const Model& model = config.models[i];
    const ModelQueue& q = model.queue;
    std::string path = model_marks_[i].name_path;
    if (path.ends_with(".name")) path.resize(path.size() - 5);
    // DLPM's locality asks the routing policy's prefix index where a prompt is cached.
    if (q.enabled && q.locality && model.routing.policy.empty())
      AddError(model_marks_[i].name,
               path + ".queue.policy: dlpm needs routing.policy (its prefix index)");
    // The reserve is carved out of the concurrency slots: without them, or taking all of them,
    // it would hold back nothing or everything.
    if (q.enabled && q.reserve > 0 &&
        uint64_t{q.reserve} >= uint64_t{q.max_concurrency} * model.targets.size())
      AddError(model_marks_[i].name,
               path + ".queue.reserve: must be less than max_concurrency x the model's targets (" +
                   std::to_string(uint64_t{q.max_concurrency} * model.targets.size()) + ")");
    if (!q.enabled || q.max_concurrency > 0) continue;
    bool signal = false;
    for (const Target& target : model.targets) {
      const Provider* p = config.FindProvider(target.provider);
      if (!p) return;  // reported already
      signal = signal || !p->metrics.type.empty() || p->sim.kv_blocks > 0 ||
               p->quota_requests_per_minute > 0 || p->quota_tokens_per_minute > 0;
    }
    if (!signal)
      AddError(model_marks_[i].name,
               path +
                   ".queue: the queue can never fill: set queue.max_concurrency, or give a "
                   "target metrics to scrape (or sim.kv_blocks) or a quota");
  }
}

void Loader::CheckModelProviders(const Config& config) {
  // A provider whose name did not load was already reported; every reference would repeat it.
  bool names_complete =
      !config.providers.empty() && std::none_of(config.providers.begin(), config.providers.end(),
                                                [](const Provider& p) { return p.name.empty(); });
  if (!names_complete) return;
  for (size_t i = 0; i < config.models.size(); ++i) {
    size_t named = 0;  // targets whose provider name loaded, in order, parallel to the marks
    for (const Target& target : config.models[i].targets) {
      if (target.provider.empty()) continue;
      const auto& [mark, path] = model_marks_[i].providers[named++];
      if (config.FindProvider(target.provider) != nullptr) continue;
      AddError(mark, path + ": unknown provider " + Quote(target.provider) +
                         " (declare it under 'providers')");
    }
  }
}

// Two listeners on one address would fail only at bind time, after the config was accepted.
void Loader::CheckAddresses(const Config& config) {
  if (config.listen.port == 0 || config.listen.port != config.admin.port) return;
  if (config.listen.host != config.admin.host) return;
  if (!admin_mark_.is_null()) {
    AddError(admin_mark_, "admin: must differ from listen (" + config.listen.ToString() + ")");
  } else if (!listen_mark_.is_null()) {
    AddError(listen_mark_, "listen: must differ from admin (" + config.admin.ToString() + ")");
  }
}

}  // namespace

std::optional<HostPort> ParseHostPort(std::string_view text, std::string* why) {
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || text.compare(close, 2, "]:") != 0) {
      *why = "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got ";
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (!IsIpv6(host)) {
      *why = "invalid IPv6 address in ";
      return std::nullopt;
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      *why = "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got ";
      return std::nullopt;
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    // Listeners bind to an address, not a name: "localhost" is the one name accepted.
    if (host == "localhost") {
      host = "127.0.0.1";
    } else if (!IsIpv4(host)) {
      *why = "host must be an IPv4 address, [IPv6 address] or localhost, got ";
      return std::nullopt;
    }
  }
  auto port = ParsePort(port_text);
  if (!port) {
    *why = "port must be a number from 0 to 65535, got ";
    return std::nullopt;
  }
  return HostPort{host, *port};
}

LoadResult LoadConfigText(const std::string& yaml_text, const std::string& source_name) {
  return Loader(source_name).Load(yaml_text);
}

LoadResult LoadConfigFile(const std::string& path) {
  std::string reason;
  auto text = ReadWholeFile(path, std::numeric_limits<size_t>::max(), &reason);
  if (!text) {
    LoadResult result;
    result.errors.push_back(ConfigError{path, 0, 0, "cannot read config file: " + reason});
    return result;
  }
  return LoadConfigText(*text, path);
}

}  // namespace sluice::config
