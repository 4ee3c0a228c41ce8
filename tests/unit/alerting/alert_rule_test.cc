#include "daemon/alerting/alert_rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigie::daemon {
namespace {

using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kMin = 60'000;

// The shape of promql::Sample, so the tests need no engine.
struct Sample {
  Labels metric;
  double value;
};
using Vector = std::vector<Sample>;

Sample Host(std::string host, double value = 1) {
  return {{{"__name__", "vigie_host_up"}, {"host", std::move(host)}}, value};
}

AlertRule MakeRule(AlertRuleConfig config, AlertRuleOptions options = {}) {
  options.group = "node";
  auto rule = AlertRule::Create(std::move(config), std::move(options));
  EXPECT_TRUE(rule.ok()) << rule.status();
  return *std::move(rule);
}

AlertRuleConfig HostDown(minutes for_duration = minutes(0), minutes keep_firing_for = minutes(0)) {
  AlertRuleConfig c;
  c.name = "HostDown";
  c.expr = "vigie_host_up == 0";
  c.for_duration = for_duration;
  c.keep_firing_for = keep_firing_for;
  c.labels = {{"severity", "page"}};
  c.annotations = {{"summary", "{{ $labels.host }} is down ({{ $value }})"}};
  return c;
}

AlertRuleEval Eval(AlertRule& rule, int64_t t, const Vector& v) {
  auto r = rule.EvalVector(t, v);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : AlertRuleEval{};
}

std::vector<AlertEventType> Types(const AlertRuleEval& r) {
  std::vector<AlertEventType> out;
  for (const auto& e : r.events) out.push_back(e.type);
  return out;
}

std::vector<AlertState> States(const AlertRuleEval& r) {
  std::vector<AlertState> out;
  for (const auto& a : r.alerts) out.push_back(a.state);
  return out;
}

TEST(AlertRuleTest, LabelsAndAnnotations) {
  AlertRuleConfig c = HostDown();
  c.labels["host"] = "overridden";
  c.labels["origin"] = "{{ $labels.host }}";
  AlertRule rule = MakeRule(c);
  auto r = Eval(rule, kT0, {{{{"__name__", "up"}, {"host", "db1"}, {"job", "node"}}, 0}});
  ASSERT_EQ(r.alerts.size(), 1u);
  const Alert& a = r.alerts[0];
  EXPECT_EQ(a.rule, "HostDown");
  EXPECT_EQ(a.group, "node");
  EXPECT_EQ(a.labels, (Labels{{"alertname", "HostDown"},
                              {"host", "overridden"},
                              {"job", "node"},
                              {"origin", "db1"},
                              {"severity", "page"}}));
  EXPECT_EQ(a.fingerprint, Fingerprint("", a.labels));
  EXPECT_THAT(a.annotations, ElementsAre(Pair("summary", "db1 is down (0)")));

  // Annotations follow the value at each evaluation.
  r = Eval(rule, kT0 + kMin, {{{{"__name__", "up"}, {"host", "db1"}, {"job", "node"}}, 0.25}});
  EXPECT_THAT(r.alerts[0].annotations, ElementsAre(Pair("summary", "db1 is down (0.25)")));
  EXPECT_EQ(r.alerts[0].value, 0.25);
}

TEST(AlertRuleTest, BadTemplateIsRefusedAtCreation) {
  AlertRuleConfig c = HostDown();
  c.annotations["description"] = "{{ .Value }}";
  auto rule = AlertRule::Create(c, {});
  EXPECT_EQ(rule.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rule.status().message()),
              ::testing::StartsWith("annotation \"description\": 1:1: unsupported"));
}

TEST(AlertRuleTest, PendingThenFiringThenResolved) {
  AlertRule rule = MakeRule(HostDown(minutes(5)));
  auto r = Eval(rule, kT0, {Host("db1")});
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kPending));
  EXPECT_THAT(States(r), ElementsAre(AlertState::kPending));
  EXPECT_EQ(r.alerts[0].active_at_ms, kT0);

  r = Eval(rule, kT0 + 4 * kMin, {Host("db1")});
  EXPECT_THAT(r.events, IsEmpty());
  EXPECT_THAT(States(r), ElementsAre(AlertState::kPending));

  r = Eval(rule, kT0 + 5 * kMin, {Host("db1")});
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kFiring));
  EXPECT_EQ(r.alerts[0].fired_at_ms, kT0 + 5 * kMin);
  EXPECT_EQ(r.alerts[0].active_at_ms, kT0);

  r = Eval(rule, kT0 + 6 * kMin, {Host("db1")});
  EXPECT_THAT(r.events, IsEmpty());

  r = Eval(rule, kT0 + 7 * kMin, {});
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kResolved));
  EXPECT_THAT(States(r), ElementsAre(AlertState::kResolved));
  EXPECT_EQ(r.events[0].alert.resolved_at_ms, kT0 + 7 * kMin);
}

TEST(AlertRuleTest, ForZeroFiresAtOnce) {
  AlertRule rule = MakeRule(HostDown());
  auto r = Eval(rule, kT0, {Host("db1"), Host("db2")});
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kFiring, AlertEventType::kFiring));
  EXPECT_THAT(States(r), ElementsAre(AlertState::kFiring, AlertState::kFiring));
  EXPECT_EQ(r.alerts[0].fired_at_ms, kT0);
}

TEST(AlertRuleTest, PendingThatDisappearsIsDroppedSilently) {
  AlertRule rule = MakeRule(HostDown(minutes(5)));
  Eval(rule, kT0, {Host("db1")});
  auto r = Eval(rule, kT0 + kMin, {});
  EXPECT_THAT(r.events, IsEmpty());
  EXPECT_THAT(r.alerts, IsEmpty());
  // Coming back starts `for` again.
  r = Eval(rule, kT0 + 2 * kMin, {Host("db1")});
  EXPECT_EQ(r.alerts[0].active_at_ms, kT0 + 2 * kMin);
}

TEST(AlertRuleTest, KeepFiringFor) {
  AlertRule rule = MakeRule(HostDown(minutes(0), minutes(2)));
  Eval(rule, kT0, {Host("db1")});
  auto r = Eval(rule, kT0 + kMin, {});  // absent since t0+1m
  EXPECT_THAT(r.events, IsEmpty());
  EXPECT_THAT(States(r), ElementsAre(AlertState::kFiring));
  r = Eval(rule, kT0 + 2 * kMin, {});
  EXPECT_THAT(States(r), ElementsAre(AlertState::kFiring));
  r = Eval(rule, kT0 + 2 * kMin + 30'000, {Host("db1")});  // back: the count restarts
  EXPECT_THAT(r.events, IsEmpty());
  r = Eval(rule, kT0 + 3 * kMin, {});
  r = Eval(rule, kT0 + 4 * kMin + 59'999, {});
  EXPECT_THAT(States(r), ElementsAre(AlertState::kFiring));
  r = Eval(rule, kT0 + 5 * kMin, {});  // 2m after t0+3m
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kResolved));
  EXPECT_EQ(r.alerts[0].fired_at_ms, kT0);
}

TEST(AlertRuleTest, ResolvedAlertsAreRetainedThenDropped) {
  AlertRuleOptions o;
  o.resolved_retention = minutes(15);
  AlertRule rule = MakeRule(HostDown(), o);
  Eval(rule, kT0, {Host("db1")});
  Eval(rule, kT0 + kMin, {});
  auto r = Eval(rule, kT0 + 16 * kMin, {});  // exactly 15m after resolution
  EXPECT_THAT(States(r), ElementsAre(AlertState::kResolved));
  EXPECT_THAT(r.events, IsEmpty());
  r = Eval(rule, kT0 + 16 * kMin + 1, {});
  EXPECT_THAT(r.alerts, IsEmpty());
  EXPECT_THAT(rule.ActiveAlerts(), IsEmpty());
}

TEST(AlertRuleTest, ResolvedAlertThatComesBackStartsANewAlert) {
  AlertRule rule = MakeRule(HostDown(minutes(1)));
  Eval(rule, kT0, {Host("db1")});
  Eval(rule, kT0 + kMin, {Host("db1")});  // fires
  Eval(rule, kT0 + 2 * kMin, {});         // resolves
  auto r = Eval(rule, kT0 + 3 * kMin, {Host("db1")});
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kPending));
  EXPECT_EQ(r.alerts[0].active_at_ms, kT0 + 3 * kMin);
  EXPECT_EQ(r.alerts[0].fired_at_ms, 0);
  EXPECT_EQ(r.alerts[0].resolved_at_ms, 0);
}

TEST(AlertRuleTest, DuplicateLabelSetsAreAnError) {
  AlertRule rule = MakeRule(HostDown());
  Vector v = {Host("db1"), Host("db1")};
  v[1].metric[0].value = "other_metric";  // differs only by __name__
  auto r = rule.EvalVector(kT0, v);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("same labelset after applying alert labels"));
  EXPECT_THAT(rule.ActiveAlerts(), IsEmpty());
}

TEST(AlertRuleTest, LimitDropsEverythingLikePrometheus) {
  AlertRuleOptions o;
  o.limit = 2;
  AlertRule rule = MakeRule(HostDown(), o);
  Eval(rule, kT0, {Host("db1"), Host("db2")});
  auto r = rule.EvalVector(kT0 + kMin, Vector{Host("db1"), Host("db2"), Host("db3")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(), "alert \"HostDown\": exceeded limit of 2 with 3 alerts");
  EXPECT_THAT(rule.ActiveAlerts(), IsEmpty());
}

TEST(AlertRuleTest, FlapPercentWeights) {
  EXPECT_DOUBLE_EQ(FlapPercent(0, kFlapWindow), 0);
  EXPECT_DOUBLE_EQ(FlapPercent(0b10101010101010101010, kFlapWindow), 100);
  EXPECT_DOUBLE_EQ(FlapPercent(0b1, kFlapWindow), 1.2 * 100 / 20);  // newest change
  // Oldest change: bit 20 differs from bit 19.
  EXPECT_DOUBLE_EQ(FlapPercent(1u << 20, kFlapWindow), 0.8 * 100 / 20);
  // With 3 known states, only the 2 newest changes count.
  EXPECT_DOUBLE_EQ(FlapPercent(0b101, 3), (1.2 + 0.8 + 0.4 * 18 / 19) * 100 / 20);
}

TEST(AlertRuleTest, AlternatingSignalFlapsOnceThenSettles) {
  AlertRule rule = MakeRule(HostDown());
  int started = 0;
  int stopped = 0;
  int64_t t = kT0;
  int64_t started_at = 0;
  bool flapping_seen_in_alerts = false;
  auto run = [&](bool present) {
    auto r = Eval(rule, t, present ? Vector{Host("db1")} : Vector{});
    for (const auto& e : r.events) {
      if (e.type == AlertEventType::kFlappingStarted) {
        ++started;
        started_at = t;
        EXPECT_TRUE(e.alert.flapping);
        EXPECT_EQ(e.alert.labels,
                  (Labels{{"alertname", "HostDown"}, {"host", "db1"}, {"severity", "page"}}));
      }
      if (e.type == AlertEventType::kFlappingStopped) {
        ++stopped;
        EXPECT_FALSE(e.alert.flapping);
      }
    }
    for (const auto& a : r.alerts) flapping_seen_in_alerts |= a.flapping;
    t += kMin;
  };
  for (int i = 0; i < 30; ++i) run(i % 2 == 0);
  EXPECT_EQ(started, 1);
  EXPECT_EQ(stopped, 0);
  EXPECT_TRUE(flapping_seen_in_alerts);
  // After 10 evaluations, 9 changes of the newest weights (1.03..1.2) make
  // 50.2 %, the first percentage above 50.
  EXPECT_EQ(started_at, kT0 + 9 * kMin);
  for (int i = 0; i < 30; ++i) run(true);
  EXPECT_EQ(started, 1);
  EXPECT_EQ(stopped, 1);
  EXPECT_FALSE(rule.ActiveAlerts()[0].flapping);
}

// Rules evaluated on every batch (here every 10 s) on a signal that flips
// every minute: per evaluation the window (3.5 min) sees few changes; with one
// state per minute of wall time it flaps as when evaluated once a minute.
TEST(AlertRuleTest, FlapSlotsMeasureTheWindowInWallTime) {
  constexpr int64_t kAligned = 1'699'999'980'000;  // a whole minute
  auto first_flap = [](AlertRule rule) -> int64_t {
    for (int k = 0; k < 40 * 6; ++k) {
      const int64_t t = kAligned + k * 10'000;
      auto r = Eval(rule, t, (k / 6) % 2 == 0 ? Vector{Host("db1")} : Vector{});
      for (const auto& e : r.events) {
        if (e.type == AlertEventType::kFlappingStarted) return t - kAligned;
      }
    }
    return -1;
  };
  EXPECT_EQ(first_flap(MakeRule(HostDown())), -1);
  AlertRuleOptions o;
  o.flap_slot = minutes(1);
  EXPECT_EQ(first_flap(MakeRule(HostDown(), o)), 9 * kMin);
}

TEST(AlertRuleTest, SignalThatSettlesNeverFlaps) {
  AlertRule rule = MakeRule(HostDown());
  int64_t t = kT0;
  // Three blips, then steady.
  const bool pattern[] = {true, false, true, false, true, true, true, true, true, true,
                          true, true,  true, true,  true, true, true, true, true, true};
  for (bool present : pattern) {
    auto r = Eval(rule, t, present ? Vector{Host("db1")} : Vector{});
    for (const auto& e : r.events) {
      EXPECT_NE(e.type, AlertEventType::kFlappingStarted) << "at " << (t - kT0) / kMin;
    }
    t += kMin;
  }
}

TEST(AlertRuleTest, PendingOnlySignalDoesNotFlap) {
  AlertRule rule = MakeRule(HostDown(minutes(5)));
  for (int i = 0; i < 40; ++i) {
    auto r = Eval(rule, kT0 + i * kMin, i % 2 == 0 ? Vector{Host("db1")} : Vector{});
    for (const auto& e : r.events) EXPECT_EQ(e.type, AlertEventType::kPending);
  }
}

TEST(AlertRuleTest, RestoreDoesNotFireAgain) {
  AlertRule before = MakeRule(HostDown(minutes(5)));
  Eval(before, kT0, {Host("db1"), Host("db2")});
  Eval(before, kT0 + 5 * kMin, {Host("db1")});               // db1 fires, db2 dropped
  Eval(before, kT0 + 6 * kMin, {Host("db1"), Host("db3")});  // db3 pending
  std::vector<Alert> persisted = before.ActiveAlerts();
  ASSERT_EQ(persisted.size(), 2u);
  Alert other = persisted[0];
  other.rule = "SomethingElse";
  persisted.push_back(other);

  AlertRule after = MakeRule(HostDown(minutes(5)));
  EXPECT_EQ(after.Restore(persisted), 2u);
  auto r = Eval(after, kT0 + 8 * kMin, {Host("db1"), Host("db3")});
  EXPECT_THAT(r.events, IsEmpty());
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(r.alerts[0].fired_at_ms, kT0 + 5 * kMin);
  EXPECT_EQ(r.alerts[1].state, AlertState::kPending);

  // db3's `for` counts from before the restart.
  r = Eval(after, kT0 + 11 * kMin, {Host("db1"), Host("db3")});
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kFiring));
  EXPECT_EQ(r.events[0].alert.labels[1].value, "db3");

  // A resolution after the restart is still announced.
  r = Eval(after, kT0 + 12 * kMin, {Host("db3")});
  EXPECT_THAT(Types(r), ElementsAre(AlertEventType::kResolved));
  EXPECT_EQ(r.events[0].alert.labels[1].value, "db1");
}

TEST(AlertRuleTest, RestoredFlappingAlertStaysFlappingForAWindow) {
  AlertRule rule = MakeRule(HostDown());
  Alert a;
  a.rule = "HostDown";
  a.group = "node";
  a.labels = {{"alertname", "HostDown"}, {"host", "db1"}, {"severity", "page"}};
  a.state = AlertState::kFiring;
  a.active_at_ms = a.fired_at_ms = kT0;
  a.flapping = true;
  ASSERT_EQ(rule.Restore({a}), 1u);
  int64_t stopped_at = 0;
  for (int i = 1; i <= kFlapWindow + 1; ++i) {
    auto r = Eval(rule, kT0 + i * kMin, {Host("db1")});
    for (const auto& e : r.events) {
      if (e.type == AlertEventType::kFlappingStopped) stopped_at = i;
    }
  }
  EXPECT_EQ(stopped_at, kFlapWindow);
}

}  // namespace
}  // namespace vigie::daemon
