#include "policy/pricing.h"

#include <gtest/gtest.h>

namespace sluice::policy {
namespace {

core::TokenUsage Usage(uint64_t input, uint64_t output, uint64_t cached = 0,
                       uint64_t creation = 0) {
  core::TokenUsage u;
  u.input = input;
  u.output = output;
  u.cached_input = cached;
  u.cache_creation_input = creation;
  return u;
}

TEST(Pricing, InputAndOutputPerMillion) {
  ModelPrice p{2.5, 10};
  EXPECT_DOUBLE_EQ(CostUsd(p, Usage(1'000'000, 0)), 2.5);
  EXPECT_DOUBLE_EQ(CostUsd(p, Usage(0, 1'000'000)), 10);
  EXPECT_DOUBLE_EQ(CostUsd(p, Usage(1000, 500)), (1000 * 2.5 + 500 * 10) / 1e6);
}

TEST(Pricing, ZeroPriceAndZeroUsageCostNothing) {
  EXPECT_EQ(CostUsd(ModelPrice{}, Usage(12345, 678, 100, 50)), 0);
  EXPECT_EQ(CostUsd(ModelPrice{3, 15, 0.3, 3.75}, Usage(0, 0)), 0);
}

TEST(Pricing, CacheSubsetsOfInputAtTheirOwnPrice) {
  ModelPrice p{3, 15, 0.3, 3.75};  // Anthropic-style: reads 0.1x, writes 1.25x
  // 10000 prompt tokens: 6000 read from cache, 1000 written to it, 3000 uncached.
  double expected = (3000 * 3 + 6000 * 0.3 + 1000 * 3.75 + 200 * 15) / 1e6;
  EXPECT_DOUBLE_EQ(CostUsd(p, Usage(10000, 200, 6000, 1000)), expected);
}

TEST(Pricing, UnsetCachePricesFallBackToInput) {
  ModelPrice p{2, 8};  // cache prices default to -1
  // Same as if no token were cached: all 10000 at the input price.
  EXPECT_DOUBLE_EQ(CostUsd(p, Usage(10000, 100, 6000, 1000)), CostUsd(p, Usage(10000, 100)));
  ModelPrice only_cached{2, 8, 0.5};
  EXPECT_DOUBLE_EQ(CostUsd(only_cached, Usage(10000, 0, 6000, 1000)),
                   (3000 * 2 + 6000 * 0.5 + 1000 * 2) / 1e6);
}

TEST(Pricing, CacheCountsLargerThanInputDoNotGoNegative) {
  ModelPrice p{1, 1, 0.1, 2};
  // Inconsistent provider report: the uncached remainder clamps at zero instead of wrapping.
  EXPECT_DOUBLE_EQ(CostUsd(p, Usage(100, 0, 80, 40)), (80 * 0.1 + 40 * 2) / 1e6);
}

}  // namespace
}  // namespace sluice::policy
