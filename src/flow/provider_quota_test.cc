#include "flow/provider_quota.h"

#include <gtest/gtest.h>

namespace sluice::flow {
namespace {

using namespace std::chrono_literals;

const ProviderQuota::Time kT0 = ProviderQuota::Time{} + 1h;

TEST(ProviderQuota, CountsRequestsAndTokensPerMinute) {
  ProviderQuota q(/*rpm=*/2, /*tpm=*/1000);
  EXPECT_FALSE(q.Exhausted(kT0));
  q.OnDispatch(300, kT0);
  q.OnDispatch(300, kT0 + 1s);
  EXPECT_TRUE(q.Exhausted(kT0 + 2s));  // two requests: the request quota is spent
  EXPECT_EQ(q.remaining_tokens(kT0 + 2s), 400);
  EXPECT_EQ(q.RefillsAt(kT0 + 2s), kT0 + 1min);
  EXPECT_FALSE(q.Exhausted(kT0 + 1min));  // a new window
  EXPECT_EQ(q.remaining_tokens(kT0 + 1min), 1000);
}

TEST(ProviderQuota, ReconcilesTokensToTheReportedUsage) {
  ProviderQuota q(0, 1000);
  q.OnDispatch(900, kT0);  // estimate: prompt + max_tokens
  EXPECT_EQ(q.remaining_tokens(kT0), 100);
  q.Reconcile(900, 150);
  EXPECT_EQ(q.remaining_tokens(kT0), 850);
  EXPECT_EQ(q.remaining_requests(kT0), INT64_MAX);  // no request limit configured
}

TEST(ProviderQuota, TheProvidersHeadersCorrectTheLocalCount) {
  ProviderQuota q(100, 10000);
  q.OnDispatch(10, kT0);
  // Other clients share the key: the provider says far less is left, refilling in 6 s.
  ProviderQuota::Report r;
  r.remaining_requests = 0;
  r.reset_requests = 6s;
  r.remaining_tokens = 5000;
  q.OnReport(r, kT0 + 1s);
  EXPECT_TRUE(q.Exhausted(kT0 + 2s));
  EXPECT_EQ(q.RefillsAt(kT0 + 2s), kT0 + 7s);
  EXPECT_EQ(q.remaining_tokens(kT0 + 2s), 5000);
  EXPECT_FALSE(q.Exhausted(kT0 + 7s));
  EXPECT_EQ(q.remaining_requests(kT0 + 7s), 100);
}

TEST(ProviderQuota, ParsesOpenAiResetDurations) {
  EXPECT_EQ(ParseResetDuration("1s"), std::chrono::steady_clock::duration(1s));
  EXPECT_EQ(ParseResetDuration("6m0s"), std::chrono::steady_clock::duration(6min));
  EXPECT_EQ(ParseResetDuration("20ms"), std::chrono::steady_clock::duration(20ms));
  EXPECT_EQ(ParseResetDuration("1h2m"), std::chrono::steady_clock::duration(62min));
  EXPECT_EQ(ParseResetDuration("17.5s"), std::chrono::steady_clock::duration(17500ms));
  for (const char* bad : {"", "s", "5", "5x", "-1s", "1s2", "999999h"})
    EXPECT_FALSE(ParseResetDuration(bad)) << bad;
}

}  // namespace
}  // namespace sluice::flow
