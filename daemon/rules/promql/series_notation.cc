#include "daemon/rules/promql/series_notation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "common/status.h"
#include "common/strings.h"
#include "daemon/rules/promql/expr.h"
#include "fmt/format.h"

namespace vigie::daemon::promql {
namespace {

absl::Status ErrorAt(size_t pos, std::string_view msg) {
  return absl::InvalidArgumentError(fmt::format("1:{}: {}", pos + 1, msg));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// Scans a signed decimal/scientific number, Inf or NaN at word[*i]; advances *i.
std::optional<double> ScanNumber(std::string_view word, size_t* i) {
  size_t start = *i;
  size_t j = start;
  if (j < word.size() && (word[j] == '+' || word[j] == '-')) ++j;
  for (std::string_view special : {"inf", "nan"}) {
    if (StartsWithIgnoreCase(word.substr(j), special)) {
      *i = j + special.size();
      double v = special == "inf" ? HUGE_VAL : std::nan("");
      return word[start] == '-' ? -v : v;
    }
  }
  size_t digits_start = j;
  while (j < word.size() && IsDigit(word[j])) ++j;
  if (j < word.size() && word[j] == '.') {
    ++j;
    while (j < word.size() && IsDigit(word[j])) ++j;
  }
  if (j == digits_start || (j == digits_start + 1 && word[digits_start] == '.'))
    return std::nullopt;
  if (j < word.size() && (word[j] == 'e' || word[j] == 'E')) {
    size_t k = j + 1;
    if (k < word.size() && (word[k] == '+' || word[k] == '-')) ++k;
    if (k < word.size() && IsDigit(word[k])) {
      while (k < word.size() && IsDigit(word[k])) ++k;
      j = k;
    }
  }
  *i = j;
  return std::strtod(std::string(word.substr(start, j - start)).c_str(), nullptr);
}

// Scans "x<uint>" at word[*i].
std::optional<uint64_t> ScanTimes(std::string_view word, size_t* i) {
  size_t j = *i;
  if (j >= word.size() || word[j] != 'x') return std::nullopt;
  ++j;
  size_t start = j;
  uint64_t n = 0;
  while (j < word.size() && IsDigit(word[j])) {
    n = n * 10 + static_cast<uint64_t>(word[j] - '0');
    if (n > 1'000'000) return std::nullopt;
    ++j;
  }
  if (j == start) return std::nullopt;
  *i = j;
  return n;
}

// Expands one whitespace-free word at column `col` of the text.
absl::Status ExpandWord(std::string_view word, size_t col,
                        std::vector<std::optional<double>>& out) {
  auto bad = [&](size_t at, std::string_view what) {
    return ErrorAt(col + at, fmt::format("{} in \"{}\"", what, word));
  };
  if (word == "stale") {
    out.push_back(StaleNaN());
    return absl::OkStatus();
  }
  if (word[0] == '_') {
    size_t i = 1;
    if (i == word.size()) {
      out.push_back(std::nullopt);
      return absl::OkStatus();
    }
    std::optional<uint64_t> n = ScanTimes(word, &i);
    if (!n || i != word.size()) return bad(1, "expected \"x<count>\" after \"_\"");
    out.insert(out.end(), *n, std::nullopt);
    return absl::OkStatus();
  }
  size_t i = 0;
  std::optional<double> value = ScanNumber(word, &i);
  if (!value) return bad(0, "expected a number, \"_\" or \"stale\"");
  if (i == word.size()) {
    out.push_back(*value);
    return absl::OkStatus();
  }
  double step = 0;
  if (word[i] == '+' || word[i] == '-') {
    size_t sign = i;
    ++i;
    std::optional<double> inc = ScanNumber(word, &i);
    if (!inc || word[sign + 1] == '+' || word[sign + 1] == '-') {
      return bad(sign + 1, "expected an unsigned step");
    }
    step = word[sign] == '-' ? -*inc : *inc;
    if (i >= word.size() || word[i] != 'x') return bad(i, "expected \"x<count>\" after the step");
  }
  std::optional<uint64_t> times = ScanTimes(word, &i);
  if (!times) return bad(i, "expected \"x<count>\"");
  if (i != word.size()) return bad(i, "unexpected characters");
  double v = *value;
  out.push_back(v);
  for (uint64_t k = 0; k < *times; ++k) {
    v += step;
    out.push_back(v);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Labels> ParseSeriesLabels(std::string_view text) {
  VIGIE_ASSIGN_OR_RETURN(std::shared_ptr<const Expr> expr, ParseExpr(text));
  if (expr->kind != ExprKind::kVectorSelector || expr->offset_ms != 0) {
    return ErrorAt(0, fmt::format("expected a series such as metric{{label=\"value\"}}, got "
                                  "\"{}\"",
                                  text));
  }
  Labels labels;
  for (const Matcher& m : expr->matchers) {
    if (m.op() != MatchOp::kEqual) {
      return ErrorAt(text.find(MatchOpString(m.op())),
                     fmt::format("only \"=\" is allowed in an input series, got {}", m.ToString()));
    }
    labels.push_back({m.name(), m.value()});
  }
  if (absl::Status st = NormalizeLabels(labels); !st.ok()) return ErrorAt(0, StatusMessage(st));
  return labels;
}

absl::StatusOr<std::vector<std::optional<double>>> ParseSeriesValues(std::string_view text) {
  std::vector<std::optional<double>> out;
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    VIGIE_RETURN_IF_ERROR(ExpandWord(text.substr(start, i - start), start, out));
    if (out.size() > 10'000'000) return ErrorAt(start, "too many values");
  }
  return out;
}

absl::StatusOr<Series> ParseInputSeries(std::string_view series, std::string_view values,
                                        int64_t interval_ms) {
  Series out;
  VIGIE_ASSIGN_OR_RETURN(out.metric, ParseSeriesLabels(series));
  VIGIE_ASSIGN_OR_RETURN(std::vector<std::optional<double>> vals, ParseSeriesValues(values));
  for (size_t i = 0; i < vals.size(); ++i) {
    if (vals[i]) out.points.push_back({static_cast<int64_t>(i) * interval_ms, *vals[i]});
  }
  return out;
}

}  // namespace vigie::daemon::promql
