#include "telemetry/live_stats.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sluice::telemetry {
namespace {

TEST(LiveStats, WindowsRatesTokensAndTtftPercentiles) {
  LiveStats a, b;
  for (int i = 0; i < 90; ++i) a.Record({"m", "up", false, 10, 2, 0.05}, 1000);
  b.Record({"m", "up", false, 1, 1, 2.0}, 700);  // long before the window (same slot, older)
  for (int i = 0; i < 10; ++i) b.Record({"m", "up", true, 0, 0, -1}, 1005);
  a.Merge(b);
  auto v = boost::json::parse(a.RenderJson(1009, 60)).as_object();
  EXPECT_EQ(v["window_seconds"].as_int64(), 60);
  auto& s = v["series"].as_array().at(0).as_object();
  EXPECT_EQ(s["route"].as_string(), "m");
  EXPECT_EQ(s["backend"].as_string(), "up");
  EXPECT_EQ(s["requests"].as_int64(), 100);
  EXPECT_NEAR(s["error_rate"].to_number<double>(), 0.1, 1e-9);
  EXPECT_EQ(s["input_tokens"].as_int64(), 900);
  double p50 = s["ttft_p50_ms"].to_number<double>();
  EXPECT_GT(p50, 40);  // 50 ms falls in the 40-60 ms bucket
  EXPECT_LE(p50, 60);
  // Five minutes later the window is empty.
  auto later = boost::json::parse(a.RenderJson(1400, 60)).as_object();
  EXPECT_TRUE(later["series"].as_array().empty());
}

TEST(EstimateQuantile, InterpolatesInsideBuckets) {
  constexpr double kBounds[] = {1, 2, 4};
  Histogram h(kBounds);
  EXPECT_EQ(EstimateQuantile(h, 0.5), -1);
  for (int i = 0; i < 4; ++i) h.Observe(1.5);  // all in (1, 2]
  EXPECT_NEAR(EstimateQuantile(h, 0.5), 1.5, 1e-9);
  EXPECT_NEAR(EstimateQuantile(h, 1.0), 2.0, 1e-9);
}

}  // namespace
}  // namespace sluice::telemetry
