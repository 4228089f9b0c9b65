#include "routing/pool_state.h"

#include <algorithm>

namespace sluice::routing {

PoolState::PoolState(std::vector<EndpointInfo> endpoints, uint32_t block_tokens,
                     uint32_t index_capacity)
    : endpoints_(std::move(endpoints)),
      index_(endpoints_.size(), index_capacity),
      block_tokens_(block_tokens ? block_tokens : 1) {
  if (endpoints_.size() > PrefixIndex::kMaxEndpoints) endpoints_.resize(PrefixIndex::kMaxEndpoints);
}

void PoolState::UpdateMetrics(size_t e, const EndpointMetrics& m) {
  if (e >= endpoints_.size()) return;
  endpoints_[e].metrics = m;
  if (m.num_blocks == 0) return;
  // The server's blocks may be larger or smaller than ours: convert through tokens.
  uint64_t tokens = m.num_blocks * (m.block_size ? m.block_size : block_tokens_);
  uint64_t blocks = std::max<uint64_t>(tokens / block_tokens_, 1);
  index_.SetCapacity(e, static_cast<uint32_t>(std::min<uint64_t>(blocks, UINT32_MAX)));
}

DispatchTicket PoolState::OnDispatch(const PickRequest& request, const PickResult& pick) {
  DispatchTicket t;
  if (pick.endpoint < 0 || static_cast<size_t>(pick.endpoint) >= endpoints_.size()) return t;
  t.endpoint = pick.endpoint;
  uint64_t cached =
      std::min<uint64_t>(uint64_t{pick.matched_blocks} * block_tokens_, request.prompt_tokens);
  t.tokens = uint64_t{request.prompt_tokens} + request.output_tokens;
  t.prefill_tokens = request.prompt_tokens - cached;
  auto& load = endpoints_[pick.endpoint].load;
  ++load.requests;
  load.tokens += t.tokens;
  load.prefill_tokens += t.prefill_tokens;
  index_.Insert(pick.endpoint, request.hashes);
  return t;
}

void PoolState::OnFirstToken(DispatchTicket& t, double ttft_ms) {
  if (t.endpoint < 0 || t.first_token || t.done) return;
  t.first_token = true;
  auto& load = endpoints_[t.endpoint].load;
  load.prefill_tokens -= std::min(load.prefill_tokens, t.prefill_tokens);
  constexpr double kAlpha = 0.2;
  load.ttft_ewma_ms = load.has_ttft ? (1 - kAlpha) * load.ttft_ewma_ms + kAlpha * ttft_ms : ttft_ms;
  load.has_ttft = true;
}

void PoolState::OnComplete(DispatchTicket& t) {
  if (t.endpoint < 0 || t.done) return;
  auto& load = endpoints_[t.endpoint].load;
  if (!t.first_token) load.prefill_tokens -= std::min(load.prefill_tokens, t.prefill_tokens);
  t.done = true;
  load.requests -= std::min<uint32_t>(load.requests, 1);
  load.tokens -= std::min(load.tokens, t.tokens);
}

}  // namespace sluice::routing
