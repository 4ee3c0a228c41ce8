#include "daemon/rules/rule_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/strings.h"

namespace vigie::daemon::rules {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const std::string kDir = VIGIE_FIXTURES_DIR "/rules";

// Stands in for the PromQL engine: refuses the identifier BAD, reporting its
// 1-based line and column inside the expression, as promql::ParseExpr does.
absl::Status FakeParse(std::string_view expr) {
  size_t pos = expr.find("BAD");
  if (pos == std::string_view::npos) return absl::OkStatus();
  int line = 1;
  int col = 1;
  for (size_t i = 0; i < pos; ++i) {
    if (expr[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return absl::InvalidArgumentError(StrCat(line, ":", col, ": unexpected identifier \"BAD\""));
}

RuleFileOptions Options() {
  RuleFileOptions o;
  o.default_interval = seconds(15);
  o.parse_expr = FakeParse;
  return o;
}

std::vector<std::string> ErrorLines(const absl::Status& s) {
  std::vector<std::string> out;
  const std::string all = StatusMessage(s);
  std::string_view m = all;
  while (!m.empty()) {
    size_t nl = m.find('\n');
    out.emplace_back(m.substr(0, nl));
    if (nl == std::string_view::npos) break;
    m.remove_prefix(nl + 1);
  }
  return out;
}

TEST(RuleFileTest, ReadsPrometheusFormat) {
  auto file = LoadRuleFile(kDir + "/good/node.yml", Options());
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->groups.size(), 2u);

  const RuleGroup& node = file->groups[0];
  EXPECT_EQ(node.name, "node");
  EXPECT_EQ(node.line, 3);
  EXPECT_EQ(node.interval, seconds(30));
  EXPECT_EQ(node.limit, 0u);
  ASSERT_EQ(node.rules.size(), 2u);

  const AlertRuleConfig& down = node.rules[0];
  EXPECT_EQ(down.name, "HostDown");
  EXPECT_EQ(down.expr, "vigie_host_up == 0");
  EXPECT_EQ(down.for_duration, minutes(2));
  EXPECT_EQ(down.keep_firing_for, minutes(5));
  EXPECT_EQ(down.line, 6);
  EXPECT_EQ(down.file, kDir + "/good/node.yml");
  EXPECT_THAT(down.labels,
              ElementsAre(Pair("severity", "page"), Pair("team", "{{ $labels.team }}")));
  EXPECT_THAT(down.annotations,
              ElementsAre(Pair("description",
                               "{{ $labels.host }} has not reported for {{ "
                               "humanizeDuration $value }}.\n"),
                          Pair("runbook_url", "https://runbooks.example.com/host-down"),
                          Pair("summary", "{{ $labels.host }} is down")));

  const AlertRuleConfig& fs = node.rules[1];
  EXPECT_EQ(fs.expr,
            "(node_filesystem_avail_bytes / node_filesystem_size_bytes) < 0.10\n"
            "and node_filesystem_readonly == 0\n");
  EXPECT_EQ(fs.for_duration, milliseconds(0));

  const RuleGroup& backups = file->groups[1];
  EXPECT_EQ(backups.interval, seconds(15));  // the caller's default
  EXPECT_EQ(backups.limit, 100u);
  ASSERT_EQ(backups.rules.size(), 1u);
  EXPECT_EQ(backups.rules[0].expr, "vigie_backup_age_seconds > 86400 * 2");
}

TEST(RuleFileTest, ReportsEveryErrorWithItsLine) {
  const std::string f = kDir + "/bad/errors.yml";
  auto file = LoadRuleFile(f, Options());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string supported =
      "(supported: {{ $labels.NAME }}, {{ $value }}, {{ humanize $value }}, {{ "
      "humanizePercentage $value }}, {{ humanizeDuration $value }}, and the pipeline form {{ "
      "$value | humanize }})";
  EXPECT_THAT(
      ErrorLines(file.status()),
      ElementsAre(
          f + ":3: \"groups[0].interval\": invalid duration \"soon\" (expected e.g. 500ms, 15s, "
              "1h30m)",
          f + ":5: invalid alert name \"Host Down\" (must match [a-zA-Z_:][a-zA-Z0-9_:]*)",
          f + ":7: alert \"NoExpr\": \"expr\" must be set",
          f + ":11: \"groups[0].rules[2].for\": invalid duration \"ten minutes\" (expected e.g. "
              "500ms, 15s, 1h30m)",
          f + ":13: invalid label name \"1severity\" (letters, digits and _, not starting with a "
              "digit or __)",
          f + ":14: label \"team\" must be a string",
          f +
              ":16:21: annotation \"summary\": unsupported template action \"{{ .Labels.host "
              "}}\" " +
              supported,
          f + ":17: unknown key \"groups[0].rules[2].severty\"",
          f + ":18: recording rule \"job:up:sum\": recording rules are not supported yet",
          f + ":20: group name \"node\" is repeated in the same file (first at line 2)",
          f + ":22: \"groups[2]\": group \"name\" must be set"));
}

TEST(RuleFileTest, MapsExpressionErrorsIntoTheFile) {
  const std::string f = kDir + "/bad/exprs.yml";
  auto file = LoadRuleFile(f, Options());
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(ErrorLines(file.status()),
              ElementsAre(f + ":5:21: unexpected identifier \"BAD\"",   // plain
                          f + ":7:22: unexpected identifier \"BAD\"",   // quoted
                          f + ":11:15: unexpected identifier \"BAD\"",  // literal block
                          f + ":15:13: unexpected identifier \"BAD\"",  // folded block
                          f + ":21:18: annotation \"description\": unsupported template action "
                              "\"{{ $nope }}\" (supported: {{ $labels.NAME }}, {{ $value }}, "
                              "{{ humanize $value }}, {{ humanizePercentage $value }}, {{ "
                              "humanizeDuration $value }}, and the pipeline form {{ $value | "
                              "humanize }})"));
}

TEST(RuleFileTest, YamlSyntaxErrorHasLineAndColumn) {
  auto file = LoadRuleFile(kDir + "/bad/syntax.yml", Options());
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("syntax.yml:6:1: "));
}

TEST(RuleFileTest, ParsesTextAndRefusesUnknownTopLevelKeys) {
  ConfigErrors errors("inline.yml");
  RuleFile file = ParseRuleFile("groups: []\nrule_files: [x]\n", Options(), errors);
  EXPECT_EQ(errors.ToStatus().message(), "inline.yml:2: unknown key \"rule_files\"");

  ConfigErrors empty_errors("empty.yml");
  file = ParseRuleFile("", Options(), empty_errors);
  EXPECT_TRUE(empty_errors.empty());
  EXPECT_TRUE(file.groups.empty());
}

TEST(RuleFileTest, NonStringParserMessageGoesToTheExpressionLine) {
  RuleFileOptions o = Options();
  o.parse_expr = [](std::string_view) { return absl::InvalidArgumentError("engine says no"); };
  ConfigErrors errors("x.yml");
  ParseRuleFile("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n", o, errors);
  EXPECT_EQ(errors.ToStatus().message(), "x.yml:5: engine says no");
}

TEST(RuleFileTest, WrongShapesAreReportedOnce) {
  ConfigErrors errors("shapes.yml");
  ParseRuleFile(
      "groups:\n"
      "- just a string\n"
      "- name: g\n"
      "  rules:\n"
      "  - [not, a, rule]\n"
      "  - alert: A\n"
      "    expr: {a: b}\n"
      "  - alert: B\n"
      "    expr:\n",
      Options(), errors);
  EXPECT_EQ(StatusMessage(errors.ToStatus()),
            "shapes.yml:2: \"groups[0]\" must be a mapping\n"
            "shapes.yml:5: \"groups[1].rules[0]\" must be a mapping\n"
            "shapes.yml:7: \"groups[1].rules[1].expr\" must be a single value\n"
            "shapes.yml:9: alert \"B\": \"expr\" must be set");
}

TEST(RuleFileTest, MapScalarPosition) {
  const std::string text = "a:\n  expr: |\n    foo\n      + BAD\n";
  YAML::Mark mark;
  mark.line = 1;
  mark.column = 8;
  FilePosition p = MapScalarPosition(text, mark, "foo\n  + BAD\n", 2, 5);
  EXPECT_EQ(p.line, 4);
  EXPECT_EQ(p.column, 9);
}

TEST(RuleFileTest, GlobsAreRelativeToTheConfigDirectory) {
  auto paths = ExpandRuleFilePatterns({"good/*.yml", "good/node.yml", "none/*.yml"}, kDir);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, ElementsAre(kDir + "/good/empty.yml", kDir + "/good/node.yml"));

  auto absolute = ExpandRuleFilePatterns({kDir + "/good/node.yml"}, "/elsewhere");
  ASSERT_TRUE(absolute.ok()) << absolute.status();
  EXPECT_THAT(*absolute, ElementsAre(kDir + "/good/node.yml"));

  auto missing = ExpandRuleFilePatterns({"good/missing.yml"}, kDir);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("good/missing.yml"));
}

TEST(RuleFileTest, LoadRuleFilesCollectsErrorsOfEveryFile) {
  auto good = LoadRuleFiles({"good/*.yml"}, kDir, Options());
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_EQ(good->size(), 2u);
  EXPECT_EQ((*good)[1].groups.size(), 2u);

  auto bad = LoadRuleFiles({"bad/*.yml", "good/*.yml"}, kDir, Options());
  ASSERT_FALSE(bad.ok());
  std::string m(bad.status().message());
  EXPECT_THAT(m, HasSubstr("errors.yml:3: "));
  EXPECT_THAT(m, HasSubstr("exprs.yml:5:21: "));
  EXPECT_THAT(m, HasSubstr("syntax.yml:6:1: "));
  EXPECT_EQ(ErrorLines(bad.status()).size(), 17u);
}

}  // namespace
}  // namespace vigie::daemon::rules
