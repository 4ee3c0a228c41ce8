// Rule files in Prometheus' format, read unchanged:
//
//   groups:
//     - name: node                 # required, unique in the file
//       interval: 30s              # optional; default from the caller
//       limit: 10                  # optional; max alerts per rule, 0 = none
//       rules:
//         - alert: HostDown        # a valid metric name
//           expr: vigie_host_up == 0
//           for: 2m                # optional
//           keep_firing_for: 5m    # optional
//           labels: {severity: page}          # values are templates
//           annotations: {summary: "{{ $labels.host }} is down"}
//
// Every error is reported, all at once, as `file:line: message`; expression
// errors as `file:line:col: message`, the position mapped from the expression
// text into the file (plain, quoted and block `|`/`>` scalars). Recording rules
// (`record:`) are refused: vigied does not evaluate them yet.
//
// The expression language is not known here: the caller injects an ExprParser
// (the PromQL engine's ParseExpr, a lambda in tests).
//
// All functions are reentrant; nothing is cached between calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "daemon/alerting/alert_rule.h"

namespace vigie::daemon::rules {

// Validates one expression. On error the message starts with "<line>:<col>: ",
// 1-based and relative to `expr` (a message without it is reported at the
// line of the expression).
using ExprParser = std::function<absl::Status(std::string_view expr)>;

struct RuleGroup {
  std::string name;
  std::string file;  // path of the rule file, as loaded
  int line = 0;      // line of the group in the file
  std::chrono::milliseconds interval{0};
  uint64_t limit = 0;
  std::vector<AlertRuleConfig> rules;
};

struct RuleFile {
  std::string path;
  std::vector<RuleGroup> groups;
};

struct RuleFileOptions {
  // Interval of groups that do not set one (vigied's evaluation_interval).
  std::chrono::milliseconds default_interval = std::chrono::minutes(1);
  // REQUIRED.
  ExprParser parse_expr;
};

// Parses `text` as the rule file `errors.file()`. Errors go to `errors`; the
// result then holds what could be read and must not be used.
RuleFile ParseRuleFile(std::string_view text, const RuleFileOptions& options, ConfigErrors& errors);

// Reads and parses one file. InvalidArgument with every error, one per line.
absl::StatusOr<RuleFile> LoadRuleFile(const std::string& path, const RuleFileOptions& options);

// Expands `rule_files:` entries as Prometheus does: each is a glob (*, ?, [...])
// resolved against `base_dir` (the directory of vigied's config file) when
// relative. A glob that matches nothing is not an error; a plain path that does
// not exist is (stricter than Prometheus, which ignores it). Result: sorted per
// pattern, in pattern order, each file once. Platform code (glob(3)).
absl::StatusOr<std::vector<std::string>> ExpandRuleFilePatterns(
    const std::vector<std::string>& patterns, const std::string& base_dir);

// ExpandRuleFilePatterns, then LoadRuleFile on each. InvalidArgument with
// every error of every file.
absl::StatusOr<std::vector<RuleFile>> LoadRuleFiles(const std::vector<std::string>& patterns,
                                                    const std::string& base_dir,
                                                    const RuleFileOptions& options);

// Where character (line, col) of a scalar's value lies in the file (both
// 1-based), given the file's text and the scalar's YAML mark. Exposed for tests.
struct FilePosition {
  int line = 0;
  int column = 0;
};
FilePosition MapScalarPosition(std::string_view file_text, const YAML::Mark& mark,
                               std::string_view value, int line, int col);

// Records `status`, an error about the YAML scalar `node` (an expression or a
// template): when its message starts with "L:C: " (a position inside the
// scalar), at that place in the file (`file_text`), else at the node.
void AddScalarError(ConfigErrors& errors, std::string_view file_text, const YAML::Node& node,
                    std::string_view prefix, const absl::Status& status);

}  // namespace vigie::daemon::rules
