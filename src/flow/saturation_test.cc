#include "flow/saturation.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::flow {
namespace {

using namespace std::chrono_literals;

const SteadyTime kNow = SteadyTime{} + 1h;

EndpointSignals Scraped(double waiting, double kv, SteadyTime at = kNow) {
  EndpointSignals e;
  e.scraped = true;
  e.gauges_at = at;
  e.waiting = waiting;
  e.kv_usage = kv;
  return e;
}

TEST(Saturation, GieThresholdsOnScrapedGauges) {
  SaturationThresholds t;  // 5 waiting, 0.8 KV
  EXPECT_DOUBLE_EQ(EndpointUtilisation(Scraped(0, 0), t, kNow), 0);
  EXPECT_DOUBLE_EQ(EndpointUtilisation(Scraped(2.5, 0.2), t, kNow), 0.5);  // queue dominates
  EXPECT_DOUBLE_EQ(EndpointUtilisation(Scraped(1, 0.6), t, kNow), 0.75);   // KV dominates
  std::vector<EndpointSignals> pool{Scraped(5, 0.1), Scraped(0, 0.8)};
  EXPECT_TRUE(Saturated(pool, t, kNow));
  pool[1].kv_usage = 0.4;
  EXPECT_DOUBLE_EQ(PoolSaturation(pool, t, kNow), 0.75);
  EXPECT_FALSE(Saturated(pool, t, kNow));
}

TEST(Saturation, OneOverloadedEndpointDoesNotHideAnIdleOne) {
  std::vector<EndpointSignals> pool{Scraped(50, 1.0), Scraped(0, 0)};
  EXPECT_DOUBLE_EQ(PoolSaturation(pool, {}, kNow), 0.5);
  EXPECT_FALSE(Saturated(pool, {}, kNow));
}

TEST(Saturation, StaleGaugesCountAsFull) {
  SaturationThresholds t;
  EXPECT_DOUBLE_EQ(EndpointUtilisation(Scraped(0, 0, kNow - 199ms), t, kNow), 0);
  EXPECT_DOUBLE_EQ(EndpointUtilisation(Scraped(0, 0, kNow - 201ms), t, kNow), 1);
}

TEST(Saturation, ConcurrencyCapAndQuotaAreHardLimits) {
  SaturationThresholds t;
  t.max_concurrency = 4;
  EndpointSignals e;  // not scraped: only the gateway's own count
  e.in_flight = 3;
  EXPECT_DOUBLE_EQ(EndpointUtilisation(e, t, kNow), 0.75);
  EXPECT_FALSE(EndpointFull(e, t));
  e.in_flight = 4;
  EXPECT_TRUE(EndpointFull(e, t));
  e.in_flight = 0;
  e.quota_exhausted = true;
  EXPECT_TRUE(EndpointFull(e, t));
  EXPECT_DOUBLE_EQ(EndpointUtilisation(e, t, kNow), 1);
  // Without a cap or gauges an endpoint never fills up.
  EndpointSignals plain;
  plain.in_flight = 1000;
  EXPECT_FALSE(Saturated(std::vector<EndpointSignals>{plain}, SaturationThresholds{}, kNow));
}

TEST(Saturation, UnavailableEndpointsAreLeftOut) {
  SaturationThresholds t;
  t.max_concurrency = 1;
  std::vector<EndpointSignals> pool(2);
  pool[0].in_flight = 1;
  pool[1].available = false;
  EXPECT_TRUE(Saturated(pool, t, kNow));
  pool[0].available = false;
  EXPECT_DOUBLE_EQ(PoolSaturation(pool, t, kNow), 0);  // nothing to wait for
}

}  // namespace
}  // namespace sluice::flow
