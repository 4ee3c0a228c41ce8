// Host-scoped evaluation: which expressions are host-separable (promql::IsHostSeparable),
// evaluation with `host="h"` added to every selector (EvalOptions::selector_matchers), the
// partial update of an AlertRule (AlertRule::EvalPartial) and RuleManager::EvaluateForHost
// evaluating a separable rule for the triggering host only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "daemon/alerting/alert_rule.h"
#include "daemon/rules/promql/memory_queryable.h"
#include "daemon/rules/promql/promql.h"
#include "daemon/rules/rule_manager.h"

namespace vigie::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;

struct SeparabilityCase {
  const char* expr;
  bool separable;
};

TEST(HostSeparableTest, Table) {
  const SeparabilityCase cases[] = {
      // Selectors, and vector/scalar arithmetic and comparisons.
      {"up", true},
      {"up == 0", true},
      {"vigie_host_up == 0", true},
      {R"(node_load1{host=~"db.*"} > 4)", true},
      {"-node_load1", true},
      {"(node_load1)", true},
      {"2 * node_load1 + 1 > 4", true},
      {"node_load1 > bool time()", true},
      // Functions.
      {"rate(x[5m]) > 0", true},
      {"abs(node_time_seconds - vigie_host_last_report_timestamp_seconds) > 30", true},
      {"predict_linear(node_filesystem_avail_bytes[1h], 4 * 3600) < 0", true},
      {"clamp_min(x, 1)", true},
      {"last_over_time(x[5m])", true},
      {"absent(up)", false},
      {R"(absent(up{host="a"}))", false},
      {"absent_over_time(up[5m])", false},
      {"vector(1)", false},
      {"x > scalar(y)", false},
      {"predict_linear(x[1h], scalar(y))", false},
      {"clamp_max(x, scalar(y))", false},
      // Aggregations keep `host`, or not.
      {"sum by (host) (x)", true},
      {"sum by (host, device) (rate(x[5m]))", true},
      {"count without (cpu, mode) (x)", true},
      {"sum without () (x)", true},
      {"sum(x)", false},
      {"sum by (env) (x)", false},
      {"sum by () (x)", false},
      {"sum without (host) (x)", false},
      {"max without (cpu, host) (x)", false},
      {"topk by (host) (3, x)", true},
      {"topk(3, x)", false},
      {"topk by (host) (scalar(y), x)", false},
      {"count(up == 0) > 1", false},
      {"sum by (host) (sum(x))", false},
      // Between two vectors.
      {"node_load5 / count without (cpu, mode) (node_cpu_seconds_total) > 2", true},
      {"a / b", true},
      {"a / on (host) b", true},
      {"a / on (host, device) b", true},
      {"a / on (env) b", false},
      {"a / on () b", false},
      {"a / ignoring (device) b", true},
      {"a / ignoring (host) b", false},
      {"a * on (host) group_left (role) b", true},
      {"a * on (env) group_left (host) b", false},
      {"a and b", true},
      {"a and on (host) b", true},
      {"a unless on (env) b", false},
      {"a or b", true},
      {"a or vector(0)", false},
      {"a > sum(b)", false},
      {"a / sum by (host) (b)", true},
      {"predict_linear(avail[1h], 4 * 3600) < 0 and 100 * (1 - avail / size) > 80", true},
      // Scalars: no `host` label at all.
      {"1", false},
      {"time()", false},
      {"scalar(x)", false},
      {"1 + 2 > bool 1", false},
  };
  for (const SeparabilityCase& c : cases) {
    auto e = promql::ParseExpr(c.expr);
    ASSERT_TRUE(e.ok()) << c.expr << ": " << e.status();
    EXPECT_EQ(promql::IsHostSeparable(**e), c.separable) << c.expr;
  }
}

// Every rule of deploy/rules/default.yml, as written there.
TEST(HostSeparableTest, DefaultRulesAreSeparable) {
  for (const char* expr : {
           "vigie_host_up == 0",
           "abs(node_time_seconds - vigie_host_last_report_timestamp_seconds) > 30",
           "vigie_agent_collector_success == 0",
           "100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes) > 90",
           "predict_linear(node_filesystem_avail_bytes[1h], 4 * 3600) < 0 and 100 * (1 - "
           "node_filesystem_avail_bytes / node_filesystem_size_bytes) > 80",
           "100 * node_memory_mem_available_bytes / node_memory_mem_total_bytes < 10",
           R"(node_load5 / count without (cpu, mode) (node_cpu_seconds_total{mode="idle"}) > 2)",
       }) {
    auto e = promql::ParseExpr(expr);
    ASSERT_TRUE(e.ok()) << expr << ": " << e.status();
    EXPECT_TRUE(promql::IsHostSeparable(**e)) << expr;
  }
}

class ScopedEvalTest : public ::testing::Test {
 protected:
  ScopedEvalTest() {
    for (const char* host : {"a", "b", "c"}) {
      const double n = host[0] - 'a';
      Add("node_load5", host, 1 + n, {{"env", "prod"}});
      Add("avail", host, 10 + n, {{"device", "sda"}, {"env", "prod"}});
      Add("avail", host, 20 + n, {{"device", "sdb"}, {"env", "prod"}});
      Add("size", host, 100, {{"device", "sda"}, {"env", "prod"}});
      Add("size", host, 100, {{"device", "sdb"}, {"env", "prod"}});
      for (const char* cpu : {"0", "1"}) {
        Add("node_cpu_seconds_total", host, 5, {{"cpu", cpu}, {"env", "prod"}, {"mode", "idle"}});
      }
    }
  }

  // `name{host=..., extra}`, a point every 15 s over [0, 10m], rising by `value` / min.
  void Add(const std::string& name, const std::string& host, double value, Labels extra) {
    Labels labels = {{"__name__", name}, {"host", host}};
    labels.insert(labels.end(), extra.begin(), extra.end());
    std::vector<Point> points;
    for (int64_t t = 0; t <= 600'000; t += 15'000) {
      points.push_back({t, value + value * static_cast<double>(t) / 60'000.0});
    }
    ASSERT_TRUE(q_.Add(std::move(labels), points).ok());
  }

  promql::Value Eval(const std::string& expr, const std::string& host = "") {
    auto e = promql::ParseExpr(expr);
    EXPECT_TRUE(e.ok()) << e.status();
    if (!e.ok()) return {};
    promql::EvalOptions options;
    if (!host.empty()) {
      options.selector_matchers.push_back(*Matcher::Make("host", MatchOp::kEqual, host));
    }
    auto v = promql::EvalInstant(**e, 600'000, q_, options);
    EXPECT_TRUE(v.ok()) << expr << ": " << v.status();
    return v.ok() ? *v : promql::Value{};
  }

  promql::MemoryQueryable q_;
};

TEST_F(ScopedEvalTest, SelectorMatchersRestrictEverySelector) {
  promql::Value v = Eval("avail", "b");
  ASSERT_EQ(v.vector.size(), 2u);
  for (const promql::Sample& s : v.vector) EXPECT_EQ(s.metric[3], (Label{"host", "b"}));
  // A contradiction with a written matcher selects nothing.
  EXPECT_TRUE(Eval(R"(avail{host="a"})", "b").vector.empty());
  EXPECT_EQ(Eval(R"(avail{host=~"a|b"})", "b").vector.size(), 2u);
  // absent() reports the added equality like a written one.
  v = Eval("absent(nope)", "b");
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(v.vector[0].metric, (Labels{{"host", "b"}}));
  v = Eval("absent_over_time(nope[5m])", "b");
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(v.vector[0].metric, (Labels{{"host", "b"}}));
  EXPECT_TRUE(Eval("absent(avail)", "b").vector.empty());
}

// For a separable expression, the host-scoped result is the full result's samples of that
// host, bit for bit.
TEST_F(ScopedEvalTest, ScopedResultIsTheHostsShareOfTheFullResult) {
  for (const char* expr : {
           "avail",
           "100 * (1 - avail / size) > 70",
           "predict_linear(avail[5m], 3600) > 0 and 100 * (1 - avail / size) > 70",
           "node_load5 / count without (cpu, mode) (node_cpu_seconds_total) > 1",
           "rate(avail[5m])",
           "sum by (host) (avail)",
           "topk by (host) (1, avail)",
           "avail / on (host, device) size",
           "avail / ignoring (env) size",
           "node_load5 * on (host) group_left () sum by (host) (size)",
       }) {
    auto e = promql::ParseExpr(expr);
    ASSERT_TRUE(e.ok()) << expr;
    ASSERT_TRUE(promql::IsHostSeparable(**e)) << expr;
    const promql::Vector full = Eval(expr).vector;
    ASSERT_FALSE(full.empty()) << expr;
    for (const std::string host : {"a", "b", "c", "nope"}) {
      promql::Vector want;
      for (const promql::Sample& s : full) {
        for (const Label& l : s.metric) {
          if (l.name == "host" && l.value == host) want.push_back(s);
        }
      }
      const promql::Vector got = Eval(expr, host).vector;
      ASSERT_EQ(got.size(), want.size()) << expr << " for " << host;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].metric, want[i].metric) << expr << " for " << host;
        EXPECT_EQ(got[i].value, want[i].value) << expr << " for " << host;
      }
    }
  }
}

// AlertRule::EvalPartial: only host a's alerts move.
class PartialEvalTest : public ::testing::Test {
 protected:
  static AlertRule Make(milliseconds for_duration, milliseconds keep_firing_for = {}) {
    AlertRuleConfig c;
    c.name = "Full";
    c.expr = "disk_used > 90";
    c.for_duration = for_duration;
    c.keep_firing_for = keep_firing_for;
    c.labels = {{"severity", "page"}};
    AlertRuleOptions o;
    o.group = "g";
    auto r = AlertRule::Create(std::move(c), o);
    EXPECT_TRUE(r.ok()) << r.status();
    return std::move(*r);
  }

  static promql::Vector Result(const std::vector<std::string>& hosts) {
    promql::Vector v;
    for (const std::string& h : hosts) {
      v.push_back({{{"__name__", "disk_used"}, {"host", h}}, 95, 0});
    }
    return v;
  }

  // "host:state" of the active alerts.
  static std::vector<std::string> States(const std::vector<Alert>& alerts) {
    std::vector<std::string> out;
    for (const Alert& a : alerts) {
      for (const Label& l : a.labels) {
        if (l.name == "host") out.push_back(l.value + ":" + AlertStateName(a.state));
      }
    }
    return out;
  }
  static std::vector<std::string> Events(const AlertRuleEval& eval) {
    std::vector<std::string> out;
    for (const AlertEvent& e : eval.events) {
      for (const Label& l : e.alert.labels) {
        if (l.name == "host") out.push_back(l.value + ":" + AlertEventTypeName(e.type));
      }
    }
    return out;
  }

  static constexpr AlertScope kA{.label = "host", .value = "a"};
};

TEST_F(PartialEvalTest, PendingFiringResolvedOfOneHostOnly) {
  AlertRule rule = Make(seconds(30));
  auto full = rule.EvalVector(0, Result({"a", "b"}));
  ASSERT_TRUE(full.ok());
  EXPECT_THAT(States(full->alerts), ElementsAre("a:pending", "b:pending"));

  // a, present for `for`: fires. b, absent from this (host a's) result: still pending, not
  // dropped, its last evaluation unchanged.
  auto part = rule.EvalVectorPartial(30'000, Result({"a"}), kA);
  ASSERT_TRUE(part.ok()) << part.status();
  EXPECT_THAT(Events(*part), ElementsAre("a:firing"));
  EXPECT_THAT(States(part->alerts), ElementsAre("a:firing"));  // the scope's alerts
  std::vector<Alert> all = rule.ActiveAlerts();
  EXPECT_THAT(States(all), ElementsAre("a:firing", "b:pending"));
  EXPECT_EQ(all[0].last_eval_ms, 30'000);
  EXPECT_EQ(all[1].last_eval_ms, 0);
  EXPECT_EQ(all[1].active_at_ms, 0);
  EXPECT_EQ(rule.ActiveCount(), 2u);

  // a gone: resolved; b untouched.
  part = rule.EvalVectorPartial(45'000, Result({}), kA);
  ASSERT_TRUE(part.ok());
  EXPECT_THAT(Events(*part), ElementsAre("a:resolved"));
  EXPECT_THAT(States(rule.ActiveAlerts()), ElementsAre("a:resolved", "b:pending"));

  // A full evaluation still moves b (pending for 30 s: firing).
  full = rule.EvalVector(60'000, Result({"b"}));
  ASSERT_TRUE(full.ok());
  EXPECT_THAT(Events(*full), ElementsAre("b:firing"));
}

TEST_F(PartialEvalTest, PendingOfAnotherHostIsNotDropped) {
  AlertRule rule = Make(seconds(30));
  ASSERT_TRUE(rule.EvalVector(0, Result({"a", "b"})).ok());
  auto part = rule.EvalVectorPartial(15'000, Result({}), kA);
  ASSERT_TRUE(part.ok());
  EXPECT_TRUE(part->events.empty()) << "a pending alert drops silently";
  EXPECT_THAT(States(rule.ActiveAlerts()), ElementsAre("b:pending"));
}

TEST_F(PartialEvalTest, KeepFiringForOfAnotherHostIsUntouched) {
  AlertRule rule = Make(seconds(0), seconds(60));
  ASSERT_TRUE(rule.EvalVector(0, Result({"a", "b"})).ok());
  // b absent at 15 s: kept firing from then on (for 60 s).
  ASSERT_TRUE(rule.EvalVector(15'000, Result({"a"})).ok());
  // Host a's evaluations long after do not resolve b (nor restart its keep_firing_for).
  for (int64_t t = 30'000; t <= 300'000; t += 15'000) {
    auto part = rule.EvalVectorPartial(t, Result({"a"}), kA);
    ASSERT_TRUE(part.ok());
    EXPECT_TRUE(part->events.empty()) << t;
  }
  EXPECT_THAT(States(rule.ActiveAlerts()), ElementsAre("a:firing", "b:firing"));
  // The next full evaluation: b's keep_firing_for, counted from 15 s, is over.
  auto full = rule.EvalVector(315'000, Result({"a"}));
  ASSERT_TRUE(full.ok());
  EXPECT_THAT(Events(*full), ElementsAre("b:resolved"));
}

TEST_F(PartialEvalTest, FlapHistoryOfAnotherHostIsUntouched) {
  AlertRule rule = Make(seconds(0));  // flap_slot 0: one state per evaluation
  // b and a flap together through full evaluations...
  bool flapping_started = false;
  for (int i = 0; i < 14; ++i) {
    auto full = rule.EvalVector(i * 1'000, Result(i % 2 == 0 ? std::vector<std::string>{"a", "b"}
                                                             : std::vector<std::string>{}));
    ASSERT_TRUE(full.ok());
    for (const AlertEvent& e : full->events) {
      flapping_started |= e.type == AlertEventType::kFlappingStarted;
    }
  }
  ASSERT_TRUE(flapping_started);
  // ...then a is steady in 30 partial evaluations: its history fills with "firing", so it
  // stops flapping; b's history is not shifted by them, so b is still flapping.
  std::vector<std::string> events;
  for (int i = 14; i < 44; ++i) {
    auto part = rule.EvalVectorPartial(i * 1'000, Result({"a"}), kA);
    ASSERT_TRUE(part.ok());
    for (const std::string& e : Events(*part)) events.push_back(e);
  }
  EXPECT_THAT(events, ElementsAre("a:firing", "a:flapping_stopped"));
  for (const Alert& a : rule.ActiveAlerts()) {
    EXPECT_EQ(a.flapping, a.labels[1].value == "b") << FormatSeries("", a.labels);
  }
}

TEST_F(PartialEvalTest, SampleOutsideTheScopeIsAnError) {
  AlertRule rule = Make(seconds(0));
  ASSERT_TRUE(rule.EvalVector(0, Result({"a"})).ok());
  auto part = rule.EvalVectorPartial(15'000, Result({"a", "b"}), kA);
  ASSERT_FALSE(part.ok());
  EXPECT_THAT(part.status().message(), ::testing::HasSubstr("outside the scope host=\"a\""));
  EXPECT_THAT(States(rule.ActiveAlerts()), ElementsAre("a:firing")) << "state unchanged";
}

TEST_F(PartialEvalTest, OtherHostsCountAgainstTheLimit) {
  AlertRuleConfig c;
  c.name = "Full";
  AlertRuleOptions o;
  o.limit = 2;
  auto rule = AlertRule::Create(c, o);
  ASSERT_TRUE(rule.ok());
  ASSERT_TRUE(rule->EvalVector(0, Result({"b", "c"})).ok());
  // Host a's alert would be the third.
  auto part = rule->EvalVectorPartial(15'000, Result({"a"}), kA);
  ASSERT_FALSE(part.ok());
  EXPECT_EQ(part.status().code(), absl::StatusCode::kResourceExhausted);
}

// RuleManager: a host's batch evaluates the separable rules for that host only.
class RecordingSink : public rules::AlertSink {
 public:
  struct Call {
    std::string group;
    std::vector<Alert> active;
    std::vector<AlertEvent> events;
    int64_t t_ms;
  };
  void OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                   const std::vector<AlertEvent>& events, int64_t t_ms) override {
    calls.push_back({group, active, events, t_ms});
  }
  std::vector<Call> calls;
};

// "rule/host:state" of alerts.
std::vector<std::string> Describe(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const Alert& a : alerts) {
    std::string host;
    for (const Label& l : a.labels) {
      if (l.name == "host") host = l.value;
    }
    out.push_back(a.rule + "/" + host + ":" + AlertStateName(a.state));
  }
  return out;
}
std::vector<std::string> Describe(const std::vector<AlertEvent>& events) {
  std::vector<Alert> alerts;
  for (const AlertEvent& e : events) alerts.push_back(e.alert);
  return Describe(alerts);
}

class HostScopedRuleManagerTest : public ::testing::Test {
 protected:
  // up{host=...} = 0 over [0, 100 s], then `after` from 105 s on.
  void AddUp(const std::string& host, double after) {
    std::vector<Point> points;
    for (int64_t t = 0; t <= 100'000; t += 5'000) points.push_back({t, 0});
    for (int64_t t = 105'000; t <= 300'000; t += 5'000) points.push_back({t, after});
    ASSERT_TRUE(q_.Add({{"__name__", "up"}, {"host", host}}, points).ok());
  }

  std::unique_ptr<rules::RuleManager> Make() {
    rules::RuleGroup g;
    g.name = "node";
    g.file = "test.yml";
    g.interval = std::chrono::minutes(1);
    auto rule = [&](const std::string& name, const std::string& expr) {
      AlertRuleConfig c;
      c.name = name;
      c.expr = expr;
      g.rules.push_back(c);
      return &g.rules.back();
    };
    rule("Down", "up == 0");                                                    // separable
    rule("AnyDown", "count(up == 0) > 0");                                      // not: across hosts
    rule("Relabelled", "up == 0")->labels = {{"host", "x{{ $labels.host }}"}};  // not: host set
    options_.min_host_eval_interval = milliseconds(100);
    auto m = rules::RuleManager::Create({g}, q_, sink_, options_, 0);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? std::move(*m) : nullptr;
  }

  promql::MemoryQueryable q_;
  RecordingSink sink_;
  rules::RuleManagerOptions options_;
};

TEST_F(HostScopedRuleManagerTest, SeparableRuleChangesOnlyTheTriggeringHostsAlerts) {
  AddUp("a", 1);  // a comes back at 105 s
  AddUp("b", 1);  // so does b, but its batch has not triggered anything yet
  auto m = Make();
  ASSERT_NE(m, nullptr);
  int64_t next = m->EvaluateForHost("a", 50'000);
  EXPECT_EQ(next, m->NextDueMs());
  ASSERT_EQ(sink_.calls.size(), 1u);
  // Down for a only; AnyDown and Relabelled fully (both hosts).
  EXPECT_THAT(Describe(sink_.calls[0].active),
              ElementsAre("Down/a:firing", "AnyDown/:firing", "Relabelled/xa:firing",
                          "Relabelled/xb:firing"));
  next = m->EvaluateForHost("b", 50'010);
  EXPECT_EQ(next, m->NextDueMs());
  EXPECT_THAT(Describe(sink_.calls.back().active),
              ElementsAre("Down/a:firing", "Down/b:firing", "AnyDown/:firing",
                          "Relabelled/xa:firing", "Relabelled/xb:firing"));

  // a's batch at 110 s: Down resolves for a only (a full evaluation would resolve b too);
  // the sink gets the group's whole active list.
  sink_.calls.clear();
  m->EvaluateForHost("a", 110'000);
  ASSERT_EQ(sink_.calls.size(), 1u);
  const RecordingSink::Call& c = sink_.calls[0];
  EXPECT_EQ(c.t_ms, 110'000);
  EXPECT_THAT(Describe(c.events), ElementsAre("Down/a:resolved", "AnyDown/:resolved",
                                              "Relabelled/xa:resolved", "Relabelled/xb:resolved"));
  EXPECT_THAT(Describe(c.active),
              ElementsAre("Down/a:resolved", "Down/b:firing", "AnyDown/:resolved",
                          "Relabelled/xa:resolved", "Relabelled/xb:resolved"));
  std::vector<rules::RuleStatus> rules = m->Status()[0].rules;
  EXPECT_EQ(rules[0].host_evaluations, 3u);
  EXPECT_EQ(rules[0].active_alerts, 2u);
  EXPECT_EQ(rules[0].last_eval_ms, 110'000);
  EXPECT_EQ(rules[0].health, rules::RuleHealth::kOk);

  // b's own batch resolves b.
  m->EvaluateForHost("b", 110'050);
  EXPECT_THAT(Describe(sink_.calls.back().events), ElementsAre("Down/b:resolved"));

  // The timer evaluates fully: nothing left to change.
  sink_.calls.clear();
  m->EvaluateDue(120'000);
  ASSERT_EQ(sink_.calls.size(), 1u);
  EXPECT_TRUE(sink_.calls[0].events.empty());
}

TEST_F(HostScopedRuleManagerTest, HostScopedEvaluationsAreRateLimitedPerHost) {
  AddUp("a", 1);
  AddUp("b", 0);
  auto m = Make();
  ASSERT_NE(m, nullptr);
  const int64_t timer = m->NextDueMs();
  m->EvaluateDue(timer);  // the next timer evaluation is a minute later
  const int64_t t = timer + 1'000;
  m->EvaluateForHost("a", t);
  EXPECT_EQ(m->Status()[0].rules[0].host_evaluations, 1u);
  // A burst from a: deferred to the end of a's window; b is not delayed by it.
  for (int i = 1; i < 10; ++i) EXPECT_EQ(m->EvaluateForHost("a", t + i), t + 100);
  EXPECT_EQ(m->Status()[0].rules[0].host_evaluations, 1u);
  m->EvaluateForHost("b", t + 50);
  EXPECT_EQ(m->Status()[0].rules[0].host_evaluations, 2u);
  EXPECT_EQ(m->NextDueMs(), t + 100);
  // At the window's end the deferred evaluation of a runs (with the deferred full ones of
  // the other rules), in one notification.
  sink_.calls.clear();
  EXPECT_EQ(m->EvaluateDue(t + 100), timer + 60'000);
  ASSERT_EQ(sink_.calls.size(), 1u);
  EXPECT_EQ(m->Status()[0].rules[0].host_evaluations, 3u);
  EXPECT_EQ(m->Status()[0].rules[0].last_eval_ms, t + 100);
}

}  // namespace
}  // namespace vigie::daemon
