#include "common/matcher.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"
#include "re2/re2.h"

namespace vigie {

const char* MatchOpString(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegexMatch:
      return "=~";
    case MatchOp::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

absl::StatusOr<Matcher> Matcher::Make(std::string name, MatchOp op, std::string value) {
  std::shared_ptr<const re2::RE2> re;
  if (op == MatchOp::kRegexMatch || op == MatchOp::kRegexNoMatch) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_dot_nl(true);  // Prometheus: "." matches newlines too
    re = std::make_shared<const re2::RE2>("^(?:" + value + ")$", options);
    if (!re->ok()) {
      return absl::InvalidArgumentError(StrCat("invalid regular expression \"", value,
                                               "\" for label \"", name, "\": ", re->error()));
    }
  }
  return Matcher(std::move(name), op, std::move(value), std::move(re));
}

absl::StatusOr<Matcher> Matcher::Parse(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
    ++i;
  }
  std::string name(text.substr(0, i));
  std::string_view rest = text.substr(i);
  MatchOp op;
  if (rest.starts_with("=~")) {
    op = MatchOp::kRegexMatch;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!~")) {
    op = MatchOp::kRegexNoMatch;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!=")) {
    op = MatchOp::kNotEqual;
    rest.remove_prefix(2);
  } else if (rest.starts_with("=")) {
    op = MatchOp::kEqual;
    rest.remove_prefix(1);
  } else {
    return absl::InvalidArgumentError(StrCat("invalid matcher \"", text,
                                             "\": expected name=value, name!=value, name=~regex or "
                                             "name!~regex"));
  }
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return absl::InvalidArgumentError(
        StrCat("invalid matcher \"", text, "\": missing or invalid label name"));
  }
  std::string value;
  if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') {
    rest = rest.substr(1, rest.size() - 2);
    for (size_t k = 0; k < rest.size(); ++k) {
      if (rest[k] == '\\' && k + 1 < rest.size()) {
        ++k;
        value += rest[k] == 'n' ? '\n' : rest[k];
      } else {
        value += rest[k];
      }
    }
  } else {
    value = std::string(rest);
  }
  return Make(std::move(name), op, std::move(value));
}

bool Matcher::Matches(std::string_view value) const {
  switch (op_) {
    case MatchOp::kEqual:
      return value == value_;
    case MatchOp::kNotEqual:
      return value != value_;
    case MatchOp::kRegexMatch:
      return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
    case MatchOp::kRegexNoMatch:
      return !RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
  }
  return false;
}

bool Matcher::Matches(const Labels& labels) const { return Matches(GetLabel(labels, name_)); }

std::string Matcher::ToString() const {
  std::string out = StrCat(name_, MatchOpString(op_));
  AppendQuoted(out, value_);
  return out;
}

bool MatchesAll(const std::vector<Matcher>& matchers, const Labels& labels) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const Matcher& m) { return m.Matches(labels); });
}

}  // namespace vigie
