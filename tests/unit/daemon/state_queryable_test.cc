#include "daemon/state/state_queryable.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {
namespace {

using std::chrono::seconds;

constexpr int64_t kIntervalMs = 15'000;

class StateQueryableTest : public ::testing::Test {
 protected:
  StateQueryableTest() : state_(clock_, StateOptions{}), queryable_(state_) {}

  void Hello(const std::string& host, const std::string& env) {
    vigie::v1::HelloRequest h;
    h.set_host(host);
    h.set_agent_version("1.0.0");
    h.set_interval_ms(kIntervalMs);
    auto* l = h.add_host_labels();
    l->set_name("env");
    l->set_value(env);
    state_.Hello(h);
  }

  static void AddSample(vigie::v1::Batch& b, const std::string& name, double value, int64_t ts,
                        std::initializer_list<std::pair<const char*, const char*>> labels = {}) {
    auto* s = b.add_samples();
    s->set_name(name);
    for (const auto& [n, v] : labels) {
      auto* l = s->add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    s->set_value(value);
    s->set_timestamp_ms(ts);
  }

  // One report of `host` at the clock's now: round `i` of a host with `cpus` CPUs.
  void Report(const std::string& host, int i, int cpus, double load) {
    const int64_t now = clock_.NowMillis();
    vigie::v1::Batch b;
    b.set_seq(static_cast<uint64_t>(i) + 1);
    AddSample(b, "node_load1", load, now);
    AddSample(b, "node_load5", load, now);
    AddSample(b, "node_time_seconds", static_cast<double>(now) / 1000.0, now);
    AddSample(b, "node_filesystem_avail_bytes", 100.0, now, {{"mountpoint", "/"}, {"env", "own"}});
    for (int c = 0; c < cpus; ++c) {
      const std::string cpu = std::to_string(c);
      // 15 idle seconds per 15 s round: an idle rate of 1 per CPU.
      AddSample(b, "node_cpu_seconds_total", 15.0 * i, now,
                {{"cpu", cpu.c_str()}, {"mode", "idle"}});
    }
    ASSERT_EQ(state_.Apply(host, b).samples_applied, static_cast<uint32_t>(b.samples_size()));
  }

  // The known hosts among a (2 CPUs) and b (4 CPUs) report `rounds` times, 15 s apart.
  void ReportRounds(int rounds) {
    for (int i = 0; i < rounds; ++i) {
      clock_.Advance(std::chrono::milliseconds(kIntervalMs));
      if (state_.Knows("a")) Report("a", i, 2, 4.5);
      if (state_.Knows("b")) Report("b", i, 4, 1.0);
    }
  }

  promql::Vector Eval(std::string_view expr) {
    auto parsed = promql::ParseExpr(expr);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return {};
    auto v = promql::EvalInstant(**parsed, clock_.NowMillis(), queryable_);
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return {};
    EXPECT_EQ(v->kind, promql::Value::kVector) << expr;
    return v->vector;
  }

  FakeClock clock_;
  State state_;
  StateQueryable queryable_;
};

TEST_F(StateQueryableTest, SelectorSeesHostAndHostLabels) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(4);
  auto v = Eval(R"(node_load1{host="a"})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, (Labels{{"__name__", "node_load1"}, {"env", "prod"}, {"host", "a"}}));
  EXPECT_DOUBLE_EQ(v[0].value, 4.5);
  // By host label, without naming the host.
  v = Eval(R"(node_load1{env="dev"})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, (Labels{{"__name__", "node_load1"}, {"env", "dev"}, {"host", "b"}}));
}

TEST_F(StateQueryableTest, SeriesOwnLabelWinsOverHostLabel) {
  Hello("a", "prod");
  ReportRounds(1);
  auto v = Eval("node_filesystem_avail_bytes");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, (Labels{{"__name__", "node_filesystem_avail_bytes"},
                                 {"env", "own"},
                                 {"host", "a"},
                                 {"mountpoint", "/"}}));
}

TEST_F(StateQueryableTest, RateOverRing) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(21);  // 5 minutes
  auto v = Eval(R"(sum by (host) (rate(node_cpu_seconds_total{mode="idle"}[5m])))");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, (Labels{{"host", "a"}}));
  EXPECT_NEAR(v[0].value, 2.0, 1e-9);
  EXPECT_EQ(v[1].metric, (Labels{{"host", "b"}}));
  EXPECT_NEAR(v[1].value, 4.0, 1e-9);
}

TEST_F(StateQueryableTest, LoadPerCpuJoinsOnHost) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(2);
  // Keeps the host labels (for routing): the default HighLoad rule's form.
  auto v =
      Eval(R"(node_load5 / count without (cpu, mode) (node_cpu_seconds_total{mode="idle"}) > 2)");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, (Labels{{"env", "prod"}, {"host", "a"}}));
  EXPECT_DOUBLE_EQ(v[0].value, 2.25);
  v = Eval(R"(node_load5 / on (host) count by (host) (node_cpu_seconds_total{mode="idle"}))");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_DOUBLE_EQ(v[1].value, 0.25);
}

TEST_F(StateQueryableTest, HostDownAfterStaleWindow) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(3);
  EXPECT_TRUE(Eval("vigie_host_up == 0").empty());
  EXPECT_EQ(Eval("vigie_host_up == 1").size(), 2u);
  // Host a goes silent for 4 intervals (stale window: 3); b keeps reporting.
  for (int i = 3; i < 7; ++i) {
    clock_.Advance(std::chrono::milliseconds(kIntervalMs));
    Report("b", i, 4, 1.0);
  }
  auto v = Eval("vigie_host_up == 0");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, (Labels{{"__name__", "vigie_host_up"}, {"env", "prod"}, {"host", "a"}}));
  // Its series are gone from /metrics: a staleness marker ends them, as a scrape would.
  EXPECT_TRUE(Eval(R"(node_load1{host="a"})").empty());
  EXPECT_EQ(Eval("count_over_time(node_load1{host=\"a\"}[5m])").size(), 1u);
  EXPECT_EQ(Eval("node_load1").size(), 1u);
}

TEST_F(StateQueryableTest, ClockSkewAgainstLastReport) {
  Hello("a", "prod");
  ReportRounds(2);
  auto v = Eval("abs(node_time_seconds - vigie_host_last_report_timestamp_seconds)");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, (Labels{{"env", "prod"}, {"host", "a"}}));
  EXPECT_DOUBLE_EQ(v[0].value, 0.0);
}

TEST_F(StateQueryableTest, DerivedSeriesFilteredByMatchers) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(1);
  auto v = Eval(R"({__name__=~"vigie_host_.*", host="b"})");
  ASSERT_EQ(v.size(), 4u);
  for (const auto& s : v) EXPECT_EQ(s.metric[2], (Label{"host", "b"}));
  v = Eval(R"(vigie_host_series{host="b"})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].value, 8.0);  // 4 CPUs + 4 other series
  EXPECT_TRUE(Eval(R"(vigie_host_up{host="nope"})").empty());
}

// Selects by name go through State's index by metric name (State::VisitMetric): same series
// as a scan, from every host, and none of another name.
TEST_F(StateQueryableTest, SelectByNameAcrossHosts) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(2);
  auto v = Eval("node_cpu_seconds_total");
  ASSERT_EQ(v.size(), 6u);  // a: 2 CPUs, b: 4
  std::map<std::string, int> per_host;
  for (const promql::Sample& s : v) {
    EXPECT_EQ(s.metric[0], (Label{"__name__", "node_cpu_seconds_total"}));
    ASSERT_EQ(s.metric[3].name, "host");
    ++per_host[s.metric[3].value];
  }
  EXPECT_EQ(per_host, (std::map<std::string, int>{{"a", 2}, {"b", 4}}));
  v = Eval("node_load1");  // sorted by labels: env="dev" first
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, (Labels{{"__name__", "node_load1"}, {"env", "dev"}, {"host", "b"}}));
  EXPECT_EQ(v[1].metric, (Labels{{"__name__", "node_load1"}, {"env", "prod"}, {"host", "a"}}));
  // Name and host: one host's series of that name only.
  v = Eval(R"(node_cpu_seconds_total{host="b", cpu=~"[02]"})");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric[2], (Label{"env", "dev"}));
  // A name no host has, a host that does not exist.
  EXPECT_TRUE(Eval("node_nope").empty());
  EXPECT_TRUE(Eval(R"(node_load1{host="c"})").empty());
  // Other matchers still apply to the indexed series.
  EXPECT_EQ(Eval(R"(node_load1{env="dev"})").size(), 1u);
  EXPECT_TRUE(Eval(R"(node_load1{env="own"})").empty());
}

TEST_F(StateQueryableTest, SeriesAppearingAndDisappearingByName) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(2);
  EXPECT_TRUE(Eval("node_new_metric").empty());
  // A new series name on host b: found by name at once.
  clock_.Advance(std::chrono::milliseconds(kIntervalMs));
  const int64_t now = clock_.NowMillis();
  vigie::v1::Batch b;
  b.set_seq(100);
  AddSample(b, "node_new_metric", 7, now, {{"device", "eth0"}});
  AddSample(b, "node_new_metric", 8, now, {{"device", "eth1"}});
  ASSERT_EQ(state_.Apply("b", b).samples_applied, 2u);
  auto v = Eval("node_new_metric");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(
      v[0].metric,
      (Labels{{"__name__", "node_new_metric"}, {"device", "eth0"}, {"env", "dev"}, {"host", "b"}}));
  EXPECT_DOUBLE_EQ(v[1].value, 8);
  // A new host with the same name appears in the same select.
  Hello("c", "prod");
  vigie::v1::Batch c;
  c.set_seq(1);
  AddSample(c, "node_new_metric", 9, now, {{"device", "eth0"}});
  ASSERT_EQ(state_.Apply("c", c).samples_applied, 1u);
  EXPECT_EQ(Eval("node_new_metric").size(), 3u);
  // Host b keeps reporting without eth1: once it falls behind the stale window (3 x 15 s),
  // a staleness marker ends it, through the index as through a scan.
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(std::chrono::milliseconds(kIntervalMs));
    vigie::v1::Batch next;
    next.set_seq(101 + static_cast<uint64_t>(i));
    AddSample(next, "node_new_metric", 7, clock_.NowMillis(), {{"device", "eth0"}});
    ASSERT_EQ(state_.Apply("b", next).samples_applied, 1u);
  }
  v = Eval(R"(node_new_metric{host="b"})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric[1], (Label{"device", "eth0"}));
  EXPECT_EQ(Eval(R"(count_over_time(node_new_metric{host="b"}[5m]))").size(), 2u);
}

TEST_F(StateQueryableTest, NameMatchersOtherThanEqualityScan) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(1);
  auto v = Eval(R"({__name__=~"node_load.*", host="a"})");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric[0], (Label{"__name__", "node_load1"}));
  EXPECT_EQ(v[1].metric[0], (Label{"__name__", "node_load5"}));
  EXPECT_EQ(Eval(R"({__name__=~"node_load.|node_time_seconds"})").size(), 6u);
  // Regex and derived series together.
  EXPECT_EQ(Eval(R"({__name__=~"node_load1|vigie_host_up"})").size(), 4u);
  // != on the name: every other series of host a (2 CPUs, load5, time, filesystem) and its
  // 4 derived series.
  EXPECT_EQ(Eval(R"({__name__!="node_load1", host="a"})").size(), 9u);
  // A regex that is an equality in disguise.
  EXPECT_EQ(Eval(R"({__name__=~"node_cpu_seconds_total"})").size(), 6u);
}

// SelectLatest (what instant selectors read) gives the last point Select gives, staleness
// markers included, also when evaluating in the past.
TEST_F(StateQueryableTest, SelectLatestIsSelectsLastPoint) {
  Hello("a", "prod");
  Hello("b", "dev");
  ReportRounds(6);
  // Host a goes silent: its series end with a staleness marker.
  for (int i = 6; i < 12; ++i) {
    clock_.Advance(std::chrono::milliseconds(kIntervalMs));
    Report("b", i, 4, 1.0);
  }
  const int64_t now = clock_.NowMillis();
  for (const char* sel : {"node_load1", "node_cpu_seconds_total", "vigie_host_up"}) {
    auto m = Matcher::Make("__name__", MatchOp::kEqual, sel);
    ASSERT_TRUE(m.ok());
    for (int64_t maxt = now - 200'000; maxt <= now; maxt += 5'000) {
      for (int64_t span : {0, 20'000, 300'000}) {
        std::map<Labels, Point> want;
        queryable_.Select(
            {*m}, maxt - span, maxt,
            [&](const Labels& l, const std::vector<Point>& p) { want[l] = p.back(); });
        std::map<Labels, Point> got;
        queryable_.SelectLatest({*m}, maxt - span, maxt,
                                [&](const Labels& l, const std::vector<Point>& p) {
                                  ASSERT_EQ(p.size(), 1u);
                                  got[l] = p[0];
                                });
        ASSERT_EQ(got.size(), want.size()) << sel << " at " << maxt << " span " << span;
        for (const auto& [l, p] : want) {
          ASSERT_TRUE(got.contains(l));
          EXPECT_EQ(got[l].timestamp_ms, p.timestamp_ms) << sel << " at " << maxt;
          EXPECT_EQ(promql::IsStaleNaN(got[l].value), promql::IsStaleNaN(p.value));
          if (!promql::IsStaleNaN(p.value)) {
            EXPECT_EQ(got[l].value, p.value);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace vigie::daemon
