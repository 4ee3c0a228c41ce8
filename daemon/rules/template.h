// Alert templates: the small, documented subset of Prometheus' Go templates that
// rule labels and annotations may use. Supported actions, with any spacing:
//   {{ $labels.NAME }}              value of label NAME of the result sample ("" if absent)
//   {{ $value }}                    the sample value, rendered as Go's %v renders a float64
//   {{ humanize $value }}           SI prefixes, 4 significant digits ("1.235k", "12.5m")
//   {{ humanizePercentage $value }} ratio as percentage ("45.67%")
//   {{ humanizeDuration $value }}   seconds as a duration ("1d 2h 3m 4s", "1.5s", "250ms")
//   {{/* comment */}}               dropped
// Everything else between `{{` and `}}` is refused by ParseTemplate, so a bad
// template is a load-time error rather than a surprise at 3 a.m.
//
// Template is immutable after parsing; Expand is const and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"

namespace vigie::daemon::rules {

class Template {
 public:
  // Parses `text`. The error names the 1-based line and column of the bad
  // action inside `text`: `2:7: unsupported template action "{{ .Foo }}" ...`.
  static absl::StatusOr<Template> Parse(std::string_view text);

  // `labels` are the labels of the expression's result sample (Prometheus'
  // $labels), `value` its value ($value). Never fails.
  std::string Expand(const Labels& labels, double value) const;

  // True when the text has no action (Expand returns it unchanged).
  bool IsLiteral() const;

 private:
  enum class Kind { kText, kLabel, kValue, kHumanize, kHumanizePercentage, kHumanizeDuration };
  struct Piece {
    Kind kind;
    std::string text;  // literal text, or the label name for kLabel
  };
  std::vector<Piece> pieces_;
};

// Parses and expands in one go; for tests and one-off uses.
absl::StatusOr<std::string> ExpandTemplate(std::string_view text, const Labels& labels,
                                           double value);

// The renderings used by the template functions, exposed for tests and for
// other stages that display values like Prometheus does.
std::string FormatGoFloat(double v);           // Go's %v: 0.5, 100000, 1e+06, NaN, +Inf
std::string Humanize(double v);                // Prometheus humanize
std::string HumanizePercentage(double v);      // Prometheus humanizePercentage
std::string HumanizeDuration(double seconds);  // Prometheus humanizeDuration

}  // namespace vigie::daemon::rules
