#pragma once
// A model-server replica as the simulator models it (vLLM-V1-like):
// - KV cache of `num_blocks` blocks of 16 tokens; full prompt blocks are cached by chained hash
//   with reference counts; a finished request's blocks stay hit-able on an LRU free list (tail
//   block first, as vLLM frees them) until reused;
// - continuous batching: each step decodes every running request, then spends the rest of the
//   token budget on (chunked) prefill and admits waiting requests FCFS while slots and blocks
//   allow (a request reserves blocks for prompt and output at admission, so nothing is preempted);
// - step time alpha + beta * prefill tokens + gamma * decoding requests + delta * their context.
#include <cstdint>
#include <deque>
#include <list>
#include <unordered_map>
#include <vector>

#include "sim/request.h"

namespace sluice::sim {

struct ReplicaConfig {
  uint32_t num_blocks = 19200;  // ~307k tokens of KV (llm-d's 73%-capacity run)
  uint32_t max_seqs = 256;
  uint32_t step_tokens = 8192;  // token budget per step (chunked prefill)
  double alpha_ms = 8;          // fixed cost per step
  double beta_ms = 0.07;        // per prefill token
  double gamma_ms = 0.03;       // per decoding request
  double delta_ms = 2e-6;       // per context token of decoding requests (attention reads)
};

struct ReplicaGauges {
  uint32_t waiting = 0;
  uint32_t running = 0;
  double kv_usage = 0;
};

// What a step did to a request.
struct StepEvent {
  // kRejected: the request cannot fit even in an empty cache.
  enum Kind { kFirstToken, kDone, kRejected } kind;
  uint32_t id;             // the id given to Enqueue
  uint32_t cached_tokens;  // prompt tokens served from the prefix cache
};

class Replica {
 public:
  explicit Replica(const ReplicaConfig& config) : config_(config) {}

  // `request` must outlive its completion.
  void Enqueue(uint32_t id, const SimRequest* request);
  bool busy() const { return !waiting_.empty() || !running_.empty(); }
  // Runs one step: returns its duration in seconds and appends what happened (at its end).
  // `decoded`, when given, gets the id of every request that produced a decode token in the step
  // (the first token is reported as kFirstToken instead), so a gateway can charge output as it
  // streams.
  double Step(std::vector<StepEvent>& events, std::vector<uint32_t>* decoded = nullptr);

  ReplicaGauges gauges() const;
  uint64_t prompt_tokens_total() const { return prompt_tokens_; }
  uint64_t cached_tokens_total() const { return cached_total_; }
  double busy_seconds() const { return busy_s_; }
  const ReplicaConfig& config() const { return config_; }
  uint32_t cached_blocks() const { return static_cast<uint32_t>(cache_.size()); }

 private:
  struct Running {
    uint32_t id;
    const SimRequest* req;
    uint32_t prefill_left;
    uint32_t generated = 0;
    uint32_t hit_blocks = 0;      // leading prompt blocks found in the cache
    uint32_t private_blocks = 0;  // partial tail and output reservation
  };
  struct Block {
    uint32_t refs = 0;
    std::list<uint64_t>::iterator lru;  // valid when refs == 0
  };
  bool TryAdmit(uint32_t id, const SimRequest* r);
  void Ref(uint64_t hash, Block& block);
  void Prefill(Running& run, uint32_t& budget, uint32_t& prefilled, std::vector<StepEvent>& events);
  void Release(Running& run);
  void Unref(uint64_t hash);
  uint32_t Available() const { return config_.num_blocks - private_ - referenced_; }

  ReplicaConfig config_;
  std::deque<std::pair<uint32_t, const SimRequest*>> waiting_;
  std::vector<Running> running_;
  std::unordered_map<uint64_t, Block> cache_;
  std::list<uint64_t> lru_;  // evictable cached blocks, least recent first
  uint32_t private_ = 0;     // blocks not in the cache map (partial tails, output reservations)
  uint32_t referenced_ = 0;  // cached blocks with refs > 0
  uint64_t prompt_tokens_ = 0;
  uint64_t cached_total_ = 0;
  double busy_s_ = 0;
};

}  // namespace sluice::sim
