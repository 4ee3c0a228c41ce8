#include "daemon/rules/rule_file.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "absl/status/status.h"
#include "common/file.h"
#include "common/labels.h"
#include "common/strings.h"
#include "daemon/rules/template.h"
#include "fmt/format.h"

namespace vigie::daemon::rules {
namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = nl + 1;
  }
  return lines;
}

int Indent(std::string_view line) {
  size_t n = line.find_first_not_of(' ');
  return n == std::string_view::npos ? static_cast<int>(line.size()) : static_cast<int>(n);
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// Splits "L:C: message" (as ParseExpr and Template::Parse report errors).
struct PositionedMessage {
  int line = 0;
  int col = 0;
  std::string_view message;
};
std::optional<PositionedMessage> SplitPosition(std::string_view s) {
  PositionedMessage out;
  auto [p1, e1] = std::from_chars(s.data(), s.data() + s.size(), out.line);
  if (e1 != std::errc() || p1 == s.data() + s.size() || *p1 != ':') return std::nullopt;
  const char* c = p1 + 1;
  auto [p2, e2] = std::from_chars(c, s.data() + s.size(), out.col);
  if (e2 != std::errc() || s.data() + s.size() - p2 < 2 || p2[0] != ':' || p2[1] != ' ') {
    return std::nullopt;
  }
  out.message = s.substr(static_cast<size_t>(p2 + 2 - s.data()));
  if (out.line < 1 || out.col < 1) return std::nullopt;
  return out;
}

// Reads a mapping of label-like names to template strings (labels,
// annotations), checking names and templates.
void ReadTemplates(MapReader& r, std::string_view key, std::string_view what,
                   std::string_view file_text, std::map<std::string, std::string>& out) {
  YAML::Node m = r.Map(key);
  if (!m.IsDefined()) return;
  ConfigErrors& errors = r.errors();
  for (const auto& kv : m) {
    std::string name = kv.first.Scalar();
    if (!IsValidLabelName(name)) {
      errors.Add(kv.first, StrCat("invalid ", what, " name \"", name,
                                  "\" (letters, digits and _, not starting with a digit or __)"));
      continue;
    }
    if (!kv.second.IsScalar()) {
      errors.Add(kv.second, StrCat(what, " \"", name, "\" must be a string"));
      continue;
    }
    auto t = Template::Parse(kv.second.Scalar());
    if (!t.ok()) {
      AddScalarError(errors, file_text, kv.second, StrCat(what, " \"", name, "\": "), t.status());
      continue;
    }
    out[name] = kv.second.Scalar();
  }
}

// The key node of `key` in the mapping `node`, or `node` itself when absent.
YAML::Node Key(const YAML::Node& node, std::string_view key) {
  for (const auto& kv : node) {
    if (kv.first.Scalar() == key) return kv.first;
  }
  return node;
}

void ReadRule(const YAML::Node& node, const std::string& where, std::string_view file_text,
              const RuleFileOptions& options, ConfigErrors& errors, RuleGroup& group) {
  MapReader r(node, where, errors);
  if (!node.IsMap()) return;
  AlertRuleConfig rule;
  rule.file = errors.file();
  rule.line = node.Mark().line + 1;
  std::string record;
  r.String("record", record);
  r.String("alert", rule.name);
  r.String("expr", rule.expr);
  r.Duration("for", rule.for_duration);
  r.Duration("keep_firing_for", rule.keep_firing_for);
  ReadTemplates(r, "labels", "label", file_text, rule.labels);
  ReadTemplates(r, "annotations", "annotation", file_text, rule.annotations);
  r.Finish();

  if (!record.empty()) {
    errors.Add(node["record"],
               StrCat("recording rule \"", record, "\": recording rules are not supported yet"));
    return;
  }
  if (rule.name.empty()) {
    errors.Add(node, StrCat("\"", where, "\": \"alert\" must be set"));
    return;
  }
  if (!IsValidMetricName(rule.name)) {
    errors.Add(node["alert"], StrCat("invalid alert name \"", rule.name,
                                     "\" (must match [a-zA-Z_:][a-zA-Z0-9_:]*)"));
  }
  YAML::Node expr = node["expr"];
  if (!expr.IsDefined() || expr.IsNull() || (expr.IsScalar() && rule.expr.empty())) {
    // An empty value's mark is past its line: report at the key.
    errors.Add(Key(node, "expr"), StrCat("alert \"", rule.name, "\": \"expr\" must be set"));
  } else if (expr.IsScalar()) {
    if (absl::Status st = options.parse_expr(rule.expr); !st.ok()) {
      AddScalarError(errors, file_text, expr, "", st);
    }
  }
  group.rules.push_back(std::move(rule));
}

}  // namespace

void AddScalarError(ConfigErrors& errors, std::string_view file_text, const YAML::Node& node,
                    std::string_view prefix, const absl::Status& status) {
  const std::string msg = StatusMessage(status);
  auto pos = SplitPosition(msg);
  if (!pos) {
    errors.Add(node, StrCat(prefix, msg));
    return;
  }
  FilePosition fp = MapScalarPosition(file_text, node.Mark(), node.Scalar(), pos->line, pos->col);
  errors.AddAtLineColumn(fp.line, fp.column, StrCat(prefix, pos->message));
}

FilePosition MapScalarPosition(std::string_view file_text, const YAML::Mark& mark,
                               std::string_view value, int line, int col) {
  // Offset of (line, col) in the value.
  size_t offset = 0;
  for (int l = 1; l < line; ++l) {
    size_t nl = value.find('\n', offset);
    if (nl == std::string_view::npos) break;
    offset = nl + 1;
  }
  offset += static_cast<size_t>(col - 1);

  std::vector<std::string_view> lines = SplitLines(file_text);
  if (mark.is_null() || mark.line < 0 || static_cast<size_t>(mark.line) >= lines.size()) {
    return {mark.is_null() ? 0 : mark.line + 1, 0};
  }
  // The value's pieces in the file: each is followed by one character of the
  // value (the newline of a literal block, the space of folding).
  struct Piece {
    int line;  // 0-based
    int col;   // 0-based
    int len;
  };
  std::vector<Piece> pieces;
  std::string_view first = lines[static_cast<size_t>(mark.line)];
  char style = static_cast<size_t>(mark.column) < first.size() ? first[mark.column] : ' ';
  if (style == '|' || style == '>') {
    int indent = -1;
    for (size_t l = static_cast<size_t>(mark.line) + 1; l < lines.size(); ++l) {
      if (IsBlank(lines[l])) {
        pieces.push_back({static_cast<int>(l), std::max(indent, 0), 0});
        continue;
      }
      if (indent < 0) indent = Indent(lines[l]);
      if (Indent(lines[l]) < indent) break;
      pieces.push_back({static_cast<int>(l), indent, static_cast<int>(lines[l].size()) - indent});
    }
  } else {
    int start = mark.column + ((style == '"' || style == '\'') ? 1 : 0);
    pieces.push_back({mark.line, start, static_cast<int>(first.size()) - start});
    for (size_t l = static_cast<size_t>(mark.line) + 1; l < lines.size(); ++l) {
      int indent = Indent(lines[l]);
      pieces.push_back({static_cast<int>(l), indent, static_cast<int>(lines[l].size()) - indent});
    }
  }
  size_t remaining = offset;
  for (const Piece& p : pieces) {
    if (remaining <= static_cast<size_t>(p.len)) {
      return {p.line + 1, p.col + static_cast<int>(remaining) + 1};
    }
    remaining -= static_cast<size_t>(p.len) + 1;
  }
  return {mark.line + 1, mark.column + 1};
}

RuleFile ParseRuleFile(std::string_view text, const RuleFileOptions& options,
                       ConfigErrors& errors) {
  RuleFile file;
  file.path = errors.file();
  YAML::Node root = LoadYamlString(std::string(text), errors);
  if (!errors.empty()) return file;
  MapReader top(root, "", errors);
  YAML::Node groups = top.Sequence("groups");
  top.Finish();
  if (!groups.IsDefined()) return file;

  std::map<std::string, int> group_lines;  // name -> line, for duplicates
  for (size_t i = 0; i < groups.size(); ++i) {
    const YAML::Node node = groups[i];
    std::string where = StrCat("groups[", i, "]");
    MapReader g(node, where, errors);
    if (!node.IsMap()) continue;
    RuleGroup group;
    group.file = file.path;
    group.line = node.Mark().line + 1;
    group.interval = options.default_interval;
    g.String("name", group.name);
    g.Duration("interval", group.interval);
    g.UInt("limit", group.limit);
    YAML::Node rules = g.Sequence("rules");
    g.Finish();
    if (group.interval.count() == 0) group.interval = options.default_interval;
    if (group.name.empty()) {
      errors.Add(node, StrCat("\"", where, "\": group \"name\" must be set"));
    } else if (auto [it, added] = group_lines.emplace(group.name, group.line); !added) {
      errors.Add(node["name"],
                 StrCat("group name \"", group.name,
                        "\" is repeated in the same file (first at line ", it->second, ")"));
    }
    if (rules.IsDefined()) {
      for (size_t j = 0; j < rules.size(); ++j) {
        ReadRule(rules[j], StrCat(where, ".rules[", j, "]"), text, options, errors, group);
      }
    }
    file.groups.push_back(std::move(group));
  }
  return file;
}

absl::StatusOr<RuleFile> LoadRuleFile(const std::string& path, const RuleFileOptions& options) {
  ConfigErrors errors(path);
  auto text = ReadFile(path);
  if (!text.ok()) {
    errors.AddAtLine(0, StrCat("cannot read rule file: ", StatusMessage(text.status())));
    return errors.ToStatus();
  }
  RuleFile file = ParseRuleFile(*text, options, errors);
  if (!errors.empty()) return errors.ToStatus();
  return file;
}

absl::StatusOr<std::vector<RuleFile>> LoadRuleFiles(const std::vector<std::string>& patterns,
                                                    const std::string& base_dir,
                                                    const RuleFileOptions& options) {
  auto paths = ExpandRuleFilePatterns(patterns, base_dir);
  if (!paths.ok()) return paths.status();
  std::vector<RuleFile> files;
  std::vector<std::string> errors;
  for (const std::string& path : *paths) {
    auto file = LoadRuleFile(path, options);
    if (!file.ok()) {
      errors.emplace_back(file.status().message());
      continue;
    }
    files.push_back(std::move(*file));
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(fmt::format("{}", fmt::join(errors, "\n")));
  }
  return files;
}

}  // namespace vigie::daemon::rules
