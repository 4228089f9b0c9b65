#include "telemetry/span_exporter.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <condition_variable>
#include <mutex>

#include "telemetry/otlp_http.h"

namespace sluice::telemetry {
namespace {

std::vector<Span> Spans(size_t n) {
  std::vector<Span> spans(n);
  for (auto& s : spans) {
    s.trace_id = std::string(32, 'a');
    s.span_id = std::string(16, 'b');
    s.name = "chat m";
  }
  return spans;
}

size_t SpanCount(const std::string& body) {
  auto doc = boost::json::parse(body);
  return doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size();
}

// The post function blocks until released, so the test controls when a batch completes.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<size_t> batches;
  bool accept = true;
  bool Post(const std::string& body) {
    std::lock_guard lock(mu);
    batches.push_back(SpanCount(body));
    cv.notify_all();
    return accept;
  }
  void WaitForBatches(size_t n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return batches.size() >= n; });
  }
};

TEST(SpanExporter, ExportsFullBatchesAtOnceAndTheRestOnExit) {
  Collector c;
  SpanExporterOptions o;
  o.max_batch = 3;
  o.flush_interval = std::chrono::hours(1);  // only a full batch or the exit flushes
  {
    SpanExporter exporter(o, [&](const std::string& b) { return c.Post(b); });
    exporter.Submit(Spans(4));
    c.WaitForBatches(1);
    EXPECT_EQ(c.batches[0], 3u);
  }
  ASSERT_EQ(c.batches.size(), 2u);
  EXPECT_EQ(c.batches[1], 1u);
}

TEST(SpanExporter, DropsWhatDoesNotFitAndCountsFailures) {
  Collector c;
  c.accept = false;
  SpanExporterOptions o;
  o.max_queue = 5;
  o.max_batch = 100;
  o.flush_interval = std::chrono::hours(1);
  SpanExporter exporter(o, [&](const std::string& b) { return c.Post(b); });
  exporter.Submit(Spans(4));
  exporter.Submit(Spans(3));  // one fits
  EXPECT_EQ(exporter.dropped(), 2u);
  exporter.Flush();
  EXPECT_EQ(exporter.failed(), 5u);
  EXPECT_EQ(exporter.exported(), 0u);
  c.accept = true;
  exporter.Submit(Spans(2));
  exporter.Flush();
  EXPECT_EQ(exporter.exported(), 2u);
  EXPECT_EQ(c.batches, (std::vector<size_t>{5, 2}));
}

TEST(OtlpHttp, TargetsTheTracesPathUnderTheEndpoint) {
  std::string why;
  auto t = OtlpTracesTarget("http://127.0.0.1:4318", &why);
  ASSERT_TRUE(t) << why;
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 4318);
  EXPECT_EQ(t->path, "/v1/traces");
  t = OtlpTracesTarget("http://[::1]/otlp/", &why);
  ASSERT_TRUE(t) << why;
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, 80);
  EXPECT_EQ(t->path, "/otlp/v1/traces");
  EXPECT_FALSE(OtlpTracesTarget("https://collector:4318", &why));
  EXPECT_FALSE(OtlpTracesTarget("http://:4318", &why));
  EXPECT_FALSE(OtlpTracesTarget("http://host:99999", &why));
}

}  // namespace
}  // namespace sluice::telemetry
