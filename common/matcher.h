// Label matchers as in Prometheus and Alertmanager: name, operator, value.
// `=~` and `!~` use RE2 and are fully anchored, as in Prometheus
// (`host=~"db.*"` matches "db1", not "xdb1").
//
// A missing label has the value "": `env=""` matches series without `env`,
// `env!=""` those with one.
//
// Thread-safety: a Matcher is immutable after Make() and may be shared.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace vigie {

enum class MatchOp { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
const char* MatchOpString(MatchOp op);

class Matcher {
 public:
  // Fails (InvalidArgument naming the pattern) on an invalid regular expression.
  static absl::StatusOr<Matcher> Make(std::string name, MatchOp op, std::string value);

  // Parses `name=value`, `name!=value`, `name=~regex`, `name!~regex`; the
  // value may be double-quoted ("db\"1"). For command lines and configs.
  static absl::StatusOr<Matcher> Parse(std::string_view text);

  bool Matches(std::string_view value) const;
  // Looks `name()` up in sorted `labels` ("" when absent) and matches it.
  bool Matches(const Labels& labels) const;

  const std::string& name() const { return name_; }
  MatchOp op() const { return op_; }
  const std::string& value() const { return value_; }
  std::string ToString() const;  // name="value" form, Prometheus escaping

 private:
  Matcher(std::string name, MatchOp op, std::string value, std::shared_ptr<const re2::RE2> re)
      : name_(std::move(name)), op_(op), value_(std::move(value)), re_(std::move(re)) {}

  std::string name_;
  MatchOp op_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // set for the regex operators
};

// True when every matcher matches.
bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels);

}  // namespace vigie
