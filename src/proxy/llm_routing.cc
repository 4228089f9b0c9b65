#include "proxy/llm_routing.h"

#include <boost/json/serialize.hpp>

#include "routing/prefix_hash.h"

namespace sluice::proxy {

namespace {

std::vector<routing::EndpointInfo> Endpoints(const routing::Route& route) {
  std::vector<routing::EndpointInfo> out(route.targets.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].name = route.targets[i].provider->name;
    out[i].adapters = route.targets[i].provider->lora_adapters;
  }
  return out;
}

}  // namespace

LlmPool::LlmPool(const config::ModelRouting& settings, const routing::Route& route)
    : state_(Endpoints(route), std::max<uint32_t>(settings.block_chars / 4, 1),
             settings.index_capacity),
      picker_(PickerFor(settings)),
      rng_(std::random_device{}()) {
  for (const auto& t : route.targets) names_.push_back(t.provider->name);
}

routing::PickerConfig LlmPool::PickerFor(const config::ModelRouting& s) {
  routing::PickerConfig c;
  c.policy = routing::ParsePolicy(s.policy).value_or(routing::Policy::kScored);
  c.weights.prefix = s.prefix_weight;
  c.weights.queue = s.queue_weight;
  c.weights.kv_cache = s.kv_cache_weight;
  c.weights.lora = s.lora_weight;
  c.weights.session = s.session_weight;
  c.weights.latency = s.latency_weight;
  return c;
}

bool LlmPool::SameEndpoints(const routing::Route& route) const {
  if (route.targets.size() != names_.size()) return false;
  for (size_t i = 0; i < names_.size(); ++i)
    if (route.targets[i].provider->name != names_[i]) return false;
  return true;
}

void LlmPool::Configure(const config::ModelRouting& settings, const routing::Route& route) {
  std::lock_guard lock(mutex_);
  picker_ = routing::EndpointPicker(PickerFor(settings));
  for (size_t i = 0; i < state_.size() && i < route.targets.size(); ++i)
    state_.SetAdapters(i, route.targets[i].provider->lora_adapters);
}

uint64_t LlmPool::CachedTokens(std::span<const uint64_t> hashes, const std::vector<bool>& room) {
  if (hashes.empty()) return 0;
  std::lock_guard lock(mutex_);
  std::vector<uint32_t> matched(state_.size());
  state_.index().Match(hashes, matched);
  uint32_t best = 0;
  for (size_t e = 0; e < matched.size() && e < room.size(); ++e)
    if (room[e]) best = std::max(best, matched[e]);
  return uint64_t{best} * state_.block_tokens();
}

int LlmPool::Pick(const routing::PickRequest& request, const std::vector<bool>& candidates,
                  routing::SteadyTime now, routing::DispatchTicket& ticket) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < state_.size(); ++i)
    state_.SetHealthy(i, i < candidates.size() && candidates[i]);
  routing::PickResult pick = picker_.Pick(state_, request, now, rng_);
  if (pick.endpoint < 0) return -1;
  ticket = state_.OnDispatch(request, pick);
  return pick.endpoint;
}

void LlmPool::Finish(routing::DispatchTicket& ticket, double ttft_ms) {
  if (ticket.endpoint < 0) return;
  std::lock_guard lock(mutex_);
  if (ttft_ms >= 0) state_.OnFirstToken(ticket, ttft_ms);
  state_.OnComplete(ticket);
}

void LlmPool::UpdateMetrics(std::string_view provider, const routing::EndpointMetrics& metrics) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == provider) state_.UpdateMetrics(i, metrics);
}

std::string CanonicalPrompt(const api::ParsedRequest* openai, const api::ChatRequest* unified) {
  if (openai && openai->has_body()) {
    const auto& body = openai->body();
    if (const auto* messages = body.if_contains("messages"))
      return boost::json::serialize(*messages);
    if (const auto* prompt = body.if_contains("prompt")) {
      if (prompt->is_string()) return std::string(prompt->get_string());
      return boost::json::serialize(*prompt);
    }
    if (const auto* input = body.if_contains("input")) return boost::json::serialize(*input);
  }
  std::string text;
  if (unified) {
    for (const auto& part : unified->system) text.append(part.text).push_back('\n');
    for (const auto& message : unified->messages)
      for (const auto& part : message.parts) text.append(part.text).append(part.arguments);
  }
  return text;
}

void PromptHashes(std::string_view canonical, std::string_view model, std::string_view salt,
                  uint32_t block_chars, uint32_t max_blocks, std::vector<uint64_t>& out) {
  routing::PrefixHashOptions options;
  options.block_chars = block_chars;
  options.max_blocks = max_blocks;
  routing::HashPrompt(routing::PrefixSeed(model, salt), canonical, options, out);
}

}  // namespace sluice::proxy
