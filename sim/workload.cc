#include "sim/workload.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <random>

namespace sluice::sim {
namespace {

uint64_t Id(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0) {
  return Mix(a ^ Mix(b ^ Mix(c ^ Mix(d))));
}

uint32_t Blocks(uint32_t tokens) { return (tokens + kBlockTokens - 1) / kBlockTokens; }
uint32_t RoundToBlock(uint32_t tokens) {
  return std::max(kBlockTokens, tokens / kBlockTokens * kBlockTokens);
}

void Append(std::vector<uint64_t>& blocks, uint32_t tokens, uint64_t a, uint64_t b,
            uint64_t c = 0) {
  for (uint32_t j = 0; j < Blocks(tokens); ++j) blocks.push_back(Id(a, b, c, j));
}

// Poisson arrival times.
std::vector<double> Arrivals(double rate, size_t n, std::mt19937_64& rng) {
  std::exponential_distribution<double> gap(rate);
  std::vector<double> t(n);
  double now = 0;
  for (auto& x : t) x = now += gap(rng);
  return t;
}

constexpr uint64_t kSystem = 1, kQuestion = 2, kContext = 3, kAnswer = 4, kTemplate = 5, kQuery = 6,
                   kUnique = 7, kTrace = 8;

}  // namespace

std::vector<SimRequest> SharedPrefix(const SharedPrefixOptions& o, double rate, size_t requests,
                                     uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto times = Arrivals(rate, requests, rng);
  std::uniform_int_distribution<uint32_t> group(0, o.groups - 1),
      prompt(0, o.prompts_per_group - 1);
  std::vector<SimRequest> out(requests);
  const uint32_t sys = RoundToBlock(o.system_tokens), q = RoundToBlock(o.question_tokens);
  for (size_t i = 0; i < requests; ++i) {
    auto& r = out[i];
    uint32_t g = group(rng), p = prompt(rng);
    r.arrival = times[i];
    r.prompt_tokens = sys + q;
    r.output_tokens = o.output_tokens;
    Append(r.prompt_blocks, sys, kSystem, g);
    Append(r.prompt_blocks, q, kQuestion, g, p);
  }
  return out;
}

std::vector<SimRequest> MultiTurn(const MultiTurnOptions& o, double rate, size_t requests,
                                  uint64_t seed) {
  std::mt19937_64 rng(seed);
  const double gap = double(o.users) / rate;
  std::uniform_real_distribution<double> jitter(0.9, 1.1), start(0, gap);
  struct User {
    double next;
    std::vector<uint64_t> blocks;
    uint32_t round = 0;
  };
  std::vector<User> users(o.users);
  const uint32_t sys = RoundToBlock(o.system_tokens), ctx = RoundToBlock(o.user_context_tokens);
  for (uint32_t u = 0; u < o.users; ++u) {
    users[u].next = start(rng);
    Append(users[u].blocks, sys, kSystem, 0);
    Append(users[u].blocks, ctx, kContext, u);
  }
  const uint32_t q = RoundToBlock(o.question_tokens), a = RoundToBlock(o.answer_tokens);
  std::vector<SimRequest> out;
  out.reserve(requests);
  while (out.size() < requests) {
    auto it = std::min_element(users.begin(), users.end(),
                               [](const User& x, const User& y) { return x.next < y.next; });
    uint32_t u = static_cast<uint32_t>(it - users.begin());
    User& user = *it;
    Append(user.blocks, q, kQuestion, u, user.round);
    SimRequest r;
    r.arrival = user.next;
    r.prompt_blocks = user.blocks;
    r.prompt_tokens = static_cast<uint32_t>(user.blocks.size()) * kBlockTokens;
    r.output_tokens = a;
    r.session = u + 1;
    Append(r.output_blocks, a, kAnswer, u, user.round);
    user.blocks.insert(user.blocks.end(), r.output_blocks.begin(), r.output_blocks.end());
    out.push_back(std::move(r));
    ++user.round;
    user.next += gap * jitter(rng);
  }
  return out;
}

std::vector<SimRequest> FewShot(const FewShotOptions& o, double rate, size_t requests,
                                uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> len(o.min_template_tokens, o.max_template_tokens);
  std::vector<uint32_t> template_tokens(o.templates);
  for (auto& t : template_tokens) t = RoundToBlock(len(rng));
  std::vector<double> weights(o.templates);
  for (uint32_t k = 0; k < o.templates; ++k) weights[k] = 1.0 / std::pow(double(k + 1), o.zipf_s);
  std::discrete_distribution<uint32_t> pick(weights.begin(), weights.end());
  auto times = Arrivals(rate, requests, rng);
  const uint32_t q = RoundToBlock(o.query_tokens);
  std::vector<SimRequest> out(requests);
  for (size_t i = 0; i < requests; ++i) {
    auto& r = out[i];
    uint32_t k = pick(rng);
    r.arrival = times[i];
    r.prompt_tokens = template_tokens[k] + q;
    r.output_tokens = o.output_tokens;
    Append(r.prompt_blocks, template_tokens[k], kTemplate, k);
    Append(r.prompt_blocks, q, kQuery, i);
  }
  return out;
}

std::vector<SimRequest> NoSharing(const NoSharingOptions& o, double rate, size_t requests,
                                  uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> in(o.min_prompt_tokens, o.max_prompt_tokens),
      outl(o.min_output_tokens, o.max_output_tokens);
  auto times = Arrivals(rate, requests, rng);
  std::vector<SimRequest> out(requests);
  for (size_t i = 0; i < requests; ++i) {
    auto& r = out[i];
    r.arrival = times[i];
    r.prompt_tokens = in(rng);
    r.output_tokens = outl(rng);
    Append(r.prompt_blocks, r.prompt_tokens, kUnique, i, seed);
  }
  return out;
}

bool LoadMooncakeTrace(const std::string& path, double speedup, size_t max_requests,
                       std::vector<SimRequest>& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  constexpr uint32_t kTraceBlock = 512;  // Mooncake's hash_ids cover 512 tokens each
  std::string line;
  size_t line_no = 0;
  double t0 = -1;
  while (std::getline(in, line) && out.size() < max_requests) {
    ++line_no;
    if (line.empty()) continue;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    const boost::json::object* obj = ec ? nullptr : v.if_object();
    const boost::json::array* ids =
        obj ? obj->contains("hash_ids") ? obj->at("hash_ids").if_array() : nullptr : nullptr;
    auto number = [&](const char* key) -> double {
      const boost::json::value* x = obj ? obj->if_contains(key) : nullptr;
      return x && x->is_number() ? x->to_number<double>() : -1;
    };
    double ts = number("timestamp"), input = number("input_length"),
           output = number("output_length");
    if (!ids || ts < 0 || input < 1 || output < 1) {
      error = path + ":" + std::to_string(line_no) +
              ": expected {timestamp, input_length, output_length, hash_ids}";
      return false;
    }
    if (t0 < 0) t0 = ts;
    SimRequest r;
    r.arrival = (ts - t0) / 1000.0 / speedup;
    r.prompt_tokens = static_cast<uint32_t>(input);
    r.output_tokens = static_cast<uint32_t>(output);
    uint32_t blocks = Blocks(r.prompt_tokens);
    for (uint32_t j = 0; j < blocks; ++j) {
      uint32_t id_index = j * kBlockTokens / kTraceBlock;
      // Past the listed ids (a trace's last id covers a partial block): unique content.
      uint64_t id = id_index < ids->size() && (*ids)[id_index].is_int64()
                        ? uint64_t((*ids)[id_index].as_int64())
                        : Id(kUnique, line_no, 1, id_index);
      r.prompt_blocks.push_back(Id(kTrace, id, j % (kTraceBlock / kBlockTokens)));
    }
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SimRequest& a, const SimRequest& b) { return a.arrival < b.arrival; });
  return true;
}

bool WriteSyntheticTrace(const std::string& path, size_t requests, uint64_t seed) {
  std::ofstream f(path);
  if (!f) return false;
  std::mt19937_64 rng(seed);
  // A few system prompts (2-6 blocks of 512), sessions growing by one or two blocks a turn.
  const int kSystems = 8;
  std::vector<std::vector<int64_t>> systems(kSystems);
  int64_t next_id = 0;
  std::uniform_int_distribution<int> sys_len(2, 6), grow(1, 2), out_len(50, 400);
  for (auto& s : systems)
    for (int j = sys_len(rng); j > 0; --j) s.push_back(next_id++);
  struct Session {
    std::vector<int64_t> ids;
    int turns_left;
  };
  std::vector<Session> sessions;
  std::exponential_distribution<double> gap(4.0);  // 4 requests/s
  std::uniform_int_distribution<int> which(0, kSystems - 1), turns(1, 6);
  double t = 0;
  for (size_t i = 0; i < requests; ++i) {
    t += gap(rng);
    if (sessions.empty() || std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
      sessions.push_back({systems[which(rng)], turns(rng)});
    }
    size_t k = std::uniform_int_distribution<size_t>(0, sessions.size() - 1)(rng);
    Session& s = sessions[k];
    for (int j = grow(rng); j > 0; --j) s.ids.push_back(next_id++);
    // The last block is partial: input = full blocks before it + part of the last.
    int64_t input =
        int64_t(s.ids.size() - 1) * 512 + std::uniform_int_distribution<int>(1, 512)(rng);
    f << "{\"timestamp\": " << int64_t(t * 1000) << ", \"input_length\": " << input
      << ", \"output_length\": " << out_len(rng) << ", \"hash_ids\": [";
    for (size_t j = 0; j < s.ids.size(); ++j) f << (j ? ", " : "") << s.ids[j];
    f << "]}\n";
    if (--s.turns_left == 0) sessions.erase(sessions.begin() + k);
  }
  return bool(f);
}

}  // namespace sluice::sim
