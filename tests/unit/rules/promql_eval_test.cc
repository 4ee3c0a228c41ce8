#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "daemon/rules/promql/memory_queryable.h"
#include "daemon/rules/promql/promql.h"
#include "daemon/rules/promql/series_notation.h"
#include "fmt/format.h"
#include "gtest/gtest.h"

namespace vigie::daemon::promql {
namespace {

std::string Values(std::string_view text) {
  auto v = ParseSeriesValues(text);
  if (!v.ok()) return "ERROR " + std::string(v.status().message());
  std::string out;
  for (const auto& x : *v) {
    if (!out.empty()) out += ' ';
    if (!x) {
      out += '_';
    } else if (IsStaleNaN(*x)) {
      out += "stale";
    } else {
      out += fmt::format("{}", *x);
    }
  }
  return out;
}

TEST(SeriesNotation, ExpandsPromtoolNotation) {
  EXPECT_EQ(Values("1+0x3"), "1 1 1 1");
  EXPECT_EQ(Values("0+10x5 100-1x3"), "0 10 20 30 40 50 100 99 98 97");
  EXPECT_EQ(Values("1 _ 3 stale 5"), "1 _ 3 stale 5");
  EXPECT_EQ(Values("_x3 2"), "_ _ _ 2");
  EXPECT_EQ(Values("1x3"), "1 1 1 1");
  EXPECT_EQ(Values("-2-2x2"), "-2 -4 -6");
  EXPECT_EQ(Values("1e3+1.5e2x2 -1.5"), "1000 1150 1300 -1.5");
  EXPECT_EQ(Values("Inf -Inf"), "inf -inf");
  EXPECT_EQ(Values("  "), "");
  EXPECT_EQ(Values("1+0x5"), "1 1 1 1 1 1");
}

TEST(SeriesNotation, ErrorsGiveColumns) {
  EXPECT_EQ(Values("1 2 abc"), "ERROR 1:5: expected a number, \"_\" or \"stale\" in \"abc\"");
  EXPECT_EQ(Values("1+2"), "ERROR 1:4: expected \"x<count>\" after the step in \"1+2\"");
  EXPECT_EQ(Values("0 1+x3"), "ERROR 1:5: expected an unsigned step in \"1+x3\"");
  EXPECT_EQ(Values("_y"), "ERROR 1:2: expected \"x<count>\" after \"_\" in \"_y\"");
  EXPECT_EQ(Values("1x"), "ERROR 1:2: expected \"x<count>\" in \"1x\"");
}

TEST(SeriesNotation, SeriesAndPoints) {
  auto s = ParseInputSeries(R"(node_load1{host="a", dc="x"})", "1 _ 3", 60'000);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->metric, (Labels{{"__name__", "node_load1"}, {"dc", "x"}, {"host", "a"}}));
  ASSERT_EQ(s->points.size(), 2u);
  EXPECT_EQ(s->points[1].timestamp_ms, 120'000);
  EXPECT_EQ(s->points[1].value, 3);
  EXPECT_FALSE(ParseSeriesLabels(R"(up{job=~"a"})").ok());
  EXPECT_EQ(std::string(ParseSeriesLabels("up{job=\"a\"").status().message()),
            "1:11: unexpected end of input, expected \",\" or \"}\"");
}

class EvalTest : public ::testing::Test {
 protected:
  void AddSeries(const std::string& series, const std::string& values) {
    auto s = ParseInputSeries(series, values, 60'000);
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_TRUE(q_.Add(s->metric, s->points).ok());
  }
  absl::StatusOr<Value> Eval(const std::string& text, int64_t t_ms) {
    auto e = ParseExpr(text);
    if (!e.ok()) return e.status();
    return EvalInstant(**e, t_ms, q_);
  }
  MemoryQueryable q_;
};

TEST_F(EvalTest, ManyToManyMatchingIsAnError) {
  AddSeries(R"(a{host="x", cpu="0"})", "1");
  AddSeries(R"(a{host="x", cpu="1"})", "2");
  AddSeries(R"(b{host="x"})", "3");
  auto r = Eval("b + on(host) a", 0);
  EXPECT_EQ(std::string(r.status().message()),
            "found duplicate series for the match group {host=\"x\"} on the right hand-side of "
            "the operation: [a{cpu=\"0\",host=\"x\"}, a{cpu=\"1\",host=\"x\"}];many-to-many "
            "matching not allowed: matching labels must be unique on one side");
  r = Eval("a + on(host) b", 0);
  EXPECT_EQ(std::string(r.status().message()),
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  r = Eval("a + on(host) group_left b", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->vector.size(), 2u);
  r = Eval("a + on(host) group_right b", 0);
  EXPECT_EQ(std::string(r.status().message()),
            "found duplicate series for the match group {host=\"x\"} on the left hand-side of "
            "the operation: [a{cpu=\"0\",host=\"x\"}, a{cpu=\"1\",host=\"x\"}];many-to-many "
            "matching not allowed: matching labels must be unique on one side");
  r = Eval("a - ignoring(cpu) group_left a", 0);
  EXPECT_EQ(std::string(r.status().message()),
            "found duplicate series for the match group {host=\"x\"} on the right hand-side of "
            "the operation: [a{cpu=\"0\",host=\"x\"}, a{cpu=\"1\",host=\"x\"}];many-to-many "
            "matching not allowed: matching labels must be unique on one side");
  r = Eval("a and on(host) b", 0);  // set operators are many-to-many
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->vector.size(), 2u);
}

TEST_F(EvalTest, DuplicateLabelsetsAfterDroppingNames) {
  AddSeries(R"(a{host="x"})", "1");
  AddSeries(R"(b{host="x"})", "2");
  auto r = Eval(R"(abs({host="x"}))", 0);
  EXPECT_EQ(std::string(r.status().message()),
            "vector cannot contain metrics with the same labelset");
  r = Eval(R"({host="x"} > 0)", 0);  // comparison keeps the name
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->vector.size(), 2u);
}

TEST_F(EvalTest, LookbackAndStaleness) {
  AddSeries("x", "1 2 stale");
  EXPECT_EQ(Eval("x", 60'000)->vector.at(0).value, 2);
  EXPECT_TRUE(Eval("x", 120'000)->vector.empty());  // stale marker hides it
  AddSeries("y", "5");
  EXPECT_EQ(Eval("y", 300'000)->vector.size(), 1u);  // lookback is inclusive
  EXPECT_TRUE(Eval("y", 300'001)->vector.empty());
  auto e = ParseExpr("y");
  EvalOptions opt;
  opt.lookback_ms = 60'000;
  EXPECT_TRUE(EvalInstant(**e, 61'000, q_, opt)->vector.empty());
}

TEST_F(EvalTest, ResultsAreSortedAndMatrixIsReturned) {
  AddSeries(R"(m{k="b"})", "1 2");
  AddSeries(R"(m{k="a"})", "3 4");
  auto r = Eval("m[1m]", 60'000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->kind, Value::kMatrix);
  ASSERT_EQ(r->matrix.size(), 2u);
  EXPECT_EQ(r->matrix[0].metric[1].value, "a");
  EXPECT_EQ(r->matrix[0].points.size(), 2u);
  r = Eval("-m", 60'000);
  ASSERT_EQ(r->vector.size(), 2u);
  EXPECT_EQ(r->vector[0].metric, (Labels{{"k", "a"}}));
  EXPECT_EQ(r->vector[0].value, -4);
  EXPECT_EQ(r->vector[0].t_ms, 60'000);
}

TEST_F(EvalTest, SharedExprEvaluatesConcurrently) {
  AddSeries(R"(c{host="a"})", "0+10x30");
  AddSeries(R"(c{host="b"})", "0+20x30");
  auto e = ParseExpr("sum by (host) (rate(c[5m])) > bool 0.2");
  ASSERT_TRUE(e.ok());
  std::shared_ptr<const Expr> expr = *e;
  std::vector<std::thread> threads;
  std::vector<std::string> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 200; ++n) {
        auto v = EvalInstant(*expr, 1'200'000, q_);
        results[i] = v.ok() ? fmt::format("{} {}", v->vector.size(), v->vector.at(1).value)
                            : std::string(v.status().message());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& r : results) EXPECT_EQ(r, "2 1");
}

}  // namespace
}  // namespace vigie::daemon::promql
