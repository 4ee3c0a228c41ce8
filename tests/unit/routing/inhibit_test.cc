#include "daemon/routing/inhibit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/routing/silences.h"
#include "tests/unit/routing/test_util.h"

namespace vigie::daemon::routing {
namespace {

using testing::ConfigErrorCase;
using testing::ConfigErrorText;
using testing::ErrorText;
using ::testing::HasSubstr;
using testing::L;
using testing::MakeAlert;

constexpr int64_t kNow = 1'790'000'000'000;

// The documented default: HostDown mutes every other alert of the same host.
constexpr const char* kHostDown = R"(inhibit_rules:
  - source_matchers: ['alertname="HostDown"']
    target_matchers: ['alertname!="HostDown"']
    equal: [host]
)";

Inhibitor Parse(const char* yaml) {
  ConfigErrors errors("vigied.yml");
  YAML::Node doc = LoadYamlString(yaml, errors);
  auto rules = ParseInhibitRules(doc["inhibit_rules"], errors);
  EXPECT_TRUE(errors.empty()) << ErrorText(errors);
  return Inhibitor(std::move(rules));
}

TEST(InhibitTest, HostDownMutesOtherAlertsOfTheSameHostOnly) {
  Inhibitor inhibitor = Parse(kHostDown);
  const Labels down_a = L({{"alertname", "HostDown"}, {"host", "a"}});
  const Labels disk_a = L({{"alertname", "DiskFull"}, {"host", "a"}});
  const Labels disk_b = L({{"alertname", "DiskFull"}, {"host", "b"}});
  EXPECT_FALSE(inhibitor.Mutes(disk_a, kNow));  // nothing firing yet

  inhibitor.Update({MakeAlert(down_a, AlertState::kFiring), MakeAlert(disk_a, AlertState::kFiring),
                    MakeAlert(disk_b, AlertState::kFiring)});
  EXPECT_TRUE(inhibitor.Mutes(disk_a, kNow));
  EXPECT_FALSE(inhibitor.Mutes(disk_b, kNow));
  EXPECT_FALSE(inhibitor.Mutes(down_a, kNow));  // the source does not mute itself

  auto reason = inhibitor.Reason(disk_a, kNow);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->kind, MuteReason::Kind::kInhibition);
  EXPECT_EQ(reason->id, "inhibit_rules[0]");
  EXPECT_EQ(reason->detail, "inhibited by {alertname=\"HostDown\",host=\"a\"}");

  // Only firing sources count.
  inhibitor.Update({MakeAlert(down_a, AlertState::kResolved)});
  EXPECT_FALSE(inhibitor.Mutes(disk_a, kNow));
  inhibitor.Update({MakeAlert(down_a, AlertState::kPending)});
  EXPECT_FALSE(inhibitor.Mutes(disk_a, kNow));
}

TEST(InhibitTest, MissingEqualLabelOnBothSidesCountsAsEqual) {
  Inhibitor inhibitor = Parse(kHostDown);
  inhibitor.Update({MakeAlert(L({{"alertname", "HostDown"}}), AlertState::kFiring)});
  EXPECT_TRUE(inhibitor.Mutes(L({{"alertname", "Other"}}), kNow));
  EXPECT_FALSE(inhibitor.Mutes(L({{"alertname", "Other"}, {"host", "a"}}), kNow));
}

TEST(InhibitTest, AlertsMatchingBothSidesDoNotMuteEachOther) {
  // Critical mutes warning... and a rule whose sides overlap.
  Inhibitor inhibitor = Parse(R"(inhibit_rules:
  - source_matchers: ['severity=~"critical|warning"']
    target_matchers: ['severity=~"warning|info"']
    equal: [host]
)");
  const Labels warn = L({{"alertname", "A"}, {"severity", "warning"}, {"host", "a"}});
  const Labels warn2 = L({{"alertname", "B"}, {"severity", "warning"}, {"host", "a"}});
  const Labels crit = L({{"alertname", "C"}, {"severity", "critical"}, {"host", "a"}});
  inhibitor.Update({MakeAlert(warn, AlertState::kFiring), MakeAlert(warn2, AlertState::kFiring)});
  EXPECT_FALSE(inhibitor.Mutes(warn, kNow));
  EXPECT_FALSE(inhibitor.Mutes(warn2, kNow));
  inhibitor.Update({MakeAlert(warn, AlertState::kFiring), MakeAlert(crit, AlertState::kFiring)});
  EXPECT_TRUE(inhibitor.Mutes(warn, kNow));
  EXPECT_FALSE(inhibitor.Mutes(crit, kNow));
}

TEST(MuterChainTest, FirstMuterThatMutesGivesTheReason) {
  Inhibitor inhibitor = Parse(kHostDown);
  Silences silences{std::mt19937_64(7)};
  Silence s;
  s.matchers = {*Matcher::Parse("host=a")};
  s.starts_at_ms = kNow;
  s.ends_at_ms = kNow + 60'000;
  auto id = silences.Add(s, kNow);
  ASSERT_TRUE(id.ok());
  const Labels disk_a = L({{"alertname", "DiskFull"}, {"host", "a"}});
  inhibitor.Update({MakeAlert(L({{"alertname", "HostDown"}, {"host", "a"}}), AlertState::kFiring)});

  MuterChain chain({&inhibitor, &silences});
  EXPECT_EQ(chain.Reason(disk_a, kNow)->kind, MuteReason::Kind::kInhibition);
  inhibitor.Update({});
  EXPECT_EQ(chain.Reason(disk_a, kNow)->id, *id);
  EXPECT_TRUE(chain.Mutes(disk_a, kNow));
  EXPECT_FALSE(chain.Mutes(disk_a, kNow + 60'000));
  EXPECT_STREQ(MuteKindName(MuteReason::Kind::kMaintenance), "maintenance");
}

class InhibitConfigErrorTest : public ::testing::TestWithParam<ConfigErrorCase> {};

TEST_P(InhibitConfigErrorTest, ReportsFileAndLine) {
  EXPECT_THAT(ConfigErrorText(GetParam().yaml,
                              [](const YAML::Node& doc, ConfigErrors& errors) {
                                ParseInhibitRules(doc["inhibit_rules"], errors);
                              }),
              HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, InhibitConfigErrorTest,
    ::testing::Values(
        ConfigErrorCase{"inhibit_rules:\n  - source_matchers: ['alertname=\"A\"']\n"
                        "    target_matchers: ['severity=~\"[\"']\n",
                        "vigied.yml:3: \"inhibit_rules[0].target_matchers\": "},
        ConfigErrorCase{
            "inhibit_rules:\n  - source_matchers: ['alertname=\"A\"']\n    equal: [host]\n",
            "vigied.yml:2: \"inhibit_rules[0].target_matchers\" needs at least one matcher"},
        ConfigErrorCase{"inhibit_rules:\n  - source_matchers: ['a=\"b\"']\n"
                        "    target_matchers: ['c=\"d\"']\n    equal: [1host]\n",
                        "vigied.yml:4: \"inhibit_rules[0].equal\": invalid label name \"1host\""},
        ConfigErrorCase{"inhibit_rules:\n  - source_matchers: ['a=\"b\"']\n"
                        "    target_matchers: ['c=\"d\"']\n    source_match: {a: b}\n",
                        "vigied.yml:4: unknown key \"inhibit_rules[0].source_match\""},
        ConfigErrorCase{"inhibit_rules: {a: 1}\n",
                        "vigied.yml:1: \"inhibit_rules\" must be a list"}));

}  // namespace
}  // namespace vigie::daemon::routing
