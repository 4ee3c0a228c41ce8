#include "daemon/state/state_queryable.h"

#include <gtest/gtest.h>

#include <chrono>
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

}  // namespace
}  // namespace vigie::daemon
