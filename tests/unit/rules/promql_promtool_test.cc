// The Prometheus comparison: Vigie evaluates a table of expressions over shared input series,
// writes the results as a `promtool test rules` file (promql_expr_test entries with the
// values Vigie computed) and runs the real promtool on it: promtool must agree.
// The hand-written tests/rules/expr/*.yaml files are checked by promtool as well.

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/rules/promql/memory_queryable.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "tests/unit/rules/promql_testdata.h"

namespace vigie::daemon::promql::testing {
namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";

// Counters with a reset, gauges, several hosts, a series that stops, a missing sample.
const std::vector<InputSeries> kSeries = {
    {R"(http_requests_total{job="api",instance="a"})", "0+10x10 5+10x10"},  // reset at 11m
    {R"(http_requests_total{job="api",instance="b"})", "0+3x20"},
    {R"(http_requests_total{job="web",instance="c"})", "100+7x5 _ 142+7x14"},  // 6m missing
    {R"(node_load1{host="a"})", "0.5 1.5 2.5 1 3 4.25 2 1 0.75 1.2 1.4+0.1x10"},
    {R"(node_load1{host="b"})", "2+0.5x20"},
    {R"(node_load1{host="c"})", "3x8"},  // stops after 8m
    {R"(node_filesystem_avail_bytes{host="a",mountpoint="/"})", "1000000-20000x20"},
    {R"(node_filesystem_avail_bytes{host="b",mountpoint="/"})", "500000+0x20"},
    {R"(node_filesystem_avail_bytes{host="b",mountpoint="/data"})", "9e5-1.5e4x20"},
    {R"(node_cpus{host="a"})", "4x20"},
    {R"(node_cpus{host="b"})", "2x20"},
    {R"(up{job="api",instance="a"})", "1 1 1 0 0 1 1 1 1 1 1x10"},
    {R"(up{job="web",instance="c"})", "1x20"},
    {R"(temperature_celsius{room="lab"})", "-5+2.5x10 stale 20x5"},
    {R"(machine_role{host="a",role="db"})", "1x20"},
    {R"(machine_role{host="b",role="web"})", "1x20"},
    {"cancel", "1e16 1 1 -1e16"},  // compensated summation
};

struct Case {
  const char* expr;
  const char* eval_time;
};

// Every operator and function of the subset, at times that exercise resets, the missing
// sample and the stopped series.
const std::vector<Case> kCases = {
    // Selectors, matchers, offset, lookback.
    {"node_load1", "10m"},
    {R"(node_load1{host=~"a|b"})", "10m"},
    {R"(node_load1{host!="a"})", "10m"},
    {R"(node_load1{host!~"a.*"})", "10m"},
    {R"({__name__="node_load1", host="b"})", "3m"},
    {"node_load1 offset 2m", "10m"},
    {"node_load1", "13m"},
    {"node_load1", "14m"},
    {"http_requests_total", "6m"},
    {"temperature_celsius", "11m"},
    {"temperature_celsius", "12m"},
    // Literals and scalar arithmetic.
    {"1.5e1 + 2 * 3 ^ 2 ^ 0.5", "1m"},
    {"-2 ^ 2", "1m"},
    {"7 % 3 - 0x10 / 4", "1m"},
    {"2 > bool 1", "1m"},
    {"2 ^ -3 + 1.1 ^ 10 + 10 ^ 2.5", "1m"},
    // promtool 2.42 compares values exactly, so NaN results are checked through `!= bool`.
    {"(Inf - Inf) != bool (Inf - Inf)", "1m"},
    {"Inf * -1", "1m"},
    // Vector arithmetic and comparisons.
    {"-node_load1", "10m"},
    {"node_load1 * 2 + 1", "10m"},
    {"node_load1 / node_cpus", "10m"},
    {"node_load1 % 1", "10m"},
    {"2 ^ node_cpus", "10m"},
    {"node_load1 > 1.5", "10m"},
    {"node_load1 > bool 1.5", "10m"},
    {"1.5 < node_load1", "10m"},
    {"node_load1 == 3", "5m"},
    {"node_load1 != 3", "5m"},
    {"node_load1 >= 4.25", "5m"},
    {"node_load1 <= 2", "7m"},
    {"node_load1 > on(host) node_cpus / 2", "10m"},
    {"node_load1 > bool on(host) node_cpus / 2", "10m"},
    {"node_filesystem_avail_bytes{mountpoint=\"/\"} / ignoring(mountpoint) node_cpus", "10m"},
    {"up == bool on(job, instance) up", "3m"},
    {"node_load1 - node_load1 offset 5m", "10m"},
    {"(node_load1 + 1) * 2", "10m"},
    {"node_filesystem_avail_bytes / 1e6 < 0.7", "20m"},
    {"node_filesystem_avail_bytes / on(host) group_left node_cpus", "10m"},
    {"node_filesystem_avail_bytes * on(host) group_left(role) machine_role", "10m"},
    {"node_cpus / on(host) group_right node_filesystem_avail_bytes", "10m"},
    {"node_cpus < bool ignoring(mountpoint) group_right node_filesystem_avail_bytes", "10m"},
    {"node_cpus * 1e5 < on(host) group_right node_filesystem_avail_bytes", "10m"},
    // Set operators.
    {"node_load1 and node_cpus", "10m"},
    {"node_load1 or node_cpus", "10m"},
    {"node_load1 unless node_cpus", "5m"},
    {"node_load1 > 1 and node_load1 < 3", "10m"},
    {"up and on(instance) http_requests_total", "5m"},
    {"node_load1 unless ignoring(mountpoint) node_filesystem_avail_bytes", "5m"},
    // Aggregations.
    {"sum(node_load1)", "10m"},
    {"avg by (job) (http_requests_total)", "10m"},
    {"min without (instance) (http_requests_total)", "10m"},
    {"max(node_load1) by (host)", "10m"},
    {"count(up)", "10m"},
    {"count by (host) (node_filesystem_avail_bytes)", "10m"},
    {"topk(2, node_load1)", "10m"},
    {"bottomk(1, http_requests_total) by (job)", "10m"},
    {"sum by (__name__) (node_load1)", "10m"},
    // Counter and gauge functions.
    {"rate(http_requests_total[5m])", "10m"},
    {"rate(http_requests_total[5m])", "13m"},
    {"increase(http_requests_total[10m])", "15m"},
    {"increase(http_requests_total[5m])", "8m"},
    {"increase(http_requests_total{instance=\"a\"}[3m])", "12m"},
    {"rate(http_requests_total[2m] offset 3m)", "12m"},
    {"delta(node_load1[5m])", "10m"},
    {"delta(temperature_celsius[4m])", "10m"},
    {"sum by (job) (rate(http_requests_total[5m])) > 0.1", "10m"},
    {"predict_linear(node_filesystem_avail_bytes[10m], 3600)", "15m"},
    {"predict_linear(node_load1[5m], 600)", "10m"},
    // *_over_time.
    {"avg_over_time(node_load1[5m])", "10m"},
    {"min_over_time(node_load1[10m])", "10m"},
    {"max_over_time(node_load1[10m])", "10m"},
    {"sum_over_time(http_requests_total[5m])", "8m"},
    {"count_over_time(http_requests_total[5m])", "8m"},
    {"sum_over_time(cancel[5m])", "3m"},
    {"avg_over_time(cancel[5m])", "3m"},
    {"predict_linear(cancel[5m], 60)", "3m"},
    {"count_over_time(node_load1[3m] offset 5m)", "10m"},
    {"last_over_time(node_load1[10m])", "16m"},
    {"max_over_time(node_load1[5m]) - min_over_time(node_load1[5m])", "10m"},
    {"changes(up[20m])", "20m"},
    {"changes(node_load1[10m])", "10m"},
    // absent.
    {R"(absent(nonexistent{job="x", env=~"p.*"}))", "10m"},
    {"absent(node_load1)", "10m"},
    {R"(absent(node_load1{host="c"}))", "16m"},
    {R"(absent_over_time(node_load1{host="c"}[5m]))", "16m"},
    {R"(absent_over_time(node_load1{host="c"}[10m]))", "16m"},
    // Instant-vector functions and scalars.
    {"abs(-node_load1)", "10m"},
    {"clamp_min(node_load1, 2)", "10m"},
    {"clamp_max(node_load1, 2)", "10m"},
    {"time()", "10m"},
    {"vector(3)", "10m"},
    {"vector(time()) - 60", "10m"},
    {R"(scalar(node_cpus{host="a"}) * node_load1)", "10m"},
    {"scalar(node_cpus) != bool scalar(node_cpus)", "10m"},
};

std::string YamlQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Runs a command, returns its exit status and combined output.
int RunCommand(const std::string& cmd, std::string* output) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PromtoolComparison, VigieResultsPassPromtool) {
  ASSERT_TRUE(std::filesystem::exists(kPromtool))
      << kPromtool << " is missing: apt-get install prometheus";
  TestGroup group;
  group.input_series = kSeries;
  MemoryQueryable q;
  ASSERT_TRUE(LoadSeries(group, q).ok()) << LoadSeries(group, q);

  std::string yaml = "evaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n";
  for (const InputSeries& s : kSeries) {
    yaml += fmt::format("      - series: {}\n        values: {}\n", YamlQuote(s.series),
                        YamlQuote(s.values));
  }
  yaml += "    promql_expr_test:\n";
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.expr);
    auto t = ParseDuration(c.eval_time);
    ASSERT_TRUE(t.ok()) << t.status();
    auto got = EvalForPromtool(c.expr, *t, q);
    ASSERT_TRUE(got.ok()) << got.status();
    yaml +=
        fmt::format("      - expr: {}\n        eval_time: {}\n", YamlQuote(c.expr), c.eval_time);
    yaml += got->empty() ? "        exp_samples: []\n" : "        exp_samples:\n";
    for (const ExpectedSample& s : *got) {
      yaml += fmt::format("          - labels: {}\n            value: {}\n", YamlQuote(s.labels),
                          YamlFloat(s.value));
    }
  }
  EXPECT_GE(kCases.size(), 40u);

  auto dir = std::filesystem::temp_directory_path() /
             fmt::format("vigie_promtool_{}", static_cast<long>(getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "promql_compare_test.yaml";
  std::ofstream(path) << yaml;
  std::string output;
  int rc = RunCommand(fmt::format("{} test rules {}", kPromtool, path.string()), &output);
  EXPECT_EQ(rc, 0) << "promtool disagrees with Vigie (file kept at " << path << "):\n" << output;
  if (std::getenv("VIGIE_KEEP_PROMTOOL_FILE") != nullptr) {
    std::printf("promtool test file kept at %s\n", path.c_str());
  } else if (rc == 0) {
    std::filesystem::remove_all(dir);
  }
}

// The hand-written expression tests hold Prometheus' answers too.
TEST(PromtoolComparison, ExprFilesPassPromtool) {
  ASSERT_TRUE(std::filesystem::exists(kPromtool))
      << kPromtool << " is missing: apt-get install prometheus";
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(VIGIE_SOURCE_DIR) + "/tests/rules/expr")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    std::string output;
    int rc = RunCommand(fmt::format("{} test rules {}", kPromtool, entry.path().string()), &output);
    EXPECT_EQ(rc, 0) << entry.path() << ":\n" << output;
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace vigie::daemon::promql::testing
