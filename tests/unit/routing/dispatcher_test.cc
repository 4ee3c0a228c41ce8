#include "daemon/routing/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

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

constexpr const char* kDiskKey = "{}:{alertname=\"DiskFull\"}";

uint64_t DiskFp(const std::string& host) { return Disk(host).fingerprint; }

// The state a group of kDefaultTree had after notifying `firing` at `last_notify_ms`.
GroupState Notified(int64_t last_notify_ms, std::set<uint64_t> firing, uint64_t sequence = 3) {
  GroupState s;
  s.group_key = kDiskKey;
  s.receiver = "team";
  s.notified = true;
  s.last_notify_ms = last_notify_ms;
  s.sequence = sequence;
  s.last_firing = std::move(firing);
  return s;
}

TEST_F(DispatcherTimelineTest, SequenceIncrementsWithEveryNotification) {
  d_.Add(Disk("a"), kT0);
  auto sent = d_.Flush(kT0 + 30 * kSec);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state.sequence, 1u);
  EXPECT_EQ(sent[0].state.group_key, kDiskKey);
  EXPECT_EQ(sent[0].state.receiver, "team");
  EXPECT_TRUE(sent[0].state.notified);
  EXPECT_EQ(sent[0].state.last_notify_ms, kT0 + 30 * kSec);
  EXPECT_EQ(sent[0].state.last_firing, std::set<uint64_t>{DiskFp("a")});

  // No notification: the sequence does not move.
  EXPECT_TRUE(d_.Flush(kT0 + 30 * kSec + 5 * kMin).empty());

  d_.Add(Disk("b"), kT0 + 6 * kMin);
  sent = d_.Flush(kT0 + 30 * kSec + 10 * kMin);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "a,b");
  EXPECT_EQ(sent[0].state.sequence, 2u);
  EXPECT_EQ(sent[0].state.last_firing, (std::set<uint64_t>{DiskFp("a"), DiskFp("b")}));

  d_.Add(Disk("a", AlertState::kResolved), kT0 + 11 * kMin);
  sent = d_.Flush(kT0 + 30 * kSec + 15 * kMin);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "b,a/resolved");
  EXPECT_EQ(sent[0].state.sequence, 3u);
  EXPECT_EQ(sent[0].state.last_firing, std::set<uint64_t>{DiskFp("b")});

  // GroupStates() holds the same bookkeeping.
  auto states = d_.GroupStates();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].group_key, kDiskKey);
  EXPECT_EQ(states[0].sequence, 3u);
  EXPECT_EQ(states[0].last_notify_ms, kT0 + 30 * kSec + 15 * kMin);
}

TEST_F(DispatcherTimelineTest, GroupStatesOnlyListsGroupsThatNotified) {
  d_.Add(Disk("a"), kT0);
  EXPECT_EQ(d_.group_count(), 1u);
  EXPECT_TRUE(d_.GroupStates().empty());  // still in group_wait
  ASSERT_EQ(d_.Flush(kT0 + 30 * kSec).size(), 1u);
  EXPECT_EQ(d_.GroupStates().size(), 1u);
}

TEST_F(DispatcherTimelineTest, RestoredGroupDoesNotRenotifyAndSkipsGroupWait) {
  using ::testing::ElementsAre;
  using ::testing::IsEmpty;
  // Notified 10 minutes before the restart (more than group_interval ago).
  const int64_t last = kT0 - 10 * kMin;
  d_.RestoreGroup(Notified(last, {DiskFp("a")}));
  EXPECT_EQ(d_.group_count(), 0u);  // not a group until an Add() creates it

  d_.Add(Disk("a"), kT0);
  EXPECT_EQ(d_.group_count(), 1u);
  EXPECT_EQ(d_.NextFlushMs(), kT0);  // no group_wait
  EXPECT_THAT(At(kT0), IsEmpty());   // the receiver already knows: nothing sent
  EXPECT_EQ(d_.NextFlushMs(), kT0 + 5 * kMin);
  for (int64_t t = kT0 + 5 * kMin; t < last + 4 * kHour; t += 5 * kMin) {
    ASSERT_THAT(At(t), IsEmpty()) << "at +" << (t - kT0) / kMin << "m";
  }
  // repeat_interval counts from the notification before the restart: the first
  // tick at or after last + 4h.
  const int64_t repeat = kT0 + 46 * 5 * kMin;  // the tick at last + 4h
  ASSERT_EQ(repeat, last + 4 * kHour);
  auto sent = d_.Flush(repeat);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "a");
  EXPECT_EQ(sent[0].state.sequence, 4u);  // continues the restored sequence
}

TEST_F(DispatcherTimelineTest, RestoredGroupWaitsForGroupIntervalAfterItsLastNotification) {
  using ::testing::ElementsAre;
  using ::testing::IsEmpty;
  const int64_t last = kT0 - 1 * kMin;
  d_.RestoreGroup(Notified(last, {DiskFp("a")}));
  d_.Add(Disk("a"), kT0);
  d_.Add(Disk("b"), kT0);  // new since the last notification
  EXPECT_EQ(d_.NextFlushMs(), last + 5 * kMin);
  EXPECT_THAT(At(last + 5 * kMin - 1), IsEmpty());
  auto sent = d_.Flush(last + 5 * kMin);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "a,b");
  EXPECT_EQ(sent[0].state.sequence, 4u);
}

TEST_F(DispatcherTimelineTest, RestoredGroupSendsResolutionOfAlertItHadNotified) {
  d_.RestoreGroup(Notified(kT0 - 10 * kMin, {DiskFp("a")}));
  // The first thing after the restart: "a" resolved (it resolved while down).
  d_.Add(Disk("a", AlertState::kResolved), kT0);
  EXPECT_EQ(d_.group_count(), 1u);
  EXPECT_EQ(d_.NextFlushMs(), kT0);
  std::vector<std::string> removed;
  auto sent = d_.Flush(kT0, nullptr, &removed);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "a/resolved");
  EXPECT_EQ(sent[0].receiver, "team");
  EXPECT_EQ(sent[0].group_key, kDiskKey);
  EXPECT_EQ(sent[0].state.sequence, 4u);
  EXPECT_TRUE(sent[0].state.last_firing.empty());
  // Nothing is left in the group: it is removed and reported.
  EXPECT_EQ(removed, std::vector<std::string>{kDiskKey});
  EXPECT_EQ(d_.group_count(), 0u);
  EXPECT_TRUE(d_.ForgetUnrestored().empty()) << "the restored state was used";
}

TEST_F(DispatcherTimelineTest, RestoredGroupResolutionFirstThenStillFiringAlert) {
  d_.RestoreGroup(Notified(kT0 - 10 * kMin, {DiskFp("a"), DiskFp("b")}));
  d_.Add(Disk("a", AlertState::kResolved), kT0);
  d_.Add(Disk("b"), kT0);
  std::vector<std::string> removed;
  auto sent = d_.Flush(kT0, nullptr, &removed);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "b,a/resolved");
  EXPECT_EQ(sent[0].state.sequence, 4u);
  EXPECT_EQ(sent[0].state.last_firing, std::set<uint64_t>{DiskFp("b")});
  EXPECT_TRUE(removed.empty());
  EXPECT_EQ(d_.group_count(), 1u);
  // b, known to the receiver, is not new at the next tick.
  d_.Add(Disk("b"), kT0 + 1 * kMin);
  EXPECT_TRUE(At(kT0 + 5 * kMin).empty());
}

TEST_F(DispatcherTimelineTest, ResolvedAlertTheRestoredGroupNeverNotifiedIsNotSent) {
  d_.RestoreGroup(Notified(kT0 - 10 * kMin, {DiskFp("a")}));
  d_.Add(Disk("b", AlertState::kResolved), kT0);
  EXPECT_TRUE(At(kT0).empty());
}

TEST_F(DispatcherTimelineTest, ForgetUnrestoredReturnsKeysNoAddRecreated) {
  d_.RestoreGroup(Notified(kT0 - 10 * kMin, {DiskFp("a")}));
  GroupState other = Notified(kT0 - 10 * kMin, {7});
  other.group_key = "{}:{alertname=\"HostDown\"}";
  d_.RestoreGroup(other);
  GroupState third = other;
  third.group_key = "{}:{alertname=\"Gone\"}";
  d_.RestoreGroup(third);

  d_.Add(Disk("a"), kT0);
  auto forgotten = d_.ForgetUnrestored();
  std::sort(forgotten.begin(), forgotten.end());
  EXPECT_EQ(forgotten,
            (std::vector<std::string>{"{}:{alertname=\"Gone\"}", "{}:{alertname=\"HostDown\"}"}));
  EXPECT_TRUE(d_.ForgetUnrestored().empty());  // forgotten once

  // Forgotten states no longer apply: a resolved alert of such a group is ignored...
  Alert host_down = MakeAlert(L({{"alertname", "HostDown"}, {"host", "x"}}), AlertState::kResolved);
  d_.Add(host_down, kT0 + 1 * kSec);
  EXPECT_EQ(d_.group_count(), 1u);
  // ...and a firing one starts a fresh group, with group_wait and sequence 1.
  host_down.state = AlertState::kFiring;
  d_.Add(host_down, kT0 + 1 * kSec);
  EXPECT_EQ(d_.group_count(), 2u);
  auto sent = d_.Flush(kT0 + 1 * kSec);
  EXPECT_TRUE(sent.empty());
  sent = d_.Flush(kT0 + 31 * kSec);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].group_key, "{}:{alertname=\"HostDown\"}");
  EXPECT_EQ(sent[0].state.sequence, 1u);
}

TEST_F(DispatcherTimelineTest, RemovedKeysAreReportedWhenAGroupEmpties) {
  d_.Add(Disk("a"), kT0);
  d_.Add(MakeAlert(L({{"alertname", "HostDown"}, {"host", "a"}}), AlertState::kFiring), kT0);
  std::vector<std::string> removed;
  ASSERT_EQ(d_.Flush(kT0 + 30 * kSec, nullptr, &removed).size(), 2u);
  EXPECT_TRUE(removed.empty());

  d_.Add(Disk("a", AlertState::kResolved), kT0 + 1 * kMin);
  auto sent = d_.Flush(kT0 + 30 * kSec + 5 * kMin, nullptr, &removed);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "a/resolved");
  EXPECT_EQ(removed, std::vector<std::string>{kDiskKey});
  EXPECT_EQ(d_.group_count(), 1u);
  auto states = d_.GroupStates();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].group_key, "{}:{alertname=\"HostDown\"}");

  // A group emptied before it ever notified is reported too.
  removed.clear();
  d_.Add(MakeAlert(L({{"alertname", "Slow"}}), AlertState::kFiring), kT0 + 6 * kMin);
  d_.Add(MakeAlert(L({{"alertname", "Slow"}}), AlertState::kResolved), kT0 + 6 * kMin);
  EXPECT_TRUE(d_.Flush(kT0 + 6 * kMin + 30 * kSec, nullptr, &removed).empty());
  EXPECT_EQ(removed, std::vector<std::string>{"{}:{alertname=\"Slow\"}"});
  EXPECT_EQ(d_.group_count(), 1u);
}

TEST_F(DispatcherTimelineTest, FlappingStartIsAnnouncedExactlyOnce) {
  using ::testing::ElementsAre;
  using ::testing::IsEmpty;
  d_.Add(Disk("a"), kT0);
  d_.Add(Disk("b"), kT0);
  EXPECT_THAT(At(kT0 + 30 * kSec), ElementsAre("a,b"));
  int64_t tick = kT0 + 30 * kSec;

  Alert flapping = Disk("a");
  flapping.flapping = true;
  d_.Add(flapping, tick + 1 * kMin);
  tick += 5 * kMin;
  auto sent = d_.Flush(tick);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(Summary(sent[0]), "a,b");
  ASSERT_EQ(sent[0].alerts.size(), 2u);
  EXPECT_TRUE(sent[0].alerts[0].flapping);
  EXPECT_FALSE(sent[0].alerts[1].flapping);
  EXPECT_EQ(sent[0].state.last_flapping, std::set<uint64_t>{DiskFp("a")});
  EXPECT_EQ(sent[0].state.sequence, 2u);

  // Further updates while it flaps (presented as firing) are not notified.
  for (int i = 1; i <= 6; ++i) {
    flapping.value = i;
    flapping.last_eval_ms = tick + 1 * kMin;
    d_.Add(flapping, tick + 1 * kMin);
    tick += 5 * kMin;
    ASSERT_THAT(At(tick), IsEmpty()) << "update " << i;
  }
  // Another alert that starts flapping is announced, once.
  Alert b = Disk("b");
  b.flapping = true;
  d_.Add(b, tick + 1 * kMin);
  tick += 5 * kMin;
  sent = d_.Flush(tick);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state.last_flapping, (std::set<uint64_t>{DiskFp("a"), DiskFp("b")}));
  EXPECT_EQ(sent[0].state.sequence, 3u);
  d_.Add(b, tick + 1 * kMin);
  tick += 5 * kMin;
  EXPECT_THAT(At(tick), IsEmpty());
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
