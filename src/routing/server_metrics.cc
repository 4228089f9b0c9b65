#include "routing/server_metrics.h"

#include <charconv>
#include <cmath>
#include <string>

namespace sluice::routing {
namespace {

struct Names {
  std::string_view waiting, running, kv, kv_old, cache_config, block_label, blocks_label, lora;
};

Names NamesOf(ServerKind kind) {
  switch (kind) {
    case ServerKind::kVllm:
      return {"vllm:num_requests_waiting",
              "vllm:num_requests_running",
              "vllm:kv_cache_usage_perc",
              "vllm:gpu_cache_usage_perc",
              "vllm:cache_config_info",
              "block_size",
              "num_gpu_blocks",
              "vllm:lora_requests_info"};
    case ServerKind::kSglang:
      return {"sglang:num_queue_reqs",
              "sglang:num_running_reqs",
              "sglang:token_usage",
              "",
              "sglang:cache_config_info",
              "page_size",
              "num_pages",
              ""};
    case ServerKind::kLlamaCpp:
      return {"llamacpp:requests_deferred",
              "llamacpp:requests_processing",
              "llamacpp:kv_cache_usage_ratio",
              "",
              "",
              "",
              "",
              ""};
  }
  return {};
}

// The value of label `name` in a `{a="x",b="y"}` block, unescaped enough for numbers and names.
std::optional<std::string_view> Label(std::string_view labels, std::string_view name) {
  size_t pos = 0;
  while (pos < labels.size()) {
    size_t eq = labels.find('=', pos);
    if (eq == std::string_view::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"')
      return std::nullopt;
    std::string_view key = labels.substr(pos, eq - pos);
    while (!key.empty() && (key.front() == ',' || key.front() == ' ')) key.remove_prefix(1);
    size_t end = eq + 2;
    while (end < labels.size() && labels[end] != '"') end += labels[end] == '\\' ? 2 : 1;
    if (end >= labels.size()) return std::nullopt;
    if (key == name) return labels.substr(eq + 2, end - eq - 2);
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<double> Number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;  // NaN and ±Inf are no gauge
  return v;
}

std::vector<std::string> SplitNames(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::optional<ServerKind> ParseServerKind(std::string_view name) {
  if (name == "vllm") return ServerKind::kVllm;
  if (name == "sglang") return ServerKind::kSglang;
  if (name == "llamacpp" || name == "llama.cpp") return ServerKind::kLlamaCpp;
  return std::nullopt;
}

bool ParseServerMetrics(std::string_view text, ServerKind kind, EndpointMetrics& out) {
  const Names n = NamesOf(kind);
  SteadyTime at = out.at;
  out = EndpointMetrics{};
  out.at = at;
  bool found = false, has_new_kv = false;
  double kv_sum = 0, kv_old_sum = 0, lora_newest = -1;
  int kv_count = 0, kv_old_count = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    std::string_view name = line.substr(0, name_end);
    std::string_view labels;
    std::string_view rest = line.substr(name_end);
    if (rest.front() == '{') {
      size_t close = rest.rfind('}');
      if (close == std::string_view::npos) continue;
      labels = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
    }
    // "value [timestamp]"
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::optional<double> value = Number(rest.substr(0, rest.find(' ')));
    if (!value) continue;
    if (name == n.waiting) {
      out.waiting += *value;
      found = true;
    } else if (name == n.running) {
      out.running += *value;
      found = true;
    } else if (name == n.kv) {
      kv_sum += *value;
      ++kv_count;
      has_new_kv = true;
    } else if (!n.kv_old.empty() && name == n.kv_old) {
      kv_old_sum += *value;
      ++kv_old_count;
    } else if (!n.cache_config.empty() && name == n.cache_config) {
      if (auto b = Label(labels, n.block_label))
        if (auto v = Number(*b)) out.block_size = static_cast<uint32_t>(*v);
      if (auto b = Label(labels, n.blocks_label))
        if (auto v = Number(*b)) out.num_blocks = static_cast<uint64_t>(*v);
    } else if (!n.lora.empty() && name == n.lora && *value > lora_newest) {
      lora_newest = *value;  // the value is the series' last-update time
      out.has_lora = true;
      out.lora = {};
      if (auto m = Label(labels, "max_lora"))
        if (auto v = Number(*m)) out.lora.max_lora = static_cast<uint32_t>(*v);
      if (auto r = Label(labels, "running_lora_adapters")) out.lora.running = SplitNames(*r);
      if (auto w = Label(labels, "waiting_lora_adapters")) out.lora.waiting = SplitNames(*w);
    }
  }
  if (has_new_kv)
    out.kv_usage = kv_sum / kv_count;
  else if (kv_old_count)
    out.kv_usage = kv_old_sum / kv_old_count;
  out.valid = found;
  return found;
}

}  // namespace sluice::routing
