#include "daemon/rules/template.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "absl/status/status.h"
#include "common/strings.h"

namespace vigie::daemon::rules {
namespace {

constexpr std::string_view kSupported =
    "supported: {{ $labels.NAME }}, {{ $value }}, {{ humanize $value }}, "
    "{{ humanizePercentage $value }}, {{ humanizeDuration $value }}, "
    "and the pipeline form {{ $value | humanize }}";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Go template field names: any identifier, including reserved ones (__name__).
bool IsIdentifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    bool ok =
        c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// 1-based line and column of `offset` in `text`.
std::string Position(std::string_view text, size_t offset) {
  int line = 1;
  int col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return StrCat(line, ":", col);
}

// C's "%.4g" with Go's spelling of NaN and infinities.
std::string FormatG4(double v, std::string_view suffix = "") {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return StrCat(buf, suffix);
}

// Multiplies |v| < 1 by 1000 until it reaches 1, returning the SI prefix.
std::string_view SmallPrefix(double& v) {
  std::string_view prefix;
  for (std::string_view p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return prefix;
}

}  // namespace

std::string FormatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(sci.ptr - buf));
  int exp = 0;
  size_t e = s.find('e');
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  // Go's %v (strconv 'g' with shortest precision) switches to %e when the
  // exponent is < -4 or >= 6: fmt.Println(1e6) prints "1e+06".
  if (exp < -4 || exp >= 6) return std::string(s);
  auto fixed = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, static_cast<size_t>(fixed.ptr - buf));
}

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return FormatG4(v);
  if (std::fabs(v) >= 1) {
    std::string_view prefix;
    for (std::string_view p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return FormatG4(v, prefix);
  }
  std::string_view prefix = SmallPrefix(v);
  return FormatG4(v, prefix);
}

std::string HumanizePercentage(double v) { return FormatG4(v * 100, "%"); }

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return FormatG4(v);
  if (v == 0) return FormatG4(v, "s");
  if (std::fabs(v) >= 1) {
    std::string_view sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    auto duration = static_cast<int64_t>(v);
    int64_t seconds = duration % 60;
    int64_t minutes = (duration / 60) % 60;
    int64_t hours = (duration / 60 / 60) % 24;
    int64_t days = duration / 60 / 60 / 24;
    if (days != 0) return StrCat(sign, days, "d ", hours, "h ", minutes, "m ", seconds, "s");
    if (hours != 0) return StrCat(sign, hours, "h ", minutes, "m ", seconds, "s");
    if (minutes != 0) return StrCat(sign, minutes, "m ", seconds, "s");
    return StrCat(sign, FormatG4(v, "s"));
  }
  std::string_view prefix = SmallPrefix(v);
  return FormatG4(v, StrCat(prefix, "s"));
}

absl::StatusOr<Template> Template::Parse(std::string_view text) {
  Template t;
  size_t pos = 0;
  std::string pending;  // literal text not yet emitted (so "{{-" can trim it)
  auto flush = [&] {
    if (!pending.empty()) t.pieces_.push_back({Kind::kText, std::move(pending)});
    pending.clear();
  };
  bool trim_next = false;
  while (pos <= text.size()) {
    size_t open = text.find("{{", pos);
    std::string_view lit =
        text.substr(pos, open == std::string_view::npos ? text.size() - pos : open - pos);
    if (trim_next) {
      while (!lit.empty() && IsSpace(lit.front())) lit.remove_prefix(1);
    }
    pending.append(lit);
    if (open == std::string_view::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          StrCat(Position(text, open), ": unclosed template action (missing \"}}\")"));
    }
    std::string_view inner = text.substr(open + 2, close - open - 2);
    if (inner.starts_with("-") && (inner.size() == 1 || IsSpace(inner[1]))) {
      while (!pending.empty() && IsSpace(pending.back())) pending.pop_back();
      inner.remove_prefix(1);
    }
    trim_next = inner.size() >= 2 && inner.back() == '-' && IsSpace(inner[inner.size() - 2]);
    if (trim_next) inner.remove_suffix(1);
    inner = Trim(inner);
    pos = close + 2;

    if (inner.starts_with("/*") && inner.ends_with("*/") && inner.size() >= 4) continue;
    std::vector<std::string_view> w = Words(inner);
    // Normalize the pipeline form "$value | fn" to "fn $value".
    if (w.size() == 3 && w[1] == "|") w = {w[2], w[0]};
    std::optional<Piece> piece;
    if (w.size() == 1 && w[0] == "$value") {
      piece = Piece{Kind::kValue, ""};
    } else if (w.size() == 1 && w[0].starts_with("$labels.") && IsIdentifier(w[0].substr(8))) {
      piece = Piece{Kind::kLabel, std::string(w[0].substr(8))};
    } else if (w.size() == 2 && w[1] == "$value") {
      if (w[0] == "humanize") piece = Piece{Kind::kHumanize, ""};
      if (w[0] == "humanizePercentage") piece = Piece{Kind::kHumanizePercentage, ""};
      if (w[0] == "humanizeDuration") piece = Piece{Kind::kHumanizeDuration, ""};
    }
    if (!piece) {
      return absl::InvalidArgumentError(
          StrCat(Position(text, open), ": unsupported template action \"{{",
                 text.substr(open + 2, close - open - 2), "}}\" (", kSupported, ")"));
    }
    flush();
    t.pieces_.push_back(std::move(*piece));
  }
  flush();
  return t;
}

bool Template::IsLiteral() const {
  return pieces_.empty() || (pieces_.size() == 1 && pieces_[0].kind == Kind::kText);
}

std::string Template::Expand(const Labels& labels, double value) const {
  std::string out;
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case Kind::kText:
        out += p.text;
        break;
      case Kind::kLabel:
        for (const Label& l : labels) {
          if (l.name == p.text) out += l.value;
        }
        break;
      case Kind::kValue:
        out += FormatGoFloat(value);
        break;
      case Kind::kHumanize:
        out += Humanize(value);
        break;
      case Kind::kHumanizePercentage:
        out += HumanizePercentage(value);
        break;
      case Kind::kHumanizeDuration:
        out += HumanizeDuration(value);
        break;
    }
  }
  return out;
}

absl::StatusOr<std::string> ExpandTemplate(std::string_view text, const Labels& labels,
                                           double value) {
  auto t = Template::Parse(text);
  if (!t.ok()) return t.status();
  return t->Expand(labels, value);
}

}  // namespace vigie::daemon::rules
