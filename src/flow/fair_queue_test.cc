#include "flow/fair_queue.h"

#include <gtest/gtest.h>

#include <map>

namespace sluice::flow {
namespace {

FairQueue::Item Req(FairQueue::Id id, std::string tenant, uint64_t input = 100, int priority = 0,
                    double weight = 1) {
  FairQueue::Item i;
  i.id = id;
  i.tenant = std::move(tenant);
  i.input_tokens = input;
  i.priority = priority;
  i.weight = weight;
  return i;
}

TEST(FairQueue, ALightTenantIsNotStuckBehindAHeavyOnesBacklog) {
  FairQueue q;
  for (FairQueue::Id i = 1; i <= 50; ++i) q.Push(Req(i, "heavy"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.Pop()->tenant, "heavy");  // heavy: counter 300
  // Light arrives with counter 0, lifted to heavy's 300: it does not jump 50 places for free...
  q.Push(Req(100, "light"));
  q.Push(Req(101, "light"));
  EXPECT_EQ(q.counter("light"), 300);
  // ...but it alternates with heavy instead of waiting for heavy's 47 queued requests (FCFS).
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) order.push_back(q.Pop()->tenant);
  EXPECT_EQ(std::count(order.begin(), order.end(), "light"), 2);
}

TEST(FairQueue, BackloggedTenantsGetEqualServiceInTokens) {
  FairQueue q;
  // A sends big prompts, B small ones: served by tokens, not by requests.
  FairQueue::Id id = 1;
  for (int i = 0; i < 200; ++i) {
    q.Push(Req(id++, "a", 400));
    q.Push(Req(id++, "b", 100));
  }
  std::map<std::string, uint64_t> served;
  for (int i = 0; i < 200; ++i) {
    auto item = q.Pop();
    served[item->tenant] += item->input_tokens;
  }
  EXPECT_NEAR(static_cast<double>(served["a"]), static_cast<double>(served["b"]), 400);
  EXPECT_NEAR(q.counter("a"), q.counter("b"), 400);
}

TEST(FairQueue, WeightsAndOutputCharges) {
  FairQueue q;
  FairQueue::Id id = 1;
  for (int i = 0; i < 300; ++i) {
    q.Push(Req(id++, "gold", 100, 0, 2.0));
    q.Push(Req(id++, "std", 100, 0, 1.0));
  }
  std::map<std::string, int> n;
  for (int i = 0; i < 300; ++i) ++n[q.Pop()->tenant];
  EXPECT_NEAR(n["gold"], 2 * n["std"], 3);  // twice the share
  // Output counts double (w_out = 2): 100 output tokens of std weigh 200.
  double before = q.counter("std");
  q.ChargeOutput("std", 100);
  EXPECT_EQ(q.counter("std"), before + 200);
}

TEST(FairQueue, StrictPriorityBands) {
  FairQueue q;
  q.Push(Req(1, "a", 1, 0));
  q.Push(Req(2, "b", 1, 5));
  q.Push(Req(3, "a", 1, 5));
  EXPECT_EQ(q.size(5), 2u);
  EXPECT_EQ(q.Pop()->priority, 5);
  EXPECT_EQ(q.Pop()->priority, 5);
  EXPECT_EQ(q.Pop()->id, 1u);
  EXPECT_FALSE(q.Pop());
}

TEST(FairQueue, FullQueueShedsTheLowestBandFirst) {
  FairQueueOptions options;
  options.max_queued = 3;
  FairQueue q(options);
  EXPECT_FALSE(q.Push(Req(1, "a", 1, 0)));
  EXPECT_FALSE(q.Push(Req(2, "b", 1, 0)));
  EXPECT_FALSE(q.Push(Req(3, "c", 1, 1)));
  EXPECT_EQ(q.Push(Req(4, "d", 1, 0)), 4u);  // nothing lower than band 0: the newcomer goes
  auto shed = q.Push(Req(5, "d", 1, 2));     // a higher band makes room in band 0
  ASSERT_TRUE(shed);
  EXPECT_TRUE(*shed == 1u || *shed == 2u);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.Pop()->id, 5u);
}

TEST(FairQueue, RemoveAndDeadlines) {
  FairQueue q;
  auto now = FairQueue::Time{} + std::chrono::seconds(100);
  auto a = Req(1, "a");
  a.deadline = now - std::chrono::seconds(1);
  q.Push(a);
  q.Push(Req(2, "a"));
  q.Push(Req(3, "b"));
  EXPECT_TRUE(q.Remove(3));  // the client left
  EXPECT_FALSE(q.Remove(3));
  EXPECT_EQ(q.Expire(now), std::vector<FairQueue::Id>{1});
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.Pop()->id, 2u);
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace sluice::flow
