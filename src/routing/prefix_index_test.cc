#include "routing/prefix_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

#include "routing/block_lru.h"
#include "routing/flat_map.h"
#include "routing/prefix_hash.h"

namespace sluice::routing {
namespace {

TEST(FlatMap64, AgreesWithUnorderedMapUnderRandomInsertsAndErases) {
  FlatMap64<uint64_t> flat;
  std::unordered_map<uint64_t, uint64_t> ref;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint64_t key = rng() % 5000;  // small key space: many collisions, erases and re-inserts
    if (key == 3) key = 0;        // the empty marker must still work as a key
    if (rng() % 3 == 0) {
      EXPECT_EQ(flat.Erase(key), ref.erase(key) == 1);
    } else {
      flat.Upsert(key, 0) += i;
      ref[key] += i;
    }
  }
  EXPECT_EQ(flat.size(), ref.size());
  for (const auto& [k, v] : ref) {
    ASSERT_NE(flat.Find(k), nullptr);
    EXPECT_EQ(*flat.Find(k), v);
  }
}

TEST(BlockLru, EvictsLeastRecentlyTouched) {
  BlockLru lru(3);
  EXPECT_FALSE(lru.Touch(1));
  EXPECT_FALSE(lru.Touch(2));
  EXPECT_FALSE(lru.Touch(3));
  EXPECT_FALSE(lru.Touch(1));  // 2 is now the oldest
  EXPECT_EQ(lru.Touch(4), 2u);
  EXPECT_TRUE(lru.Contains(1));
  EXPECT_FALSE(lru.Contains(2));
  EXPECT_EQ(lru.Resize(1), (std::vector<uint64_t>{3, 1}));
  EXPECT_TRUE(lru.Contains(4));
  EXPECT_EQ(lru.size(), 1u);
}

TEST(PrefixHash, ChainsBlocksAndSeparatesModelsAndSalts) {
  PrefixHashOptions o{.block_chars = 4, .max_blocks = 256};
  std::vector<uint64_t> a, b, c, d;
  uint64_t seed = PrefixSeed("m", "");
  HashPrompt(seed, "aaaabbbbcc", o, a);
  HashPrompt(seed, "aaaabbbbdd", o, b);
  HashPrompt(seed, "xaaabbbbcc", o, c);
  ASSERT_EQ(a.size(), 3u);  // the partial tail block counts
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);
  EXPECT_NE(a[2], b[2]);
  EXPECT_NE(a[1], c[1]);  // same block text, different prefix
  HashPrompt(PrefixSeed("m", "tenant"), "aaaabbbbcc", o, d);
  EXPECT_NE(a[0], d[0]);
  EXPECT_NE(PrefixSeed("ab", "c"), PrefixSeed("a", "bc"));
  HashPrompt(seed, "abc", o, d);
  EXPECT_TRUE(d.empty());
  o.max_blocks = 2;
  HashPrompt(seed, "aaaabbbbcc", o, d);
  EXPECT_EQ(d.size(), 2u);
}

std::vector<uint64_t> Chain(uint64_t seed, std::initializer_list<uint64_t> ids) {
  std::vector<uint64_t> out;
  std::vector<uint64_t> v(ids);
  HashBlockIds(seed, v, out);
  return out;
}

TEST(PrefixIndex, MatchesEachEndpointsLongestCachedPrefix) {
  PrefixIndex index(3, 100);
  auto sys = Chain(1, {10, 11, 12, 13});
  auto other = Chain(1, {10, 11, 99});
  index.Insert(0, sys);
  index.Insert(1, other);
  std::vector<uint32_t> m(3);
  index.Match(sys, m);
  EXPECT_EQ(m, (std::vector<uint32_t>{4, 2, 0}));
  index.Match(Chain(1, {10, 11, 12, 50}), m);
  EXPECT_EQ(m, (std::vector<uint32_t>{3, 2, 0}));
  index.Match(Chain(2, {10, 11}), m);  // another seed (model) shares nothing
  EXPECT_EQ(m, (std::vector<uint32_t>{0, 0, 0}));
  index.Clear(0);
  index.Match(sys, m);
  EXPECT_EQ(m, (std::vector<uint32_t>{0, 2, 0}));
}

TEST(PrefixIndex, EvictsThePromptTailBeforeItsHead) {
  PrefixIndex index(1, 4);
  auto a = Chain(1, {1, 2, 3});
  index.Insert(0, a);
  index.Insert(0, Chain(1, {7, 8}));  // needs one slot: a's tail goes, its head stays
  std::vector<uint32_t> m(1);
  index.Match(a, m);
  EXPECT_EQ(m[0], 2u);
  EXPECT_EQ(index.size(0), 4u);
  index.SetCapacity(0, 2);  // shrinking keeps the most recent prompt
  index.Match(Chain(1, {7, 8}), m);
  EXPECT_EQ(m[0], 2u);
  index.Match(a, m);
  EXPECT_EQ(m[0], 0u);
}

// Bisection relies on every endpoint's cached blocks being prefix-closed; check it against a
// block-by-block walk under heavy eviction with prompts that share prefixes of random length.
TEST(PrefixIndex, BisectionAgreesWithABlockByBlockWalk) {
  PrefixIndex index(6, 300);
  std::mt19937_64 rng(11);
  auto prompt = [&]() {
    std::vector<uint64_t> ids;
    uint64_t family = rng() % 8;
    size_t shared = rng() % 60, len = shared + 1 + rng() % 60;
    for (size_t i = 0; i < len; ++i) ids.push_back(i < shared ? family * 1000 + i : rng());
    std::vector<uint64_t> out;
    HashBlockIds(5, ids, out);
    return out;
  };
  std::vector<uint32_t> m(6);
  for (int round = 0; round < 3000; ++round) {
    auto p = prompt();
    index.Match(p, m);
    std::vector<uint32_t> expected(6, 0);
    for (size_t e = 0; e < 6; ++e)
      while (expected[e] < p.size() && index.Holds(e, p[expected[e]])) ++expected[e];
    ASSERT_EQ(m, expected) << "round " << round;
    index.Insert(rng() % 6, p);
  }
}

}  // namespace
}  // namespace sluice::routing
