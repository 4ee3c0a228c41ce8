#include "daemon/rules/rule_tester.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "common/config.h"
#include "common/strings.h"
#include "daemon/alerting/alert_rule.h"
#include "daemon/rules/promql/memory_queryable.h"
#include "daemon/rules/promql/promql.h"
#include "daemon/rules/promql/series_notation.h"
#include "daemon/rules/rule_file.h"

namespace vigie::daemon::rules {
namespace {

using StringMap = std::map<std::string, std::string>;
// An alert as the tests see it: labels (with alertname) and annotations.
using AlertView = std::pair<Labels, StringMap>;

struct AlertCase {
  int64_t eval_ms = 0;
  std::string alertname;
  std::vector<AlertView> expected;  // sorted
};

struct ExpectedSample {
  Labels labels;
  double value = 0;
};

struct ExprCase {
  std::string expr;
  std::shared_ptr<const promql::Expr> parsed;
  int64_t eval_ms = 0;
  std::vector<ExpectedSample> expected;
};

struct TestGroup {
  std::string name;
  promql::MemoryQueryable series;
  std::vector<AlertCase> alerts;
  std::vector<ExprCase> exprs;
};

struct CompiledRule {
  AlertRuleConfig config;
  AlertRuleOptions options;
  std::shared_ptr<const promql::Expr> expr;
};

struct TestFile {
  int64_t eval_interval_ms = 60'000;
  std::vector<CompiledRule> rules;
  std::vector<TestGroup> tests;
};

Labels ToLabels(const StringMap& m) {
  Labels out;
  for (const auto& [k, v] : m) out.push_back({k, v});
  return out;
}

std::string FormatAlert(const AlertView& a) {
  return StrCat(promql::FormatMetric(a.first),
                " annotations: ", promql::FormatMetric(ToLabels(a.second)));
}

std::string FormatAlerts(const std::vector<AlertView>& alerts) {
  if (alerts.empty()) return "[]";
  std::string out = "[\n";
  for (const AlertView& a : alerts) StrAppend(out, "        ", FormatAlert(a), "\n");
  return out + "      ]";
}

std::string FormatSamples(const std::vector<ExpectedSample>& samples) {
  if (samples.empty()) return "[]";
  std::string out = "[";
  for (size_t i = 0; i < samples.size(); ++i) {
    StrAppend(out, i > 0 ? ", " : "", promql::FormatMetric(samples[i].labels), " ",
              FormatGoFloat(samples[i].value));
  }
  return out + "]";
}

// promtool's float comparison: relative epsilon 1e-6, NaN equals NaN.
bool AlmostEqual(double a, double b) {
  constexpr double kEpsilon = 1e-6;
  constexpr double kMinNormal = std::numeric_limits<double>::min();
  if ((std::isnan(a) && std::isnan(b)) || a == b) return true;
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || diff < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / (std::fabs(a) + std::fabs(b)) < kEpsilon;
}

// Reads the test file's syntax into `out`; errors go to `errors`.
class TestFileReader {
 public:
  TestFileReader(std::string_view text, ConfigErrors& errors) : text_(text), errors_(errors) {}

  void ReadTestGroup(const YAML::Node& node, const std::string& where, int64_t default_interval_ms,
                     TestGroup& out) {
    MapReader r(node, where, errors_);
    std::chrono::milliseconds interval{0};
    r.Duration("interval", interval);
    const int64_t interval_ms = interval.count() > 0 ? interval.count() : default_interval_ms;
    r.String("name", out.name);
    StringMap external_labels;
    r.StringMap("external_labels", external_labels);
    std::string external_url;
    r.String("external_url", external_url);
    ForEach(r, "input_series", [&](MapReader& sr, const YAML::Node& s) {
      ReadSeries(sr, s, interval_ms, out.series);
    });
    ForEach(r, "alert_rule_test", [&](MapReader& ar, const YAML::Node& a) {
      out.alerts.push_back(ReadAlertCase(ar, a));
    });
    ForEach(r, "promql_expr_test",
            [&](MapReader& pr, const YAML::Node& p) { out.exprs.push_back(ReadExprCase(pr, p)); });
    r.Finish();
  }

 private:
  // Calls fn with a reader of each mapping in the sequence `key`.
  template <typename Fn>
  void ForEach(MapReader& r, std::string_view key, const Fn& fn) {
    YAML::Node seq = r.Sequence(key);
    if (!seq.IsDefined()) return;
    for (size_t i = 0; i < seq.size(); ++i) {
      MapReader item(seq[i], StrCat(r.Path(key), "[", i, "]"), errors_);
      fn(item, seq[i]);
      item.Finish();
    }
  }

  void ReadSeries(MapReader& r, const YAML::Node& node, int64_t interval_ms,
                  promql::MemoryQueryable& q) {
    std::string series, values;
    r.String("series", series);
    r.String("values", values);
    if (series.empty()) {
      errors_.Add(node, StrCat("\"", r.Path("series"), "\" is required"));
      return;
    }
    bool ok = true;
    if (auto labels = promql::ParseSeriesLabels(series); !labels.ok()) {
      AddScalarError(errors_, text_, node["series"], "series: ", labels.status());
      ok = false;
    }
    if (auto parsed = promql::ParseSeriesValues(values); !parsed.ok()) {
      AddScalarError(errors_, text_, node["values"], "values: ", parsed.status());
      ok = false;
    }
    if (!ok) return;
    auto s = promql::ParseInputSeries(series, values, interval_ms);
    absl::Status st = s.ok() ? q.Add(s->metric, s->points) : s.status();
    if (!st.ok()) errors_.Add(node["series"], StrCat("series: ", StatusMessage(st)));
  }

  AlertCase ReadAlertCase(MapReader& r, const YAML::Node& node) {
    AlertCase c;
    c.eval_ms = EvalTime(r);
    r.String("alertname", c.alertname);
    if (c.alertname.empty()) errors_.Add(node, StrCat("\"", r.Path("alertname"), "\" is required"));
    ForEach(r, "exp_alerts", [&](MapReader& er, const YAML::Node&) {
      StringMap labels, annotations;
      er.StringMap("exp_labels", labels);
      er.StringMap("exp_annotations", annotations);
      labels["alertname"] = c.alertname;
      c.expected.emplace_back(ToLabels(labels), std::move(annotations));
    });
    std::sort(c.expected.begin(), c.expected.end());
    return c;
  }

  ExprCase ReadExprCase(MapReader& r, const YAML::Node& node) {
    ExprCase c;
    r.String("expr", c.expr);
    if (auto parsed = promql::ParseExpr(c.expr); parsed.ok()) {
      c.parsed = *parsed;
    } else {
      AddScalarError(errors_, text_, node["expr"].IsDefined() ? node["expr"] : node,
                     "expr: ", parsed.status());
    }
    c.eval_ms = EvalTime(r);
    ForEach(r, "exp_samples", [&](MapReader& sr, const YAML::Node& s) {
      ExpectedSample e;
      std::string labels, value;
      sr.String("labels", labels);
      sr.String("value", value);
      // promtool accepts `{}` (a scalar, or a result with no labels).
      std::string bare = labels;
      std::erase_if(bare, [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); });
      if (bare != "" && bare != "{}") {
        auto parsed = promql::ParseSeriesLabels(labels);
        if (parsed.ok()) {
          e.labels = *parsed;
        } else {
          AddScalarError(errors_, text_, s["labels"], "labels: ", parsed.status());
        }
      }
      if (!s["value"].IsDefined() || !YAML::convert<double>::decode(s["value"], e.value)) {
        errors_.Add(s, StrCat("\"", sr.Path("value"), "\" must be a number"));
      }
      c.expected.push_back(std::move(e));
    });
    std::sort(c.expected.begin(), c.expected.end(),
              [](const ExpectedSample& a, const ExpectedSample& b) { return a.labels < b.labels; });
    return c;
  }

  int64_t EvalTime(MapReader& r) {
    std::chrono::milliseconds t{0};
    r.Duration("eval_time", t);
    return t.count();
  }

  std::string_view text_;
  ConfigErrors& errors_;
};

// Loads the rule files named by `node` (the `rule_files` sequence), relative
// to `base_dir`. Their own errors go to `rule_errors` (already `file:line:`).
void LoadRules(const YAML::Node& node, const std::vector<std::string>& patterns,
               const std::string& base_dir, int64_t eval_interval_ms, ConfigErrors& errors,
               std::vector<std::string>& rule_errors, std::vector<CompiledRule>& out) {
  RuleFileOptions options;
  options.default_interval = std::chrono::milliseconds(eval_interval_ms);
  options.parse_expr = [](std::string_view e) { return promql::ParseExpr(e).status(); };
  for (size_t i = 0; i < patterns.size(); ++i) {
    auto files = ExpandRuleFilePatterns({patterns[i]}, base_dir);
    if (!files.ok()) {
      errors.Add(node[i], StatusMessage(files.status()));
      continue;
    }
    for (const std::string& path : *files) {
      auto file = LoadRuleFile(path, options);
      if (!file.ok()) {
        rule_errors.push_back(StatusMessage(file.status()));
        continue;
      }
      for (RuleGroup& g : file->groups) {
        for (AlertRuleConfig& rule : g.rules) {
          auto expr = promql::ParseExpr(rule.expr);
          if (!expr.ok()) continue;  // reported by LoadRuleFile
          AlertRuleOptions opts;
          opts.group = g.name;
          opts.limit = g.limit;
          out.push_back({std::move(rule), std::move(opts), *expr});
        }
      }
    }
  }
}

absl::StatusOr<TestFile> ReadTestFile(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text.ok()) return text.status();
  ConfigErrors errors(path);
  YAML::Node root = LoadYamlString(*text, errors);
  if (!errors.empty()) return errors.ToStatus();
  if (!root.IsMap()) {
    errors.Add(root, "a rule test file must be a mapping with \"tests\"");
    return errors.ToStatus();
  }
  TestFile out;
  MapReader r(root, "", errors);
  std::vector<std::string> rule_files, order;
  r.StringList("rule_files", rule_files);
  std::chrono::milliseconds interval{0};
  r.Duration("evaluation_interval", interval);
  if (interval.count() > 0) out.eval_interval_ms = interval.count();
  r.StringList("group_eval_order", order);
  for (size_t i = 0, n = order.size(); i < n; ++i) {
    if (std::find(order.begin(), order.begin() + static_cast<ptrdiff_t>(i), order[i]) !=
        order.begin() + static_cast<ptrdiff_t>(i)) {
      errors.Add(root["group_eval_order"][i],
                 StrCat("group name repeated in evaluation order: ", order[i]));
    }
  }
  YAML::Node tests = r.Sequence("tests");
  r.Finish();

  TestFileReader reader(*text, errors);
  for (size_t i = 0; tests.IsDefined() && i < tests.size(); ++i) {
    reader.ReadTestGroup(tests[i], StrCat("tests[", i, "]"), out.eval_interval_ms,
                         out.tests.emplace_back());
  }

  std::vector<std::string> rule_errors;
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  LoadRules(root["rule_files"], rule_files, base_dir.empty() ? "." : base_dir, out.eval_interval_ms,
            errors, rule_errors, out.rules);
  if (errors.empty() && rule_errors.empty()) return out;
  std::string message = errors.empty() ? "" : StatusMessage(errors.ToStatus());
  for (const std::string& e : rule_errors) StrAppend(message, message.empty() ? "" : "\n", e);
  return absl::InvalidArgumentError(message);
}

std::string GroupPrefix(const TestGroup& g) {
  return g.name.empty() ? "" : StrCat("name: ", g.name, ", ");
}

// The FIRING alerts of every rule named `alertname`, sorted.
std::vector<AlertView> FiringAlerts(const std::vector<AlertRule>& rules,
                                    const std::string& alertname) {
  std::vector<AlertView> out;
  for (const AlertRule& rule : rules) {
    if (rule.config().name != alertname) continue;
    for (const Alert& a : rule.ActiveAlerts()) {
      if (a.state == AlertState::kFiring) out.emplace_back(a.labels, a.annotations);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> CheckAlerts(const TestGroup& g, const AlertCase& c,
                                       const std::vector<AlertRule>& rules) {
  std::vector<AlertView> got = FiringAlerts(rules, c.alertname);
  if (got == c.expected) return std::nullopt;
  std::string report =
      StrCat("FAILED: ", GroupPrefix(g), "alertname: ", c.alertname,
             ", time: ", promql::FormatDuration(c.eval_ms), "\n    exp: ", FormatAlerts(c.expected),
             "\n    got: ", FormatAlerts(got));
  if (c.expected.empty() || got.empty()) return report;
  std::vector<AlertView> missing, unexpected;
  std::set_difference(c.expected.begin(), c.expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), c.expected.begin(), c.expected.end(),
                      std::back_inserter(unexpected));
  report += "\n    diff:";
  for (const AlertView& a : missing) StrAppend(report, "\n      - ", FormatAlert(a));
  for (const AlertView& a : unexpected) StrAppend(report, "\n      + ", FormatAlert(a));
  return report;
}

// The expression's result as promtool sees it: a scalar is one sample without
// labels.
absl::StatusOr<promql::Vector> EvalVector(const promql::Expr& expr, int64_t t_ms,
                                          const promql::Queryable& q) {
  auto v = promql::EvalInstant(expr, t_ms, q);
  if (!v.ok()) return v.status();
  if (v->kind == promql::Value::kVector) return std::move(v->vector);
  if (v->kind == promql::Value::kScalar) return promql::Vector{{{}, v->scalar, t_ms}};
  return absl::InvalidArgumentError("rule result is not a vector or scalar");
}

std::optional<std::string> CheckExpr(const TestGroup& g, const ExprCase& c) {
  const std::string head = StrCat("FAILED: ", GroupPrefix(g), "expr: \"", c.expr,
                                  "\", time: ", promql::FormatDuration(c.eval_ms));
  auto result = EvalVector(*c.parsed, c.eval_ms, g.series);
  if (!result.ok()) return StrCat(head, ", err: ", StatusMessage(result.status()));
  std::vector<ExpectedSample> got;
  for (promql::Sample& s : *result) got.push_back({std::move(s.metric), s.value});
  std::sort(got.begin(), got.end(),
            [](const ExpectedSample& a, const ExpectedSample& b) { return a.labels < b.labels; });
  bool equal = got.size() == c.expected.size();
  for (size_t i = 0; equal && i < got.size(); ++i) {
    equal = got[i].labels == c.expected[i].labels && AlmostEqual(got[i].value, c.expected[i].value);
  }
  if (equal) return std::nullopt;
  return StrCat(head, "\n    exp: ", FormatSamples(c.expected), "\n    got: ", FormatSamples(got));
}

void RunTestGroup(const TestFile& file, const TestGroup& g, RuleTestResult& result) {
  auto record = [&](std::optional<std::string> failure) {
    if (!failure) {
      ++result.passed;
      return;
    }
    ++result.failed;
    result.failures.push_back(std::move(*failure));
  };
  std::vector<AlertRule> rules;
  for (const CompiledRule& r : file.rules) {
    auto rule = AlertRule::Create(r.config, r.options);
    if (!rule.ok()) {
      result.failed += static_cast<int>(g.alerts.size() + g.exprs.size());
      result.failures.push_back(StrCat("FAILED: ", GroupPrefix(g), "rule: ", r.config.name,
                                       ", err: ", StatusMessage(rule.status())));
      return;
    }
    rules.push_back(std::move(*rule));
  }
  std::vector<const AlertCase*> cases;
  int64_t max_ms = 0;
  for (const AlertCase& c : g.alerts) {
    cases.push_back(&c);
    max_ms = std::max(max_ms, c.eval_ms);
  }
  for (const ExprCase& c : g.exprs) max_ms = std::max(max_ms, c.eval_ms);
  std::stable_sort(cases.begin(), cases.end(),
                   [](const AlertCase* a, const AlertCase* b) { return a->eval_ms < b->eval_ms; });

  size_t next = 0;
  for (int64_t ts = 0; ts <= max_ms; ts += file.eval_interval_ms) {
    for (size_t i = 0; i < rules.size(); ++i) {
      auto vec = EvalVector(*file.rules[i].expr, ts, g.series);
      absl::Status st = vec.ok() ? rules[i].EvalVector(ts, *vec).status() : vec.status();
      if (!st.ok()) {
        // As promtool: an evaluation error ends the test group.
        result.failed += static_cast<int>(cases.size() - next + g.exprs.size());
        result.failures.push_back(
            StrCat("FAILED: ", GroupPrefix(g), "rule: ", rules[i].config().name,
                   ", time: ", promql::FormatDuration(ts), ", err: ", StatusMessage(st)));
        return;
      }
    }
    // Alert tests whose eval_time falls in [ts, ts + interval) see this state.
    for (; next < cases.size() && cases[next]->eval_ms < ts + file.eval_interval_ms; ++next) {
      record(CheckAlerts(g, *cases[next], rules));
    }
  }
  for (const ExprCase& c : g.exprs) record(CheckExpr(g, c));
}

}  // namespace

absl::StatusOr<RuleTestResult> RunRuleTestFile(const std::string& path) {
  auto file = ReadTestFile(path);
  if (!file.ok()) return file.status();
  RuleTestResult result;
  for (const TestGroup& g : file->tests) RunTestGroup(*file, g, result);
  return result;
}

int TestRulesMain(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  int passed = 0, failed = 0, exit_code = 0;
  for (const std::string& path : files) {
    out << "Unit Testing: " << path << "\n";
    auto result = RunRuleTestFile(path);
    if (!result.ok()) {
      out << "  ERROR: cannot use the file (see stderr)\n";
      err << result.status().message() << "\n";
      exit_code = 2;
      continue;
    }
    passed += result->passed;
    failed += result->failed;
    if (result->failures.empty()) out << "  SUCCESS\n";
    for (const std::string& f : result->failures) out << "  " << f << "\n";
    if (!result->failures.empty() && exit_code == 0) exit_code = 1;
  }
  out << passed << " tests passed, " << failed << " failed\n";
  return exit_code;
}

}  // namespace vigie::daemon::rules
