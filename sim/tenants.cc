#include "sim/tenants.h"

#include <algorithm>
#include <random>

namespace sluice::sim {
namespace {

constexpr uint64_t kTenantPrefix = 11, kTenantUnique = 12;

uint64_t Id(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  return Mix(a ^ Mix(b ^ Mix(c ^ Mix(d))));
}

uint32_t Blocks(uint32_t tokens) { return (tokens + kBlockTokens - 1) / kBlockTokens; }

// Is time t inside one of the tenant's on periods?
bool On(const TenantSpec& t, double at) {
  if (t.on_s <= 0 || t.off_s <= 0) return true;
  if (at < t.phase) return false;
  double period = t.on_s + t.off_s;
  double in = at - t.phase - period * static_cast<double>(static_cast<uint64_t>((at - t.phase) / period));
  return in < t.on_s;
}

void Generate(const TenantSpec& t, uint32_t index, double horizon, uint64_t seed,
              std::vector<SimRequest>& out) {
  std::mt19937_64 rng(Mix(seed * 1000003 + index));
  std::exponential_distribution<double> gap(t.rate);
  std::uniform_int_distribution<uint32_t> prompt(t.prompt_min, t.prompt_max),
      output(t.output_min, t.output_max), prefix(0, std::max(t.prefixes, 1u) - 1);
  uint64_t n = 0;
  // Arrivals of a Poisson process at `rate`, kept only while on (thinning by time).
  for (double at = gap(rng); at < horizon; at += gap(rng)) {
    uint32_t p = prompt(rng), o = output(rng), k = prefix(rng);
    if (!On(t, at)) continue;
    SimRequest r;
    r.arrival = at;
    r.tenant = index;
    r.output_tokens = std::max(o, 1u);
    if (t.prefixes > 0) {
      // Whole blocks, so the tenant's own tokens start on a block boundary after the prefix.
      uint32_t blocks = Blocks(t.prefix_tokens);
      for (uint32_t j = 0; j < blocks; ++j)
        r.prompt_blocks.push_back(Id(kTenantPrefix, index, k, j));
      r.prompt_tokens = blocks * kBlockTokens;
    }
    for (uint32_t j = 0; j < Blocks(p); ++j)
      r.prompt_blocks.push_back(Id(kTenantUnique, Mix(seed) ^ index, n, j));
    r.prompt_tokens += std::max(p, 1u);
    r.session = n++;
    out.push_back(std::move(r));
  }
}

// Capacity of the default fairness fleet (4 replicas, sim/fair_fleet.h) in requests/s of
// 256 prompt + 256 output tokens, measured with fair_sim --calibrate; rates below are fractions
// of it, so "above its share" means something.
constexpr double kCapacity = 44;

TenantSpec Tenant(std::string name, double share, double load) {
  TenantSpec t;
  t.name = std::move(name);
  t.rate = share * kCapacity * load;
  t.prompt_min = 128;
  t.prompt_max = 384;
  t.output_min = 128;
  t.output_max = 384;
  return t;
}

}  // namespace

std::vector<SimRequest> GenerateTenants(const FairWorkload& w, uint64_t seed, int only) {
  std::vector<SimRequest> out;
  for (uint32_t i = 0; i < w.tenants.size(); ++i)
    if (only < 0 || uint32_t(only) == i) Generate(w.tenants[i], i, w.horizon, seed, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const SimRequest& a, const SimRequest& b) { return a.arrival < b.arrival; });
  return out;
}

std::vector<std::string> WorkloadNames() {
  return {"overload", "proportional", "on-off", "short-long", "heavy-light", "locality"};
}

std::optional<FairWorkload> NamedWorkload(std::string_view name, double load) {
  FairWorkload w;
  w.name = std::string(name);
  if (name == "overload") {
    // Four tenants, each above its quarter share, demands 1:2:4:8 (4x capacity in all): FCFS
    // serves them in proportion to demand.
    for (int i = 0; i < 4; ++i)
      w.tenants.push_back(Tenant("t" + std::to_string(i + 1), 0.27 * (1 << i), load));
  } else if (name == "proportional") {
    // Demands 1:2:3:4, 1.2x capacity: t1 and t2 stay under their max-min fair share (0.25,
    // then 0.29), t3 and t4 are backlogged and split the rest.
    for (int i = 0; i < 4; ++i)
      w.tenants.push_back(Tenant("t" + std::to_string(i + 1), 0.12 * (i + 1), load));
    w.tenants[0].light = w.tenants[1].light = true;
  } else if (name == "on-off") {
    // t1 always at 0.8 of capacity; t2 at 0.8 for 20 s, then silent for 20 s.
    w.tenants.push_back(Tenant("t1", 0.8, load));
    w.tenants.push_back(Tenant("t2", 0.8, load));
    w.tenants[1].on_s = 20;
    w.tenants[1].off_s = 20;
    w.tenants[1].phase = 10;
  } else if (name == "short-long") {
    // Short requests (128/64 tokens on average) against long ones (1024/512): many more
    // requests from t1, similar demand in weighted tokens, both above their share.
    TenantSpec s = Tenant("short", 2.4, load), l = Tenant("long", 0.36, load);
    s.prompt_min = 64, s.prompt_max = 192, s.output_min = 32, s.output_max = 96;
    l.prompt_min = 768, l.prompt_max = 1280, l.output_min = 384, l.output_max = 640;
    w.tenants = {s, l};
  } else if (name == "heavy-light") {
    // A heavy tenant at twice the capacity and a light one at a tenth of it.
    w.tenants.push_back(Tenant("heavy", 2.0, load));
    w.tenants.push_back(Tenant("light", 0.1, load));
    w.tenants[1].light = true;
  } else if (name == "locality") {
    // Four backlogged tenants, each with 16 system prompts of 4k tokens of its own: 256k tokens
    // of prefixes against 4 x 64k of KV cache, so the order of dispatch decides what stays.
    for (int i = 0; i < 4; ++i) {
      TenantSpec t = Tenant("t" + std::to_string(i + 1), 0.25, load);
      t.prefixes = 16;
      t.prefix_tokens = 4096;
      t.prompt_min = 128;
      t.prompt_max = 384;
      t.output_min = 64;
      t.output_max = 192;
      w.tenants.push_back(t);
    }
  } else {
    return std::nullopt;
  }
  return w;
}

}  // namespace sluice::sim
