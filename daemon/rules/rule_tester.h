// Rule unit tests in the file format of `promtool test rules`, read unchanged
// (`vigied test-rules FILE...`):
//
//   rule_files: [alerts.yaml]          # globs, relative to the test file
//   evaluation_interval: 1m            # default 1m
//   group_eval_order: [a, b]           # accepted; alerting rules do not feed
//                                      # each other, so the order is moot
//   tests:
//     - interval: 1m                   # input series step; default evaluation_interval
//       name: optional name
//       external_labels: {...}         # accepted, not used by templates
//       input_series:
//         - series: 'up{host="a"}'
//           values: '1 1 0x10'
//       alert_rule_test:
//         - eval_time: 5m
//           alertname: HostDown
//           exp_alerts:
//             - exp_labels: {host: a, severity: page}
//               exp_annotations: {summary: "a is down"}
//       promql_expr_test:
//         - expr: sum(up)
//           eval_time: 5m
//           exp_samples: [{labels: '{}', value: 2}]
//
// Semantics are promtool's: every alerting rule of every rule file is
// evaluated at t = 0, interval, 2*interval... up to the largest eval_time of
// the test group; an alert_rule_test is checked against the FIRING alerts of
// its alertname (every group) right after the evaluation at the last step not
// after eval_time; labels and annotations must match exactly, in any order
// (alertname is added to exp_labels). promql_expr_test evaluates its
// expression at eval_time over the input series; labels must match exactly,
// values within a relative 1e-6 (NaN equals NaN), as recent promtool does.
//
// A "test" in the counts is one alert_rule_test or promql_expr_test entry.
// Input errors (YAML, series notation, rule files, expressions) are reported
// all at once as `file:line: message` (`file:line:col:` inside expressions
// and series values) and make the file unreadable: nothing of it is run.
//
// Reentrant; nothing is shared between calls.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie::daemon::rules {

struct RuleTestResult {
  int passed = 0;
  int failed = 0;
  // One readable report per failed test, e.g.
  //   FAILED: alertname: HostDown, time: 5m
  //     exp: [...]
  //     got: [...]
  std::vector<std::string> failures;
};

// Reads and runs one test file. InvalidArgument listing every input error,
// one per line, when the file, its rule files or its expressions are unusable.
absl::StatusOr<RuleTestResult> RunRuleTestFile(const std::string& path);

// `vigied test-rules`: runs every file, writes promtool-like progress and the
// failures to `out`, input errors to `err`, and last the summary line
// `N tests passed, M failed` to `out`. Returns the exit code: 0 when every
// test passed, 1 when one failed, 2 when a file could not be used (that wins).
int TestRulesMain(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace vigie::daemon::rules
