#include "routing/route_table.h"

#include <gtest/gtest.h>

namespace sluice::routing {
namespace {

config::Provider NamedProvider(std::string name) {
  config::Provider p;
  p.name = std::move(name);
  return p;
}

config::Model OneTarget(std::string name, std::vector<std::string> aliases, std::string provider,
                        std::string upstream) {
  config::Model m;
  m.name = std::move(name);
  m.aliases = std::move(aliases);
  m.targets.push_back({std::move(provider), std::move(upstream), 0, 1});
  return m;
}

config::Config MakeConfig() {
  config::Config c;
  c.providers.push_back(NamedProvider("up"));
  c.providers.push_back(NamedProvider("other"));
  c.models.push_back(OneTarget("gpt-4o-mini", {"mini"}, "up", "gpt-4o-mini-2024-07-18"));
  c.models.push_back(OneTarget("claude-*", {}, "other", ""));
  c.models.push_back(OneTarget("*", {}, "up", ""));
  return c;
}

TEST(WildcardMatch, Globs) {
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_TRUE(WildcardMatch("*", "anything"));
  EXPECT_TRUE(WildcardMatch("gpt-*", "gpt-4o"));
  EXPECT_FALSE(WildcardMatch("gpt-*", "gp"));
  EXPECT_TRUE(WildcardMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(WildcardMatch("a*b*c", "aXXbYY"));
  EXPECT_TRUE(WildcardMatch("*-mini", "gpt-4o-mini"));
  EXPECT_FALSE(WildcardMatch("exact", "exact2"));
}

TEST(RouteTable, ExactAliasAndOverride) {
  auto c = MakeConfig();
  RouteTable t(c);
  auto r = t.Resolve("gpt-4o-mini");
  ASSERT_NE(r.route, nullptr);
  EXPECT_EQ(r.route->targets.at(0).provider->name, "up");
  EXPECT_EQ(UpstreamModel(r.route->targets[0], r.requested), "gpt-4o-mini-2024-07-18");
  auto a = t.Resolve("mini");
  ASSERT_NE(a.route, nullptr);
  EXPECT_EQ(a.route->model->name, "gpt-4o-mini");
  EXPECT_EQ(UpstreamModel(a.route->targets[0], a.requested), "gpt-4o-mini-2024-07-18");
}

TEST(RouteTable, WildcardsInFileOrderPassNameThrough) {
  auto c = MakeConfig();
  RouteTable t(c);
  auto r = t.Resolve("claude-sonnet");
  ASSERT_NE(r.route, nullptr);
  EXPECT_EQ(r.route->targets.at(0).provider->name, "other");
  EXPECT_EQ(UpstreamModel(r.route->targets[0], r.requested), "claude-sonnet");
  auto any = t.Resolve("llama-3");
  ASSERT_NE(any.route, nullptr);
  EXPECT_EQ(any.route->model->name, "*");
  EXPECT_EQ(UpstreamModel(any.route->targets[0], any.requested), "llama-3");
}

TEST(RouteTable, UnknownWithoutWildcard) {
  config::Config c;
  c.providers.push_back(NamedProvider("up"));
  c.models.push_back(OneTarget("only", {}, "up", ""));
  RouteTable t(c);
  EXPECT_EQ(t.Resolve("other").route, nullptr);
  EXPECT_EQ(t.Resolve("").route, nullptr);
  EXPECT_EQ(t.listed_models(), std::vector<std::string>{"only"});
}

TEST(RouteTable, ListedModelsExcludeWildcards) {
  auto c = MakeConfig();
  RouteTable t(c);
  EXPECT_EQ(t.listed_models(), (std::vector<std::string>{"gpt-4o-mini", "mini"}));
}

TEST(RouteTable, TargetsSortedByPriorityKeepingFileOrderWithin) {
  config::Config c;
  for (auto name : {"a", "b", "c", "d"}) c.providers.push_back(NamedProvider(name));
  config::Model m;
  m.name = "m";
  m.targets = {{"a", "", 1, 1}, {"b", "", 0, 1}, {"c", "", 1, 1}, {"d", "", 0, 1}};
  c.models.push_back(m);
  RouteTable t(c);
  auto r = t.Resolve("m");
  ASSERT_NE(r.route, nullptr);
  std::string order;
  for (const auto& target : r.route->targets) order += target.provider->name;
  EXPECT_EQ(order, "bdac");
}

}  // namespace
}  // namespace sluice::routing
