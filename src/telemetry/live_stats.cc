#include "telemetry/live_stats.h"

#include <algorithm>
#include <cstdio>

#include "telemetry/json_text.h"

namespace sluice::telemetry {

namespace {
void AppendDouble(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.3f", v);
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

LiveStats::Slot::Slot() : ttft(kTtftBucketsS) {}

void LiveStats::Slot::Reset(int64_t e) {
  *this = Slot();
  epoch = e;
}

void LiveStats::Slot::Add(const Slot& o) {
  requests += o.requests;
  errors += o.errors;
  input_tokens += o.input_tokens;
  output_tokens += o.output_tokens;
  ttft.Merge(o.ttft);
}

void LiveStats::Record(const Sample& s, int64_t now_s) {
  auto it = series_.find(std::tuple<std::string_view, std::string_view>(s.route, s.provider));
  if (it == series_.end())
    it =
        series_
            .emplace(Key(std::string(s.route), std::string(s.provider)), std::array<Slot, kSlots>{})
            .first;
  int64_t epoch = now_s / kSlotSeconds;
  Slot& slot = it->second[static_cast<size_t>(epoch % kSlots)];
  if (slot.epoch > epoch) return;  // the clock never goes back; ignore a late straggler
  if (slot.epoch != epoch) slot.Reset(epoch);
  ++slot.requests;
  if (s.error) ++slot.errors;
  slot.input_tokens += s.input_tokens;
  slot.output_tokens += s.output_tokens;
  if (s.ttft_s >= 0) slot.ttft.Observe(s.ttft_s);
}

void LiveStats::Merge(const LiveStats& other) {
  for (const auto& [key, slots] : other.series_) {
    auto& mine = series_[key];
    for (size_t i = 0; i < slots.size(); ++i) {
      const Slot& o = slots[i];
      if (o.epoch < 0) continue;
      if (mine[i].epoch < o.epoch) mine[i].Reset(o.epoch);
      if (mine[i].epoch == o.epoch) mine[i].Add(o);
    }
  }
}

double EstimateQuantile(const Histogram& h, double q) {
  if (h.count() == 0) return -1;
  double rank = q * static_cast<double>(h.count());
  uint64_t seen = 0;
  auto bounds = h.bounds();
  for (size_t i = 0; i <= bounds.size(); ++i) {
    uint64_t n = h.bucket_count(i);
    if (n && static_cast<double>(seen + n) >= rank) {
      if (i == bounds.size()) return bounds.empty() ? 0 : bounds.back();  // beyond the last bound
      double lo = i == 0 ? 0 : bounds[i - 1], hi = bounds[i];
      return lo + (hi - lo) * (rank - static_cast<double>(seen)) / static_cast<double>(n);
    }
    seen += n;
  }
  return bounds.empty() ? 0 : bounds.back();
}

std::string LiveStats::RenderJson(int64_t now_s, int window_s) const {
  window_s = std::clamp(window_s, kSlotSeconds, kSlots * kSlotSeconds);
  int64_t newest = now_s / kSlotSeconds;
  int64_t oldest = newest - (window_s + kSlotSeconds - 1) / kSlotSeconds + 1;
  std::string out = "{\"window_seconds\":" + std::to_string(window_s) + ",\"series\":[";
  bool first = true;
  for (const auto& [key, slots] : series_) {
    Slot total;
    for (const Slot& s : slots)
      if (s.epoch >= oldest && s.epoch <= newest) total.Add(s);
    if (total.requests == 0) continue;
    if (!first) out.push_back(',');
    first = false;
    out += "{\"route\":";
    AppendJsonString(out, std::get<0>(key));
    out += ",\"backend\":";
    AppendJsonString(out, std::get<1>(key));
    out += ",\"requests\":" + std::to_string(total.requests) + ",\"rps\":";
    AppendDouble(out, static_cast<double>(total.requests) / window_s);
    out += ",\"error_rate\":";
    AppendDouble(out, static_cast<double>(total.errors) / static_cast<double>(total.requests));
    out += ",\"input_tokens\":" + std::to_string(total.input_tokens);
    out += ",\"output_tokens\":" + std::to_string(total.output_tokens);
    for (auto [name, q] : {std::pair{"ttft_p50_ms", 0.5}, std::pair{"ttft_p99_ms", 0.99}}) {
      double v = EstimateQuantile(total.ttft, q);
      out += ",\"" + std::string(name) + "\":";
      if (v < 0)
        out += "null";
      else
        AppendDouble(out, v * 1000);
    }
    out.push_back('}');
  }
  out += "]}";
  return out;
}

}  // namespace sluice::telemetry
