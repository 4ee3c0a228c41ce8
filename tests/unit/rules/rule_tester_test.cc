// `vigied test-rules`: the promtool-format test files of tests/rules/unit pass
// both in Vigie's tester and in the real promtool (so the format really is
// promtool's), a wrong expectation gives exit 1 with a diff, malformed input
// gives file:line errors and exit 2, and the vigied binary wires it all.

#include "daemon/rules/rule_tester.h"

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace vigie::daemon::rules {
namespace {

using ::testing::HasSubstr;

constexpr const char* kPromtool = "/usr/bin/promtool";
const std::string kUnitDir = std::string(VIGIE_SOURCE_DIR) + "/tests/rules/unit";
const std::string kFailing = kUnitDir + "/failing/host_down_wrong_test.yaml";

std::vector<std::string> GoodFiles() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(kUnitDir)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 10 && name.ends_with("_test.yaml")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(RuleTester, GoodFilesPass) {
  const std::vector<std::string> files = GoodFiles();
  ASSERT_GE(files.size(), 4u);
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    auto result = RunRuleTestFile(f);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(result->passed, 0);
    EXPECT_EQ(result->failed, 0) << ::testing::PrintToString(result->failures);
  }
}

TEST(RuleTester, GoodFilesPassPromtool) {
  ASSERT_TRUE(std::filesystem::exists(kPromtool))
      << kPromtool << " is missing: apt-get install prometheus";
  for (const std::string& f : GoodFiles()) {
    SCOPED_TRACE(f);
    auto r = test_env::RunCommand({kPromtool, "test", "rules", f});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // And promtool agrees that the failing file fails.
  auto r = test_env::RunCommand({kPromtool, "test", "rules", kFailing});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

TEST(RuleTester, FailingFileGivesDiffAndExit1) {
  auto result = RunRuleTestFile(kFailing);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->passed, 1);
  EXPECT_EQ(result->failed, 2);
  ASSERT_EQ(result->failures.size(), 2u);
  EXPECT_THAT(result->failures[0], HasSubstr("FAILED: alertname: HostDown, time: 3m"));
  EXPECT_THAT(result->failures[0], HasSubstr("got: []"));
  EXPECT_THAT(result->failures[0], HasSubstr(R"({alertname="HostDown",host="a",severity="page"})"));
  EXPECT_THAT(result->failures[1],
              HasSubstr("FAILED: expr: \"sum(rate(http_requests_total[5m]))\", time: 10m"));
  EXPECT_THAT(result->failures[1], HasSubstr("exp: [{} 4]\n    got: [{} 3]"));

  std::ostringstream out, err;
  EXPECT_EQ(TestRulesMain({GoodFiles()[0], kFailing}, out, err), 1);
  EXPECT_THAT(out.str(), HasSubstr("SUCCESS"));
  EXPECT_THAT(out.str(), HasSubstr("failed\n"));
  EXPECT_THAT(out.str(), ::testing::EndsWith(" tests passed, 2 failed\n"));
  EXPECT_EQ(err.str(), "");
}

// Writes `test` as test.yaml (and `rules` as rules.yaml) and returns the error.
std::string ErrorOf(const test_env::TempDir& dir, const std::string& test,
                    const std::string& rules = "") {
  if (!rules.empty()) dir.WriteFile("rules.yaml", rules);
  const std::string path = dir.WriteFile("test.yaml", test);
  auto result = RunRuleTestFile(path);
  if (result.ok()) return "unexpectedly OK";
  return std::string(result.status().message());
}

constexpr const char* kGoodRules = R"(groups:
  - name: g
    rules:
      - alert: A
        expr: up == 0
)";

TEST(RuleTester, MalformedFilesGiveFileLineErrors) {
  test_env::TempDir dir;
  const std::string file = dir.Path("test.yaml");
  // YAML syntax.
  EXPECT_THAT(ErrorOf(dir, "tests:\n  - interval: [1m\n"), HasSubstr(file + ":3:"));
  // Series notation, at its column in the file.
  EXPECT_THAT(ErrorOf(dir, R"(tests:
  - input_series:
      - series: 'up{job="a"}'
        values: '1 1 x3'
)"),
              HasSubstr(file + ":4:"));
  EXPECT_THAT(ErrorOf(dir,
                      "tests:\n  - input_series:\n      - series: 'up{job=}'\n"
                      "        values: '1'\n"),
              HasSubstr(file + ":3:"));
  // Unknown rule file.
  EXPECT_THAT(ErrorOf(dir, "rule_files:\n  - nothere.yaml\ntests: []\n"), HasSubstr(file + ":2:"));
  // Bad expression in a promql_expr_test, with its column.
  EXPECT_THAT(ErrorOf(dir, R"(tests:
  - promql_expr_test:
      - expr: sum(up
        eval_time: 1m
)"),
              HasSubstr(file + ":3:"));
  // Bad expression in a rule file: the rule file's own position.
  EXPECT_THAT(ErrorOf(dir, "rule_files: [rules.yaml]\ntests: []\n",
                      "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n"),
              HasSubstr(dir.Path("rules.yaml") + ":5:"));
  // Unknown key, missing alertname, bad duration, bad value.
  const std::string errors = ErrorOf(dir, R"(rule_files: [rules.yaml]
tests:
  - interval: 1x
    input_serie: []
    alert_rule_test:
      - eval_time: 1m
        exp_alerts: []
    promql_expr_test:
      - expr: up
        eval_time: 1m
        exp_samples:
          - labels: '{job="a"}'
            value: many
)",
                                     kGoodRules);
  EXPECT_THAT(errors, HasSubstr(file + ":3:"));
  EXPECT_THAT(errors, HasSubstr(file + ":4:"));
  EXPECT_THAT(errors, HasSubstr(file + ":6:"));
  EXPECT_THAT(errors, HasSubstr(file + ":12:"));
  // Repeated group_eval_order entry, as promtool.
  EXPECT_THAT(ErrorOf(dir, "group_eval_order: [g, g]\ntests: []\n"), HasSubstr(file + ":1:"));

  std::ostringstream out, err;
  EXPECT_EQ(TestRulesMain({file, kFailing}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr(file + ":1:"));
  EXPECT_THAT(out.str(), HasSubstr("1 tests passed, 2 failed\n"));
}

TEST(RuleTester, VigiedBinary) {
  auto good =
      test_env::RunCommand({VIGIED_BINARY, "test-rules", kUnitDir + "/host_down_test.yaml"});
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_THAT(good.out, HasSubstr("SUCCESS\n4 tests passed, 0 failed\n"));

  auto bad = test_env::RunCommand({VIGIED_BINARY, "test-rules", kFailing});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("FAILED: alertname: HostDown, time: 3m"));
  EXPECT_THAT(bad.out, HasSubstr("1 tests passed, 2 failed\n"));

  auto missing = test_env::RunCommand({VIGIED_BINARY, "test-rules", kUnitDir + "/nothere.yaml"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("nothere.yaml"));
}

}  // namespace
}  // namespace vigie::daemon::rules
