#include "flow/fair_queue.h"

#include <gtest/gtest.h>

#include <cmath>
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

TEST(FairQueue, AdmittedAtOnceIsLiftedAndChargedAsIfPopped) {
  FairQueue q;
  for (FairQueue::Id i = 1; i <= 5; ++i) q.Push(Req(i, "heavy"));
  for (int i = 0; i < 3; ++i) q.Pop();  // heavy: 300
  // Light goes at once (a reserved slot): lifted to heavy's counter, then charged its prompt.
  q.Admit(Req(100, "light", 40));
  EXPECT_EQ(q.counter("light"), 340);
  EXPECT_EQ(q.queued("light"), 0u);
  EXPECT_EQ(q.queued("heavy"), 2u);
  // Already ahead of the others: a second one is charged, not lifted again.
  q.Admit(Req(101, "light", 40));
  EXPECT_EQ(q.counter("light"), 380);
  EXPECT_EQ(q.size(), 2u);
}

TEST(FairQueue, PopSingleServesOnlyTenantsWithOneRequestWaiting) {
  FairQueue q;
  for (FairQueue::Id i = 1; i <= 5; ++i) q.Push(Req(i, "heavy"));
  EXPECT_FALSE(q.PopSingle());  // heavy has five waiting: not for a reserved slot
  q.Push(Req(10, "light"));
  q.Push(Req(11, "low", 100, -1));
  q.ChargeOutput("light", 1000);  // light has the larger counter: Pop would take heavy first
  EXPECT_EQ(q.PopSingle()->id, 10u);
  EXPECT_EQ(q.counter("light"), 2100);  // output weight 2
  // The highest band with such a tenant goes first; bands below are looked at too.
  EXPECT_EQ(q.PopSingle()->id, 11u);
  EXPECT_FALSE(q.PopSingle());
  EXPECT_EQ(q.size(), 5u);
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

TEST(FairQueue, PopLocalServesATenantsCacheHitsFirstWithinItsQuantum) {
  FairQueue q;
  for (FairQueue::Id id = 1; id <= 8; ++id) q.Push(Req(id, "a"));
  for (FairQueue::Id id = 11; id <= 14; ++id) q.Push(Req(id, "b"));
  // a's even requests have 80 of their 100 prompt tokens cached; b's nothing.
  auto cached = [](const FairQueue::Item& i) -> uint64_t {
    return i.tenant == "a" && i.id % 2 == 0 ? 80 : 0;
  };
  std::vector<FairQueue::Id> order;
  for (int i = 0; i < 4; ++i) order.push_back(q.PopLocal(cached, 1000)->id);
  EXPECT_EQ(order, (std::vector<FairQueue::Id>{2, 4, 6, 8}));  // out of FIFO and VTC order
  EXPECT_EQ(q.counter("a"), 4 * 20);  // charged the uncached tokens only
  // No hits left: VTC order (b has the least counter).
  EXPECT_EQ(q.PopLocal(cached, 1000)->id, 11u);
}

TEST(FairQueue, PopLocalLetsNoTenantGetMoreThanAQuantumAhead) {
  FairQueue q;
  FairQueue::Id id = 1;
  for (int i = 0; i < 300; ++i) {
    q.Push(Req(id++, "a", 400));
    q.Push(Req(id++, "b", 100));
  }
  // Every request of b hits the cache: locality alone would serve b only.
  auto cached = [](const FairQueue::Item& i) -> uint64_t { return i.tenant == "b" ? 50 : 0; };
  for (int i = 0; i < 300; ++i) {
    auto item = q.PopLocal(cached, 500);
    ASSERT_TRUE(item);
    q.ChargeOutput(item->tenant, 20);
    EXPECT_LE(std::abs(q.counter("a") - q.counter("b")), 500 + 440);  // quantum + one request
  }
}

TEST(FairQueue, PopLocalWithoutHitsIsPop) {
  FairQueue a, b;
  FairQueue::Id id = 1;
  for (int i = 0; i < 50; ++i)
    for (const char* t : {"x", "y", "z"}) {
      a.Push(Req(id, t, 10 + id % 7, 0, t[0] == 'x' ? 2 : 1));
      b.Push(Req(id, t, 10 + id % 7, 0, t[0] == 'x' ? 2 : 1));
      ++id;
    }
  for (int i = 0; i < 150; ++i) {
    auto pa = a.Pop();
    auto pb = b.PopLocal(nullptr, 1000);
    ASSERT_TRUE(pa && pb);
    EXPECT_EQ(pa->id, pb->id);
  }
  EXPECT_FALSE(b.PopLocal(nullptr, 1000));
}

}  // namespace
}  // namespace sluice::flow
