#include "daemon/rules/rule_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/rules/promql/memory_queryable.h"

namespace vigie::daemon::rules {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Call {
  std::string group;
  std::vector<Alert> active;
  std::vector<AlertEvent> events;
  int64_t t_ms;
};

class RecordingSink : public AlertSink {
 public:
  void OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                   const std::vector<AlertEvent>& events, int64_t t_ms) override {
    calls.push_back({group, active, events, t_ms});
  }
  // "rule:type" of every event of every call, in order.
  std::vector<std::string> Events() const {
    std::vector<std::string> out;
    for (const Call& c : calls) {
      for (const AlertEvent& e : c.events) {
        out.push_back(e.alert.rule + ":" + AlertEventTypeName(e.type));
      }
    }
    return out;
  }
  std::vector<Call> calls;
};

struct RuleSpec {
  std::string name;
  std::string expr;
  milliseconds for_duration{0};
};

RuleGroup Group(std::string name, milliseconds interval, const std::vector<RuleSpec>& rules) {
  RuleGroup g;
  g.name = std::move(name);
  g.file = "test.yml";
  g.interval = interval;
  for (const RuleSpec& r : rules) {
    AlertRuleConfig c;
    c.name = r.name;
    c.expr = r.expr;
    c.for_duration = r.for_duration;
    g.rules.push_back(std::move(c));
  }
  return g;
}

class RuleManagerTest : public ::testing::Test {
 protected:
  // `name{host=...}` with a constant value every 5s over [0, 10m].
  void AddSeries(const std::string& name, const std::string& host, double value,
                 Labels extra = {}) {
    Labels labels = {{"__name__", name}, {"host", host}};
    labels.insert(labels.end(), extra.begin(), extra.end());
    std::vector<Point> points;
    for (int64_t t = 0; t <= 600'000; t += 5'000) points.push_back({t, value});
    ASSERT_TRUE(q_.Add(std::move(labels), points).ok());
  }

  std::unique_ptr<RuleManager> Make(std::vector<RuleGroup> groups, int64_t now_ms = 0) {
    auto m = RuleManager::Create(std::move(groups), q_, sink_, options_, now_ms);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? std::move(*m) : nullptr;
  }

  promql::MemoryQueryable q_;
  RecordingSink sink_;
  RuleManagerOptions options_;
};

TEST_F(RuleManagerTest, GroupsEvaluateAtAlignedTimesAndReturnNextDue) {
  AddSeries("up", "a", 1);
  auto m = Make({Group("node", seconds(10), {{"Down", "up == 0"}}),
                 Group("disk", seconds(10), {{"Full", "up > 5"}})});
  ASSERT_NE(m, nullptr);
  std::vector<GroupStatus> st = m->Status();
  ASSERT_EQ(st.size(), 2u);
  const int64_t node_at = st[0].next_eval_ms;
  const int64_t disk_at = st[1].next_eval_ms;
  EXPECT_GE(node_at, 0);
  EXPECT_LT(node_at, 10'000);
  EXPECT_NE(node_at, disk_at) << "groups are spread over their interval";
  // Stable: the same name gives the same offset, whatever the start time.
  auto again = Make({Group("node", seconds(10), {})}, 123'456);
  EXPECT_EQ(again->Status()[0].next_eval_ms % 10'000, node_at);
  sink_.calls.clear();

  const int64_t first = std::min(node_at, disk_at);
  const int64_t second = std::max(node_at, disk_at);
  EXPECT_EQ(m->NextDueMs(), first);
  EXPECT_EQ(m->EvaluateDue(first - 1), first);
  EXPECT_THAT(sink_.calls, IsEmpty());

  EXPECT_EQ(m->EvaluateDue(first), second);
  ASSERT_EQ(sink_.calls.size(), 1u);
  EXPECT_EQ(sink_.calls[0].group, first == node_at ? "node" : "disk");
  EXPECT_EQ(sink_.calls[0].t_ms, first);

  EXPECT_EQ(m->EvaluateDue(second), first + 10'000);
  ASSERT_EQ(sink_.calls.size(), 2u);
  EXPECT_EQ(sink_.calls[1].t_ms, second);

  // Called late: evaluated once, at the latest aligned time; the skipped one is counted.
  sink_.calls.clear();
  m->EvaluateDue(node_at + 25'000);
  for (const Call& c : sink_.calls) {
    if (c.group == "node") {
      EXPECT_EQ(c.t_ms, node_at + 20'000);
    }
  }
  st = m->Status();
  EXPECT_EQ(st[0].last_eval_ms, node_at + 20'000);
  EXPECT_EQ(st[0].next_eval_ms, node_at + 30'000);
  EXPECT_EQ(st[0].missed, 1u);
  EXPECT_EQ(st[0].rules[0].health, RuleHealth::kOk);
  EXPECT_EQ(st[0].rules[0].evaluations, 2u);
}

TEST_F(RuleManagerTest, ForGoesPendingThenFiringAcrossEvaluations) {
  AddSeries("up", "a", 0);
  auto m = Make({Group("node", seconds(10), {{"HostDown", "up == 0", seconds(20)}})});
  ASSERT_NE(m, nullptr);
  int64_t t = m->NextDueMs();
  t = m->EvaluateDue(t);
  EXPECT_THAT(sink_.Events(), ElementsAre("HostDown:pending"));
  ASSERT_EQ(sink_.calls.back().active.size(), 1u);
  EXPECT_EQ(sink_.calls.back().active[0].state, AlertState::kPending);
  t = m->EvaluateDue(t);
  EXPECT_THAT(sink_.Events(), ElementsAre("HostDown:pending"));
  m->EvaluateDue(t);
  EXPECT_THAT(sink_.Events(), ElementsAre("HostDown:pending", "HostDown:firing"));
  EXPECT_EQ(sink_.calls.back().active[0].state, AlertState::kFiring);
  EXPECT_EQ(m->Status()[0].rules[0].active_alerts, 1u);
}

TEST_F(RuleManagerTest, FailingRuleDoesNotStopTheNextAndIsReported) {
  AddSeries("up", "a", 0);
  AddSeries("up", "b", 0);
  AddSeries("load", "a", 1);
  AddSeries("load", "b", 1);
  auto m = Make({Group("node", seconds(10),
                       {{"Bad", "up + on() load"}, {"Scalar", "1"}, {"HostDown", "up == 0"}})});
  ASSERT_NE(m, nullptr);
  m->EvaluateDue(m->NextDueMs());
  EXPECT_THAT(sink_.Events(), ElementsAre("Scalar:firing", "HostDown:firing", "HostDown:firing"));
  std::vector<RuleStatus> rules = m->Status()[0].rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].health, RuleHealth::kErr);
  EXPECT_THAT(rules[0].last_error, HasSubstr("many-to-many"));
  EXPECT_EQ(rules[0].failures, 1u);
  EXPECT_EQ(rules[0].evaluations, 1u);
  EXPECT_EQ(rules[1].health, RuleHealth::kOk);
  EXPECT_EQ(rules[2].health, RuleHealth::kOk);
  EXPECT_TRUE(rules[2].last_error.empty());
  EXPECT_EQ(rules[2].active_alerts, 2u);
  EXPECT_STREQ(RuleHealthName(rules[0].health), "err");
}

TEST_F(RuleManagerTest, BadRulesAreRefusedAtCreate) {
  auto m = RuleManager::Create(
      {Group("node", seconds(10), {{"Bad", "up =="}}), Group("zero", milliseconds(0), {})}, q_,
      sink_, options_, 0);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("group \"node\", rule \"Bad\": "));
  EXPECT_THAT(m.status().message(), HasSubstr("group \"zero\": interval must be positive"));
}

TEST_F(RuleManagerTest, EvaluateForHostEvaluatesNowAndIsRateLimited) {
  AddSeries("up", "a", 0);
  AddSeries("up", "b", 0);
  auto m = Make({Group("node", std::chrono::minutes(1),
                       {{"DownA", "up{host=\"a\"} == 0"},
                        {"DownB", "up{host=~\"b|c\"} == 0"},
                        {"AnyDown", "count(up == 0) > 1"},
                        {"NoSeries", "vector(1)"}})},
                52'000);
  ASSERT_NE(m, nullptr);
  const int64_t timer = m->NextDueMs();
  const int64_t now = 100'000;
  ASSERT_GT(timer, now + 1'000) << "pick another start time for this test";

  EXPECT_EQ(m->EvaluateForHost("a", now), timer);
  ASSERT_EQ(sink_.calls.size(), 1u);
  EXPECT_EQ(sink_.calls[0].t_ms, now);
  EXPECT_THAT(sink_.Events(), ElementsAre("DownA:firing", "AnyDown:firing"));
  std::vector<RuleStatus> rules = m->Status()[0].rules;
  EXPECT_EQ(rules[0].host_evaluations, 1u);
  EXPECT_EQ(rules[1].evaluations, 0u);
  EXPECT_EQ(rules[3].evaluations, 0u);

  // Host b: DownB runs; AnyDown, just evaluated, is deferred.
  EXPECT_EQ(m->EvaluateForHost("b", now + 100), now + 1'000);
  EXPECT_THAT(sink_.Events(), ElementsAre("DownA:firing", "AnyDown:firing", "DownB:firing"));
  // A burst from host a: nothing evaluated, one deferred evaluation per rule.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(m->EvaluateForHost("a", now + 200 + i), now + 1'000);
  rules = m->Status()[0].rules;
  EXPECT_EQ(rules[0].evaluations, 1u);
  EXPECT_EQ(rules[2].evaluations, 1u);

  const size_t calls = sink_.calls.size();
  EXPECT_EQ(m->EvaluateDue(now + 999), now + 1'000);
  EXPECT_EQ(sink_.calls.size(), calls);
  EXPECT_EQ(m->EvaluateDue(now + 1'000), timer);
  ASSERT_EQ(sink_.calls.size(), calls + 1);
  EXPECT_EQ(sink_.calls.back().t_ms, now + 1'000);
  rules = m->Status()[0].rules;
  EXPECT_EQ(rules[0].host_evaluations, 2u);
  EXPECT_EQ(rules[1].host_evaluations, 1u);  // b did not send again
  EXPECT_EQ(rules[2].host_evaluations, 2u);
  EXPECT_EQ(rules[0].last_eval_ms, now + 1'000);

  // The timer still evaluates every rule, never before a rule's last evaluation.
  m->EvaluateDue(timer);
  rules = m->Status()[0].rules;
  for (const RuleStatus& r : rules) EXPECT_EQ(r.last_eval_ms, timer) << r.name;
  EXPECT_EQ(sink_.Events().size(), 4u) << "no new transition";
}

TEST_F(RuleManagerTest, ReplaceGroupsKeepsStateAndResolvesRemovedRules) {
  AddSeries("up", "a", 0);
  auto m = Make({Group("node", seconds(10),
                       {{"Kept", "up == 0"}, {"Removed", "up == 0"}, {"Changed", "up == 0"}}),
                 Group("gone", seconds(10), {{"Old", "up < 1"}})});
  ASSERT_NE(m, nullptr);
  m->EvaluateDue(m->NextDueMs() + 10'000);
  ASSERT_EQ(sink_.Events().size(), 4u);
  const int64_t next = m->Status()[0].next_eval_ms;
  sink_.calls.clear();

  // A bad reload is refused and changes nothing.
  EXPECT_FALSE(m->ReplaceGroups({Group("node", seconds(10), {{"Kept", "up =="}})}, next - 1).ok());
  EXPECT_EQ(m->Status().size(), 2u);
  EXPECT_THAT(sink_.calls, IsEmpty());

  ASSERT_TRUE(
      m->ReplaceGroups({Group("node", seconds(10),
                              {{"New", "up == 0"}, {"Kept", "up == 0"}, {"Changed", "up <= 0"}})},
                       next - 1)
          .ok());
  EXPECT_THAT(sink_.Events(), ElementsAre("Removed:resolved", "Changed:resolved", "Old:resolved"));
  ASSERT_EQ(sink_.calls.size(), 2u);
  EXPECT_EQ(sink_.calls[0].group, "node");
  ASSERT_EQ(sink_.calls[0].active.size(), 1u);
  EXPECT_EQ(sink_.calls[0].active[0].rule, "Kept");
  EXPECT_EQ(sink_.calls[0].active[0].state, AlertState::kFiring);
  EXPECT_EQ(sink_.calls[1].group, "gone");
  EXPECT_THAT(sink_.calls[1].active, IsEmpty());
  for (const AlertEvent& e : sink_.calls[0].events) {
    EXPECT_EQ(e.alert.state, AlertState::kResolved);
    EXPECT_EQ(e.alert.resolved_at_ms, next - 1);
  }
  std::vector<GroupStatus> st = m->Status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].next_eval_ms, next) << "the schedule of a kept group is kept";
  EXPECT_EQ(st[0].rules[1].evaluations, 1u) << "the status of a kept rule is kept";
  EXPECT_EQ(st[0].rules[0].evaluations, 0u);

  sink_.calls.clear();
  m->EvaluateDue(next);
  EXPECT_THAT(sink_.Events(), ElementsAre("New:firing", "Changed:firing"));
  ASSERT_EQ(sink_.calls.size(), 1u);
  EXPECT_EQ(sink_.calls[0].active.size(), 3u);
}

TEST_F(RuleManagerTest, RestoreAlertsKeepsFiringAlertsWithoutNewEvents) {
  AddSeries("up", "a", 0);
  AddSeries("up", "b", 0);
  std::vector<RuleGroup> groups = {
      Group("node", seconds(10), {{"Other", "up > 5"}, {"HostDown", "up == 0"}}),
      Group("disk", seconds(10), {{"Full", "up > 5"}})};

  // Before the "restart": HostDown fires for a and b.
  std::vector<Alert> saved;
  int64_t t = 0;
  {
    auto before = Make(groups);
    ASSERT_NE(before, nullptr);
    // Both groups due.
    t = before->EvaluateDue(before->NextDueMs() + 10'000);
    ASSERT_THAT(sink_.Events(), ElementsAre("HostDown:firing", "HostDown:firing"));
    for (const Call& c : sink_.calls) {
      if (c.group == "node") saved = c.active;
    }
  }
  ASSERT_EQ(saved.size(), 2u);
  for (const Alert& a : saved) {
    ASSERT_EQ(a.group, "node");
    ASSERT_EQ(a.state, AlertState::kFiring);
  }
  const int64_t fired_at = saved[0].fired_at_ms;
  ASSERT_GT(fired_at, 0);
  // Alerts of rules that no longer exist: a removed rule, and a known rule name
  // in another (removed) group.
  Alert gone = saved[0];
  gone.rule = "Gone";
  gone.labels = {{"alertname", "Gone"}, {"host", "a"}};
  Alert moved = saved[0];
  moved.group = "removed-group";
  moved.labels = {{"alertname", "HostDown"}, {"host", "c"}};
  std::vector<Alert> to_restore = saved;
  to_restore.push_back(gone);
  to_restore.push_back(moved);

  sink_.calls.clear();
  auto m = Make(groups, t);
  ASSERT_NE(m, nullptr);
  const int64_t restore_at = t + 1;
  EXPECT_EQ(m->RestoreAlerts(to_restore, restore_at), 2u);

  // The sink hears of the group that took alerts, with no events.
  ASSERT_EQ(sink_.calls.size(), 1u);
  EXPECT_EQ(sink_.calls[0].group, "node");
  EXPECT_EQ(sink_.calls[0].t_ms, restore_at);
  EXPECT_THAT(sink_.calls[0].events, IsEmpty());
  ASSERT_EQ(sink_.calls[0].active.size(), 2u);
  for (const Alert& a : sink_.calls[0].active) {
    EXPECT_EQ(a.rule, "HostDown");
    EXPECT_EQ(a.state, AlertState::kFiring);
    EXPECT_EQ(a.fired_at_ms, fired_at);
  }

  // The expression still returns both series: still firing, no new event, and
  // the dropped alerts do not come back.
  sink_.calls.clear();
  m->EvaluateDue(m->NextDueMs() + 10'000);  // both groups
  EXPECT_THAT(sink_.Events(), IsEmpty());
  bool saw_node = false;
  for (const Call& c : sink_.calls) {
    if (c.group != "node") {
      EXPECT_THAT(c.active, IsEmpty()) << c.group;
      continue;
    }
    saw_node = true;
    ASSERT_EQ(c.active.size(), 2u);
    for (const Alert& a : c.active) {
      EXPECT_EQ(a.rule, "HostDown");
      EXPECT_EQ(a.state, AlertState::kFiring);
      EXPECT_EQ(a.fired_at_ms, fired_at);
    }
  }
  EXPECT_TRUE(saw_node);
  EXPECT_EQ(sink_.calls.size(), 2u);
}

TEST_F(RuleManagerTest, RestoredFiringAlertWhoseSeriesIsGoneResolves) {
  AddSeries("up", "a", 0);
  std::vector<RuleGroup> groups = {Group("node", seconds(10), {{"HostDown", "up == 0"}})};
  auto m = Make(groups);
  ASSERT_NE(m, nullptr);
  Alert a;
  a.rule = "HostDown";
  a.group = "node";
  a.labels = {{"alertname", "HostDown"}, {"host", "zz"}};  // no such series
  a.state = AlertState::kFiring;
  a.active_at_ms = 1;
  a.fired_at_ms = 1;
  EXPECT_EQ(m->RestoreAlerts({a}, 2), 1u);
  sink_.calls.clear();
  m->EvaluateDue(m->NextDueMs());
  // The series of host a fires; the restored one of host zz resolves.
  EXPECT_THAT(sink_.Events(),
              ::testing::UnorderedElementsAre("HostDown:firing", "HostDown:resolved"));
}

TEST_F(RuleManagerTest, RestoreAlertsOfUnknownRulesOnlyIsSilent) {
  auto m = Make({Group("node", seconds(10), {{"HostDown", "up == 0"}})});
  ASSERT_NE(m, nullptr);
  Alert a;
  a.rule = "Gone";
  a.group = "node";
  a.labels = {{"alertname", "Gone"}};
  a.state = AlertState::kFiring;
  Alert b = a;
  b.rule = "HostDown";
  b.group = "other";
  b.labels = {{"alertname", "HostDown"}};
  sink_.calls.clear();
  EXPECT_EQ(m->RestoreAlerts({a, b}, 5), 0u);
  EXPECT_THAT(sink_.calls, IsEmpty());
  EXPECT_EQ(m->RestoreAlerts({}, 5), 0u);
  EXPECT_THAT(sink_.calls, IsEmpty());
}

TEST(RuleManagerFlattenTest, KeepsFileOrder) {
  RuleFile a{"a.yml", {Group("x", seconds(1), {}), Group("y", seconds(1), {})}};
  RuleFile b{"b.yml", {Group("z", seconds(1), {})}};
  std::vector<RuleGroup> groups = FlattenGroups({a, b});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[2].name, "z");
}

}  // namespace
}  // namespace vigie::daemon::rules
