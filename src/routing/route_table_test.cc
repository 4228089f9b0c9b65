#include "routing/route_table.h"

#include <gtest/gtest.h>

namespace sluice::routing {
namespace {

config::Provider NamedProvider(std::string name) {
  config::Provider p;
  p.name = std::move(name);
  return p;
}

config::Config MakeConfig() {
  config::Config c;
  c.providers.push_back(NamedProvider("up"));
  c.providers.push_back(NamedProvider("other"));
  c.models.push_back({"gpt-4o-mini", {"mini"}, "up", "gpt-4o-mini-2024-07-18"});
  c.models.push_back({"claude-*", {}, "other", ""});
  c.models.push_back({"*", {}, "up", ""});
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
  EXPECT_EQ(r.route->provider->name, "up");
  EXPECT_EQ(r.upstream_model, "gpt-4o-mini-2024-07-18");
  auto a = t.Resolve("mini");
  ASSERT_NE(a.route, nullptr);
  EXPECT_EQ(a.route->model->name, "gpt-4o-mini");
  EXPECT_EQ(a.upstream_model, "gpt-4o-mini-2024-07-18");
}

TEST(RouteTable, WildcardsInFileOrderPassNameThrough) {
  auto c = MakeConfig();
  RouteTable t(c);
  auto r = t.Resolve("claude-sonnet");
  ASSERT_NE(r.route, nullptr);
  EXPECT_EQ(r.route->provider->name, "other");
  EXPECT_EQ(r.upstream_model, "claude-sonnet");
  auto any = t.Resolve("llama-3");
  ASSERT_NE(any.route, nullptr);
  EXPECT_EQ(any.route->model->name, "*");
  EXPECT_EQ(any.upstream_model, "llama-3");
}

TEST(RouteTable, UnknownWithoutWildcard) {
  config::Config c;
  c.providers.push_back(NamedProvider("up"));
  c.models.push_back({"only", {}, "up", ""});
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

}  // namespace
}  // namespace sluice::routing
