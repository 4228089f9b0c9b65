#include "telemetry/label_policy.h"

#include <algorithm>

namespace sluice::telemetry {

namespace {

constexpr std::string_view kRequests[] = {"route", "provider", "status", "code", "consumer"};
constexpr std::string_view kTokens[] = {"route", "type", "consumer"};
constexpr std::string_view kAttempts[] = {"provider", "result"};
constexpr std::string_view kRoute[] = {"route"};
constexpr std::string_view kRule[] = {"rule"};
constexpr std::string_view kProvider[] = {"provider"};
constexpr std::string_view kAction[] = {"action"};
constexpr std::string_view kGenAi[] = {"gen_ai_operation_name", "gen_ai_provider_name",
                                       "gen_ai_request_model", "gen_ai_response_model",
                                       "consumer"};
constexpr std::string_view kGenAiTokens[] = {
    "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
    "gen_ai_response_model", "gen_ai_token_type",    "consumer"};

constexpr MetricLabels kMetrics[] = {
    {"sluice_requests_total", kRequests},
    {"sluice_tokens_total", kTokens},
    {"sluice_upstream_attempts_total", kAttempts},
    {"sluice_fallbacks_total", kRoute},
    {"sluice_rate_limited_total", kRule},
    {"sluice_ejections_total", kProvider},
    {"sluice_store_failures_total", kAction},
    {"gen_ai_server_request_duration_seconds", kGenAi},
    {"gen_ai_server_time_to_first_token_seconds", kGenAi},
    {"gen_ai_server_time_per_output_token_seconds", kGenAi},
    {"gen_ai_client_token_usage", kGenAiTokens},
};

}  // namespace

std::span<const MetricLabels> LabelledMetrics() { return kMetrics; }

const MetricLabels* FindLabelledMetric(std::string_view metric) {
  for (const auto& m : kMetrics)
    if (m.metric == metric) return &m;
  return nullptr;
}

LabelPolicy::LabelPolicy(const AllowLists& allow) {
  for (const auto& [metric, labels] : allow) allow_[metric] = labels;
}

bool LabelPolicy::Keeps(std::string_view metric, std::string_view label) const {
  auto it = allow_.find(metric);
  if (it == allow_.end()) return label != "consumer";
  return std::find(it->second.begin(), it->second.end(), label) != it->second.end();
}

bool LabelValueCap::Admit(CappedLabel label, std::string_view value) {
  std::lock_guard lock(mu_);
  auto& admitted = admitted_[static_cast<size_t>(label)];
  if (admitted.find(value) != admitted.end()) return true;
  if (admitted.size() >= limit_.load(std::memory_order_relaxed)) return false;
  admitted.emplace(value);
  return true;
}

std::string_view LabelValueCache::Apply(CappedLabel label, std::string_view value) {
  if (!cap_ || value.empty()) return value;
  std::string& last = last_[static_cast<size_t>(label)];
  if (value == last) return value;
  auto& known = known_[static_cast<size_t>(label)];
  if (known.find(value) == known.end()) {
    // Refused values are not cached: their number is what the cap bounds, not this worker's
    // memory.
    if (!cap_->Admit(label, value)) return kOtherValue;
    known.emplace(value);
  }
  last = value;
  return value;
}

}  // namespace sluice::telemetry
