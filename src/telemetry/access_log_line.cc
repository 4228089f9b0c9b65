// The access log line is written by hand rather than through a JSON DOM: it is on every request's
// path, and hand-written numbers stay readable ("12.345", not "1.2345E1").
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "telemetry/json_text.h"
#include "telemetry/request_outcome.h"

namespace sluice::telemetry {

namespace {

// The current time as RFC 3339 UTC with milliseconds ("2026-11-26T12:24:03.665Z"). gmtime_r and
// snprintf were about half the cost of the whole line, so the text up to the second is kept per
// thread and reused while that second lasts.
void AppendNowRfc3339(std::string& out) {
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[64];  // "YYYY-MM-DDTHH:MM:SS": 19 characters
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  if (secs != cached_secs) {
    std::tm tm;
    gmtime_r(&secs, &tm);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_secs = secs;
  }
  char frac[5] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                  static_cast<char>('0' + ms % 10), 'Z'};
  out.append(cached, 19).append(frac, 5);
}

class LineWriter {
 public:
  explicit LineWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  ~LineWriter() { out_.push_back('}'); }

  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
  }
  void StringOrNull(std::string_view key, std::string_view value) {
    if (value.empty())
      Raw(key, "null");
    else
      String(key, value);
  }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    AppendInt(value);
  }
  void Bool(std::string_view key, bool value) { Raw(key, value ? "true" : "false"); }
  // Milliseconds with microsecond precision ("12.345"), without printf.
  void Millis(std::string_view key, double value) {
    Key(key);
    auto micros = static_cast<int64_t>(value * 1000.0 + 0.5);
    AppendInt(micros / 1000);
    char frac[4] = {'.', static_cast<char>('0' + micros % 1000 / 100),
                    static_cast<char>('0' + micros % 100 / 10),
                    static_cast<char>('0' + micros % 10)};
    out_.append(frac, 4);
  }
  // A dollar amount to the micro-dollar ("0.001234").
  void Usd(std::string_view key, double value) {
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%.6f", value);
    Raw(key, std::string_view(buf, static_cast<size_t>(n)));
  }
  // Now, as RFC 3339 text.
  void Timestamp(std::string_view key) {
    Key(key);
    out_.push_back('"');
    AppendNowRfc3339(out_);
    out_.push_back('"');
  }
  void Raw(std::string_view key, std::string_view json) {
    Key(key);
    out_.append(json);
  }

 private:
  // Keys are our own short literals: nothing to escape. The separator, the quoted key and the
  // colon are put together here and appended at once (three appends cost twice as much).
  void Key(std::string_view key) {
    char buf[64];
    size_t n = 0;
    if (!first_) buf[n++] = ',';
    first_ = false;
    buf[n++] = '"';
    key = key.substr(0, sizeof buf - 4);
    std::memcpy(buf + n, key.data(), key.size());
    n += key.size();
    buf[n++] = '"';
    buf[n++] = ':';
    out_.append(buf, n);
  }
  void AppendInt(int64_t value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, static_cast<size_t>(end - buf));
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string RenderUsageTrailer(const RequestOutcome& o, const core::TokenUsage& usage) {
  std::string event = "event: sluice.usage\ndata: ";
  {
    LineWriter w(event);
    w.String("request_id", o.request_id);
    w.String("backend", o.provider);
    w.Int("attempts", o.attempts);
    std::string u;
    {
      LineWriter uw(u);
      uw.Int("input_tokens", static_cast<int64_t>(usage.input));
      uw.Int("output_tokens", static_cast<int64_t>(usage.output));
      uw.Int("cached_input_tokens", static_cast<int64_t>(usage.cached_input));
      uw.Int("cache_creation_input_tokens", static_cast<int64_t>(usage.cache_creation_input));
      uw.Int("reasoning_tokens", static_cast<int64_t>(usage.reasoning));
      uw.Bool("estimated", usage.estimated);
    }
    w.Raw("usage", u);
  }
  event += "\n\n";
  return event;
}

std::string RenderAccessLogLine(const RequestOutcome& o) {
  std::string line;
  line.reserve(512);
  {
    LineWriter w(line);
    w.Timestamp("ts");
    w.String("request_id", o.request_id);
    w.String("method", o.method);
    w.String("path", o.path);
    if (!o.consumer.empty()) w.String("consumer", o.consumer);
    w.StringOrNull("model", o.model);
    w.StringOrNull("served_model", o.served_model);
    w.StringOrNull("route", o.route);
    w.StringOrNull("backend", o.provider);
    if (!o.key_id.empty()) w.String("key_id", o.key_id);
    w.Int("status", o.status);
    w.StringOrNull("error_code", o.error_code);
    if (!o.error_detail.empty()) w.String("error_detail", o.error_detail);
    if (o.limits_unchecked) w.Bool("limits_unchecked", true);
    w.Bool("stream", o.stream);
    if (o.has_usage) {
      w.Int("input_tokens", static_cast<int64_t>(o.usage.input));
      w.Int("output_tokens", static_cast<int64_t>(o.usage.output));
      w.Int("cached_input_tokens", static_cast<int64_t>(o.usage.cached_input));
      w.Int("cache_creation_input_tokens", static_cast<int64_t>(o.usage.cache_creation_input));
      w.Int("reasoning_tokens", static_cast<int64_t>(o.usage.reasoning));
    } else {
      for (auto key : {"input_tokens", "output_tokens", "cached_input_tokens",
                       "cache_creation_input_tokens", "reasoning_tokens"})
        w.Raw(key, "null");
    }
    w.Bool("estimated", o.usage.estimated);
    if (o.cost_usd >= 0) w.Usd("cost_usd", o.cost_usd);
    if (o.ttft_ms < 0)
      w.Raw("ttft_ms", "null");
    else
      w.Millis("ttft_ms", o.ttft_ms);
    w.Millis("duration_ms", o.duration_ms);
    if (o.queue_ms >= 0) w.Millis("queue_ms", o.queue_ms);
    w.Int("overhead_us", static_cast<int64_t>(o.overhead_us));
    w.Int("attempts", o.attempts);
    // There is no response cache yet: every request is "none" until one exists (then hit, miss,
    // bypass... as x-sluice-cache says).
    w.String("cache", "none");
    if (!o.trace_id.empty()) w.String("trace_id", o.trace_id);
  }
  return line;
}

}  // namespace sluice::telemetry
