#include "daemon/routing/route.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/routing/test_util.h"

namespace vigie::daemon::routing {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::ConfigErrorCase;
using testing::ConfigErrorText;
using ::testing::ElementsAre;
using testing::ErrorText;
using ::testing::HasSubstr;
using testing::L;

const std::vector<std::string> kReceivers = {
    "notify-def",         "notify-A",           "notify-testing",
    "notify-productionA", "notify-productionB", "notify-BC",
};

// The tree of Alertmanager's dispatch/route_test.go, in Vigie's syntax.
constexpr const char* kTree = R"yaml(route:
  receiver: notify-def
  routes:
    - matchers: ['owner="team-A"']
      receiver: notify-A
      routes:
        - matchers: ['env="testing"']
          receiver: notify-testing
          group_by: ['...']
        - matchers: ['env="production"']
          receiver: notify-productionA
          group_wait: 1m
          continue: true
        - matchers: ['env=~"produ.*"', 'job=~".*"']
          receiver: notify-productionB
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 1h
          group_by: [job]
    - matchers: ['owner=~"team-(B|C)"']
      group_by: [foo, bar]
      group_wait: 2m
      receiver: notify-BC
    - matchers: [group_by = "role"]
      group_by: [role]
      routes:
        - matchers: ['env="testing"']
          receiver: notify-testing
          routes:
            - matchers: ['wait="long"']
              group_wait: 2m
)yaml";

class RouteTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConfigErrors errors("am.yml");
    YAML::Node doc = LoadYamlString(kTree, errors);
    root_ = ParseRouteTree(doc["route"], kReceivers, errors);
    ASSERT_TRUE(errors.empty()) << ErrorText(errors);
  }

  std::vector<std::string> Receivers(const Labels& labels) const {
    std::vector<std::string> out;
    for (const Route* r : root_->Match(labels)) out.push_back(r->options().receiver);
    return out;
  }

  const Route* Only(const Labels& labels) const {
    auto routes = root_->Match(labels);
    EXPECT_EQ(routes.size(), 1u);
    return routes.empty() ? nullptr : routes[0];
  }

  std::unique_ptr<Route> root_;
};

TEST_F(RouteTreeTest, UnmatchedAlertStaysAtRoot) {
  const Route* r = Only(L({{"owner", "team-X"}}));
  EXPECT_EQ(r, root_.get());
  EXPECT_EQ(r->options().receiver, "notify-def");
  EXPECT_EQ(r->options().group_wait, seconds(30));
  EXPECT_EQ(r->options().group_interval, minutes(5));
  EXPECT_EQ(r->options().repeat_interval, std::chrono::hours(4));
  EXPECT_TRUE(r->options().group_by.empty());
}

TEST_F(RouteTreeTest, ParentTakesAlertWhenNoChildMatches) {
  EXPECT_THAT(Receivers(L({{"owner", "team-A"}})), ElementsAre("notify-A"));
  EXPECT_THAT(Receivers(L({{"owner", "team-A"}, {"env", "staging"}})), ElementsAre("notify-A"));
}

TEST_F(RouteTreeTest, RegexMatcherAndOverrides) {
  const Route* r = Only(L({{"owner", "team-C"}}));
  EXPECT_EQ(r->options().receiver, "notify-BC");
  EXPECT_THAT(r->options().group_by, ElementsAre("bar", "foo"));
  EXPECT_EQ(r->options().group_wait, minutes(2));
  EXPECT_EQ(r->options().group_interval, minutes(5));  // inherited default
  EXPECT_EQ(Only(L({{"owner", "team-D"}}))->options().receiver, "notify-def");
}

TEST_F(RouteTreeTest, ContinueTriesNextSiblings) {
  auto routes = root_->Match(L({{"owner", "team-A"}, {"env", "production"}}));
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]->options().receiver, "notify-productionA");
  EXPECT_EQ(routes[0]->options().group_wait, minutes(1));
  EXPECT_EQ(routes[1]->options().receiver, "notify-productionB");
  EXPECT_EQ(routes[1]->options().group_wait, seconds(30));
  EXPECT_EQ(routes[1]->options().repeat_interval, std::chrono::hours(1));
  EXPECT_THAT(routes[1]->options().group_by, ElementsAre("job"));
  EXPECT_NE(routes[0]->key(), routes[1]->key());
}

TEST_F(RouteTreeTest, FirstMatchingChildWinsWithoutContinue) {
  // env=testing matches the first child only; productionB would not match anyway.
  const Route* r = Only(L({{"owner", "team-A"}, {"env", "testing"}}));
  EXPECT_EQ(r->options().receiver, "notify-testing");
  EXPECT_TRUE(r->options().group_by_all);
  EXPECT_EQ(r->GroupLabels(L({{"owner", "team-A"}, {"env", "testing"}})),
            L({{"owner", "team-A"}, {"env", "testing"}}));
}

TEST_F(RouteTreeTest, InheritanceOverSeveralLevels) {
  const Route* r = Only(L({{"group_by", "role"}}));
  EXPECT_EQ(r->options().receiver, "notify-def");
  EXPECT_THAT(r->options().group_by, ElementsAre("role"));

  r = Only(L({{"group_by", "role"}, {"env", "testing"}}));
  EXPECT_EQ(r->options().receiver, "notify-testing");
  EXPECT_THAT(r->options().group_by, ElementsAre("role"));

  r = Only(L({{"group_by", "role"}, {"env", "testing"}, {"wait", "long"}}));
  EXPECT_EQ(r->options().receiver, "notify-testing");  // inherited from its parent
  EXPECT_THAT(r->options().group_by, ElementsAre("role"));
  EXPECT_EQ(r->options().group_wait, minutes(2));
  EXPECT_FALSE(r->continue_matching());
}

TEST_F(RouteTreeTest, GroupLabelsKeepOnlyPresentGroupByLabels) {
  const Route* r = Only(L({{"owner", "team-B"}, {"foo", "1"}, {"x", "y"}}));
  EXPECT_EQ(r->GroupLabels(L({{"owner", "team-B"}, {"foo", "1"}, {"x", "y"}})), L({{"foo", "1"}}));
}

class RouteConfigErrorTest : public ::testing::TestWithParam<ConfigErrorCase> {};

TEST_P(RouteConfigErrorTest, ReportsFileAndLine) {
  EXPECT_THAT(ConfigErrorText(GetParam().yaml,
                              [](const YAML::Node& doc, ConfigErrors& errors) {
                                ParseRouteTree(doc["route"], {"default", "db"}, errors);
                              }),
              HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, RouteConfigErrorTest,
    ::testing::Values(
        ConfigErrorCase{"route:\n  receiver: default\n  routes:\n    - receiver: pager\n",
                        "vigied.yml:4: \"route.routes[0].receiver\": unknown receiver \"pager\""},
        ConfigErrorCase{"route:\n  group_by: [host]\n",
                        "vigied.yml:2: \"route\" must name a receiver"},
        ConfigErrorCase{
            "route:\n  receiver: default\n  routes:\n    - receiver: db\n      matchers:\n"
            "        - 'severity=~\"(\"'\n",
            "vigied.yml:6: \"route.routes[0].matchers\": "},
        ConfigErrorCase{"route:\n  receiver: default\n  group_intervl: 1m\n",
                        "vigied.yml:3: unknown key \"route.group_intervl\""},
        ConfigErrorCase{"route:\n  receiver: default\n  group_interval: 0s\n",
                        "vigied.yml:3: \"route.group_interval\" must be at least 1ms"},
        ConfigErrorCase{"route:\n  receiver: default\n  repeat_interval: soon\n",
                        "vigied.yml:3: \"route.repeat_interval\": "},
        ConfigErrorCase{"route:\n  receiver: default\n  group_by: ['...', host]\n",
                        "vigied.yml:3: \"route.group_by\": \"...\" must be the only label"},
        ConfigErrorCase{"route:\n  receiver: default\n  matchers: ['host=\"a\"']\n",
                        "vigied.yml:3: the root route must not have matchers"},
        ConfigErrorCase{"other: 1\n", "vigied.yml: \"route\" is required"}));

TEST(RouteConfigTest, SpacesAroundOperatorAreAllowed) {
  ConfigErrors errors("vigied.yml");
  YAML::Node doc = LoadYamlString(
      "route:\n  receiver: default\n  routes:\n    - receiver: db\n"
      "      matchers: ['service =~ \"mysql|postgres\"', 'env != \"dev\"']\n",
      errors);
  auto root = ParseRouteTree(doc["route"], {"default", "db"}, errors);
  ASSERT_TRUE(errors.empty()) << ErrorText(errors);
  EXPECT_EQ(root->Match(L({{"service", "postgres"}}))[0]->options().receiver, "db");
  EXPECT_EQ(root->Match(L({{"service", "postgres"}, {"env", "dev"}}))[0]->options().receiver,
            "default");
}

}  // namespace
}  // namespace vigie::daemon::routing
