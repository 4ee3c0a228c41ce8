#include "daemon/routing/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/routing/test_util.h"

namespace vigie::daemon::routing {
namespace {

using testing::ErrorText;
using testing::L;
using testing::MakeAlert;

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kT0 = 1'790'000'000'000;

std::unique_ptr<Route> Tree(const char* yaml) {
  ConfigErrors errors("test.yml");
  YAML::Node doc = LoadYamlString(yaml, errors);
  auto root = ParseRouteTree(doc["route"], {"team", "db", "audit"}, errors);
  EXPECT_TRUE(errors.empty()) << ErrorText(errors);
  return root;
}

constexpr const char* kDefaultTree =
    "route:\n  receiver: team\n  group_by: [alertname]\n"
    "  group_wait: 30s\n  group_interval: 5m\n  repeat_interval: 4h\n";

Alert Disk(const std::string& host, AlertState state = AlertState::kFiring) {
  return MakeAlert(L({{"alertname", "DiskFull"}, {"host", host}}), state);
}

// "host=a,host=b/resolved" style summary of a notification's alerts.
std::string Summary(const GroupNotification& n) {
  std::string out;
  for (const Alert& a : n.alerts) {
    if (!out.empty()) out += ",";
    for (const Label& l : a.labels) {
      if (l.name == "host") out += l.value;
    }
    if (a.state == AlertState::kResolved) out += "/resolved";
  }
  return out;
}

class DispatcherTimelineTest : public ::testing::Test {
 protected:
  DispatcherTimelineTest() : root_(Tree(kDefaultTree)), d_(root_.get()) {}

  // Flushes at `t` and returns the summaries of what was sent.
  std::vector<std::string> At(int64_t t, const Muter* muter = nullptr) {
    std::vector<std::string> out;
    for (const auto& n : d_.Flush(t, muter)) out.push_back(Summary(n));
    return out;
  }

  std::unique_ptr<Route> root_;
  Dispatcher d_;
};

TEST_F(DispatcherTimelineTest, GroupWaitIntervalRepeatAndResolvedOnce) {
  using ::testing::ElementsAre;
  using ::testing::IsEmpty;

  d_.Add(Disk("a"), kT0);
  EXPECT_THAT(At(kT0), IsEmpty());
  EXPECT_EQ(d_.NextFlushMs(), kT0 + 30 * kSec);
  d_.Add(Disk("b"), kT0 + 10 * kSec);  // joins the group, does not restart group_wait
  EXPECT_THAT(At(kT0 + 29 * kSec), IsEmpty());

  // First notification: group_wait after the first alert.
  auto sent = d_.Flush(kT0 + 30 * kSec);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].receiver, "team");
  EXPECT_EQ(sent[0].group_labels, L({{"alertname", "DiskFull"}}));
  EXPECT_EQ(sent[0].group_key, "{}:{alertname=\"DiskFull\"}");
  EXPECT_EQ(Summary(sent[0]), "a,b");
  const int64_t t1 = kT0 + 30 * kSec;
  EXPECT_EQ(d_.NextFlushMs(), t1 + 5 * kMin);

  // A new alert waits for the next group_interval tick.
  d_.Add(Disk("c"), kT0 + 60 * kSec);
  EXPECT_THAT(At(kT0 + 60 * kSec), IsEmpty());
  EXPECT_THAT(At(t1 + 5 * kMin), ElementsAre("a,b,c"));
  const int64_t t2 = t1 + 5 * kMin;

  // Unchanged: nothing until repeat_interval (4h = 48 ticks) has passed.
  for (int64_t t = t2 + 5 * kMin; t < t2 + 4 * kHour; t += 5 * kMin) {
    ASSERT_THAT(At(t), IsEmpty()) << "at +" << (t - t2) / kMin << "m";
  }
  EXPECT_THAT(At(t2 + 4 * kHour), ElementsAre("a,b,c"));
  const int64_t t3 = t2 + 4 * kHour;

  // A resolution is sent at the next tick, once, then dropped from the group.
  d_.Add(Disk("a", AlertState::kResolved), t3 + 1 * kMin);
  EXPECT_THAT(At(t3 + 5 * kMin), ElementsAre("b,c,a/resolved"));
  EXPECT_THAT(At(t3 + 10 * kMin), IsEmpty());
  EXPECT_EQ(d_.group_count(), 1u);

  // Everything resolved: one last notification, then the group is removed.
  d_.Add(Disk("b", AlertState::kResolved), t3 + 11 * kMin);
  d_.Add(Disk("c", AlertState::kResolved), t3 + 12 * kMin);
  EXPECT_THAT(At(t3 + 15 * kMin), ElementsAre("b/resolved,c/resolved"));
  EXPECT_EQ(d_.group_count(), 0u);
  EXPECT_EQ(d_.NextFlushMs(), std::nullopt);

  // The same alert firing again starts a new group, with group_wait again.
  d_.Add(Disk("a"), t3 + 16 * kMin);
  EXPECT_THAT(At(t3 + 16 * kMin + 29 * kSec), IsEmpty());
  EXPECT_THAT(At(t3 + 16 * kMin + 30 * kSec), ElementsAre("a"));
}

TEST_F(DispatcherTimelineTest, AlertResolvedBeforeFirstNotificationIsNeverSent) {
  d_.Add(Disk("a"), kT0);
  d_.Add(Disk("a", AlertState::kResolved), kT0 + 10 * kSec);
  EXPECT_TRUE(At(kT0 + 30 * kSec).empty());
  EXPECT_EQ(d_.group_count(), 0u);
}

TEST_F(DispatcherTimelineTest, ResolvedAlertWithoutGroupAndPendingAlertsAreIgnored) {
  d_.Add(Disk("a", AlertState::kResolved), kT0);
  d_.Add(Disk("b", AlertState::kPending), kT0);
  EXPECT_EQ(d_.group_count(), 0u);
}

TEST_F(DispatcherTimelineTest, AlertThatFiredLongAgoSkipsGroupWait) {
  d_.Add(MakeAlert(L({{"alertname", "DiskFull"}, {"host", "a"}}), AlertState::kFiring,
                   kT0 - 10 * kMin),
         kT0);
  EXPECT_EQ(d_.NextFlushMs(), kT0);
  EXPECT_EQ(At(kT0), std::vector<std::string>{"a"});
}

TEST_F(DispatcherTimelineTest, GroupsAreKeyedByGroupByValues) {
  d_.Add(Disk("a"), kT0);
  d_.Add(MakeAlert(L({{"alertname", "HostDown"}, {"host", "a"}}), AlertState::kFiring), kT0);
  auto sent = d_.Flush(kT0 + 30 * kSec);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].group_labels, L({{"alertname", "DiskFull"}}));
  EXPECT_EQ(sent[1].group_labels, L({{"alertname", "HostDown"}}));
}

// Mutes alerts of host "a" while `on` is set.
class HostMuter final : public Muter {
 public:
  bool on = true;
  bool Mutes(const Labels& labels, int64_t now_ms) const override {
    return Reason(labels, now_ms).has_value();
  }
  std::optional<MuteReason> Reason(const Labels& labels, int64_t) const override {
    if (on && labels == L({{"alertname", "DiskFull"}, {"host", "a"}})) {
      return MuteReason{MuteReason::Kind::kSilence, "s1", ""};
    }
    return std::nullopt;
  }
};

TEST_F(DispatcherTimelineTest, MutedAlertsAreLeftOutAndCountAsNewWhenUnmuted) {
  HostMuter muter;
  d_.Add(Disk("a"), kT0);
  EXPECT_TRUE(At(kT0 + 30 * kSec, &muter).empty());  // only a muted alert: nothing
  d_.Add(Disk("b"), kT0 + 1 * kMin);
  EXPECT_EQ(At(kT0 + 30 * kSec + 5 * kMin, &muter), std::vector<std::string>{"b"});
  muter.on = false;
  EXPECT_EQ(At(kT0 + 30 * kSec + 10 * kMin, &muter), std::vector<std::string>{"a,b"});
}

TEST(DispatcherTest, ContinueSendsToEveryMatchingRoute) {
  auto root = Tree(
      "route:\n  receiver: team\n  group_wait: 0s\n  routes:\n"
      "    - receiver: audit\n      continue: true\n"
      "    - receiver: db\n      matchers: ['service=\"db\"']\n      group_wait: 10s\n");
  Dispatcher d(root.get());
  d.Add(MakeAlert(L({{"alertname", "Slow"}, {"service", "db"}}), AlertState::kFiring), kT0);
  auto sent = d.Flush(kT0);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].receiver, "audit");
  sent = d.Flush(kT0 + 10 * kSec);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].receiver, "db");
  EXPECT_EQ(sent[0].group_key, "{}/{service=\"db\"}/1:");
}

}  // namespace
}  // namespace vigie::daemon::routing
