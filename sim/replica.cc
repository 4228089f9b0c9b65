#include "sim/replica.h"

#include <algorithm>

namespace sluice::sim {

void Replica::Enqueue(uint32_t id, const SimRequest* request) {
  waiting_.emplace_back(id, request);
}

ReplicaGauges Replica::gauges() const {
  return {static_cast<uint32_t>(waiting_.size()), static_cast<uint32_t>(running_.size()),
          double(private_ + referenced_) / double(config_.num_blocks)};
}

void Replica::Ref(uint64_t hash, Block& block) {
  (void)hash;
  if (block.refs++ == 0) {
    lru_.erase(block.lru);
    ++referenced_;
  }
}

void Replica::Unref(uint64_t hash) {
  auto it = cache_.find(hash);
  if (it == cache_.end() || it->second.refs == 0) return;
  if (--it->second.refs == 0) {
    --referenced_;
    it->second.lru = lru_.insert(lru_.end(), hash);
  }
}

bool Replica::TryAdmit(uint32_t id, const SimRequest* r) {
  const uint32_t b = kBlockTokens;
  const uint32_t full = std::min<uint32_t>(r->prompt_tokens / b, r->hashes.size());
  uint32_t hit = 0, hit_evictable = 0;
  while (hit < full) {
    auto it = cache_.find(r->hashes[hit]);
    if (it == cache_.end()) break;
    hit_evictable += it->second.refs == 0;
    ++hit;
  }
  if (hit * b >= r->prompt_tokens) {  // at least one token must be computed
    --hit;
    auto it = cache_.find(r->hashes[hit]);
    hit_evictable -= it->second.refs == 0;
  }
  const uint32_t total = (r->prompt_tokens + r->output_tokens + b - 1) / b;
  const uint32_t priv = total - full;
  const uint32_t need = (full - hit) + priv;
  if (Available() < need + hit_evictable) return false;
  for (uint32_t i = 0; i < hit; ++i) {
    auto it = cache_.find(r->hashes[i]);
    Ref(it->first, it->second);
  }
  while (lru_.size() > Available() - need) {
    cache_.erase(lru_.front());
    lru_.pop_front();
  }
  for (uint32_t i = hit; i < full; ++i) {
    auto [it, inserted] = cache_.try_emplace(r->hashes[i]);
    if (inserted) {
      it->second.refs = 1;
      ++referenced_;
    } else {
      Ref(it->first, it->second);  // a later block survived an earlier one's eviction
    }
  }
  private_ += priv;
  Running run{id, r, r->prompt_tokens - hit * b};
  run.hit_blocks = hit;
  run.private_blocks = priv;
  running_.push_back(run);
  prompt_tokens_ += r->prompt_tokens;
  cached_total_ += hit * b;
  return true;
}

void Replica::Release(Running& run) {
  const SimRequest* r = run.req;
  private_ -= run.private_blocks;
  // The answer's full blocks stay cached too (a next turn repeats them), older than the prompt.
  if (r->prompt_tokens % kBlockTokens == 0) {
    size_t out = std::min<size_t>(r->output_tokens / kBlockTokens, r->output_hashes.size());
    for (size_t i = out; i-- > 0;) {
      auto [it, inserted] = cache_.try_emplace(r->output_hashes[i]);
      if (inserted) it->second.lru = lru_.insert(lru_.end(), r->output_hashes[i]);
    }
  }
  const uint32_t full = std::min<uint32_t>(r->prompt_tokens / kBlockTokens, r->hashes.size());
  for (uint32_t i = full; i-- > 0;) Unref(r->hashes[i]);  // tail first: evicted first
}

void Replica::Prefill(Running& run, uint32_t& budget, uint32_t& prefilled,
                      std::vector<StepEvent>& events) {
  uint32_t chunk = std::min(run.prefill_left, budget);
  run.prefill_left -= chunk;
  budget -= chunk;
  prefilled += chunk;
  if (run.prefill_left == 0) {
    run.generated = 1;
    events.push_back({StepEvent::kFirstToken, run.id, run.hit_blocks * kBlockTokens});
  }
}

double Replica::Step(std::vector<StepEvent>& events, std::vector<uint32_t>* decoded) {
  uint32_t budget = config_.step_tokens;
  uint32_t decoding = 0, prefilled = 0;
  uint64_t context = 0;
  for (auto& run : running_) {
    if (run.prefill_left > 0 || run.generated >= run.req->output_tokens) continue;
    ++run.generated;
    ++decoding;
    if (decoded) decoded->push_back(run.id);
    context += run.req->prompt_tokens + run.generated;
  }
  budget -= std::min(budget, decoding);
  for (auto& run : running_)
    if (run.prefill_left > 0 && budget > 0) Prefill(run, budget, prefilled, events);
  while (!waiting_.empty() && running_.size() < config_.max_seqs && budget > 0) {
    auto [id, req] = waiting_.front();
    if (!TryAdmit(id, req)) {
      if (running_.empty()) {  // larger than the whole cache: it would wait forever
        waiting_.pop_front();
        events.push_back({StepEvent::kRejected, id, 0});
        continue;
      }
      break;
    }
    waiting_.pop_front();
    Prefill(running_.back(), budget, prefilled, events);
  }
  // Finished requests leave at the end of the step; the rest keep their (FCFS) order.
  size_t kept = 0;
  for (auto& run : running_) {
    if (run.prefill_left == 0 && run.generated >= run.req->output_tokens) {
      events.push_back({StepEvent::kDone, run.id, run.hit_blocks * kBlockTokens});
      Release(run);
    } else {
      running_[kept++] = run;
    }
  }
  running_.resize(kept);
  if (decoding == 0 && prefilled == 0) return 0;
  double ms = config_.alpha_ms + config_.beta_ms * prefilled + config_.gamma_ms * decoding +
              config_.delta_ms * double(context);
  busy_s_ += ms / 1000;
  return ms / 1000;
}

}  // namespace sluice::sim
