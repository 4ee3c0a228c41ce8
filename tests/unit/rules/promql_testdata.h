// Test helpers for the expression engine: reads the `promql_expr_test` part of promtool's
// rule test files (tests/rules/expr/*.yaml use that format unchanged), loads their
// input_series into a MemoryQueryable, and renders results the way promtool prints them.
// Single-threaded test code.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/rules/promql/memory_queryable.h"
#include "daemon/rules/promql/promql.h"

namespace vigie::daemon::promql::testing {

struct ExpectedSample {
  std::string labels;  // promtool form: metric{a="b"}, or "{}"
  double value = 0;
};

struct ExprCase {
  std::string expr;
  int64_t eval_ms = 0;
  std::vector<ExpectedSample> exp_samples;
};

struct InputSeries {
  std::string series;
  std::string values;
};

struct TestGroup {
  int64_t interval_ms = 60'000;
  std::vector<InputSeries> input_series;
  std::vector<ExprCase> cases;
};

// Reads a promtool rule test file (only input_series and promql_expr_test are used).
absl::StatusOr<std::vector<TestGroup>> LoadTestFile(const std::string& path);

// Loads the group's input series (interval steps from t=0).
absl::Status LoadSeries(const TestGroup& group, MemoryQueryable& q);

// `metric{a="b"}` with the name outside the braces, "{}" when there is nothing.
std::string PromtoolLabels(const Labels& labels);

// A float as promtool's YAML reads it back: 17 significant digits, .nan, .inf, -.inf.
std::string YamlFloat(double v);

// promtool's comparison: relative epsilon 1e-6, NaN equals NaN.
bool AlmostEqual(double a, double b);

// Evaluates `expr` at `t_ms` and returns the samples as promtool sees them (a scalar is
// one sample with no labels).
absl::StatusOr<std::vector<ExpectedSample>> EvalForPromtool(const std::string& expr, int64_t t_ms,
                                                            const Queryable& q);

}  // namespace vigie::daemon::promql::testing
