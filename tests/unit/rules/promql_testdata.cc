#include "tests/unit/rules/promql_testdata.h"

#include <cmath>
#include <limits>

#include "common/status.h"
#include "common/strings.h"
#include "daemon/rules/promql/series_notation.h"
#include "fmt/format.h"
#include "yaml-cpp/yaml.h"

namespace vigie::daemon::promql::testing {
namespace {

absl::StatusOr<int64_t> ParseTime(const std::string& text) {
  if (text == "0") return 0;
  return ParseDuration(text);
}

}  // namespace

absl::StatusOr<std::vector<TestGroup>> LoadTestFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat(path, ": ", e.what()));
  }
  std::vector<TestGroup> groups;
  try {
    for (const YAML::Node& t : root["tests"]) {
      TestGroup g;
      if (t["interval"]) {
        VIGIE_ASSIGN_OR_RETURN(g.interval_ms, ParseTime(t["interval"].as<std::string>()));
      }
      for (const YAML::Node& s : t["input_series"]) {
        g.input_series.push_back({s["series"].as<std::string>(), s["values"].as<std::string>()});
      }
      for (const YAML::Node& c : t["promql_expr_test"]) {
        ExprCase ec;
        ec.expr = c["expr"].as<std::string>();
        VIGIE_ASSIGN_OR_RETURN(ec.eval_ms, ParseTime(c["eval_time"].as<std::string>()));
        for (const YAML::Node& s : c["exp_samples"]) {
          std::string labels = s["labels"] ? s["labels"].as<std::string>() : "{}";
          ec.exp_samples.push_back({labels, s["value"].as<double>()});
        }
        g.cases.push_back(std::move(ec));
      }
      groups.push_back(std::move(g));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat(path, ": ", e.what()));
  }
  return groups;
}

absl::Status LoadSeries(const TestGroup& group, MemoryQueryable& q) {
  for (const InputSeries& s : group.input_series) {
    auto series = ParseInputSeries(s.series, s.values, group.interval_ms);
    if (!series.ok()) {
      return absl::InvalidArgumentError(
          StrCat("input series ", s.series, ": ", StatusMessage(series.status())));
    }
    VIGIE_RETURN_IF_ERROR(q.Add(series->metric, series->points));
  }
  return absl::OkStatus();
}

std::string PromtoolLabels(const Labels& labels) { return FormatMetric(labels); }

std::string YamlFloat(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  return fmt::format("{:.17g}", v);
}

bool AlmostEqual(double a, double b) {
  constexpr double kEpsilon = 0.000001;
  constexpr double kMinNormal = std::numeric_limits<double>::min();
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || diff < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / (std::fabs(a) + std::fabs(b)) < kEpsilon;
}

absl::StatusOr<std::vector<ExpectedSample>> EvalForPromtool(const std::string& expr, int64_t t_ms,
                                                            const Queryable& q) {
  VIGIE_ASSIGN_OR_RETURN(auto parsed, ParseExpr(expr));
  VIGIE_ASSIGN_OR_RETURN(Value v, EvalInstant(*parsed, t_ms, q));
  std::vector<ExpectedSample> out;
  switch (v.kind) {
    case Value::kScalar:
      out.push_back({"{}", v.scalar});
      break;
    case Value::kVector:
      for (const Sample& s : v.vector) out.push_back({PromtoolLabels(s.metric), s.value});
      break;
    default:
      return absl::InvalidArgumentError("promql_expr_test needs a scalar or instant vector");
  }
  return out;
}

}  // namespace vigie::daemon::promql::testing
