// Runs every tests/rules/expr/*.yaml (promtool's rule test format, promql_expr_test part):
// one gtest per file, one SCOPED_TRACE per expression.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/rules/promql/series_notation.h"
#include "gtest/gtest.h"
#include "tests/unit/rules/promql_testdata.h"

namespace vigie::daemon::promql::testing {
namespace {

std::vector<std::string> ExprFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(VIGIE_SOURCE_DIR) + "/tests/rules/expr")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Expected labels in any equivalent spelling -> the canonical promtool form.
std::string Canonical(const std::string& labels) {
  if (labels.empty() || labels == "{}") return "{}";
  auto parsed = ParseSeriesLabels(labels);
  return parsed.ok() ? PromtoolLabels(*parsed) : "<invalid: " + labels + ">";
}

std::string Render(const std::vector<ExpectedSample>& samples) {
  std::string out;
  for (const auto& s : samples) out += "  " + s.labels + " " + YamlFloat(s.value) + "\n";
  return out.empty() ? "  (none)\n" : out;
}

class ExprFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExprFileTest, MatchesExpectedSamples) {
  auto groups = LoadTestFile(GetParam());
  ASSERT_TRUE(groups.ok()) << groups.status();
  int cases = 0;
  for (const TestGroup& g : *groups) {
    MemoryQueryable q;
    ASSERT_TRUE(LoadSeries(g, q).ok()) << LoadSeries(g, q);
    for (const ExprCase& c : g.cases) {
      SCOPED_TRACE(c.expr + " at " + FormatDuration(c.eval_ms));
      ++cases;
      auto got = EvalForPromtool(c.expr, c.eval_ms, q);
      ASSERT_TRUE(got.ok()) << got.status();
      std::vector<ExpectedSample> want = c.exp_samples;
      for (auto& s : want) s.labels = Canonical(s.labels);
      auto by_labels = [](const auto& a, const auto& b) { return a.labels < b.labels; };
      std::sort(want.begin(), want.end(), by_labels);
      std::sort(got->begin(), got->end(), by_labels);
      bool same = want.size() == got->size();
      for (size_t i = 0; same && i < want.size(); ++i) {
        same = want[i].labels == (*got)[i].labels && AlmostEqual(want[i].value, (*got)[i].value);
      }
      EXPECT_TRUE(same) << "expected:\n" << Render(want) << "got:\n" << Render(*got);
    }
  }
  EXPECT_GT(cases, 0) << "no promql_expr_test in " << GetParam();
}

std::string FileName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, ExprFileTest, ::testing::ValuesIn(ExprFiles()), FileName);

}  // namespace
}  // namespace vigie::daemon::promql::testing
