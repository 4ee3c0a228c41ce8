#include "common/config.h"

#include <algorithm>

#include "common/file.h"
#include "common/labels.h"
#include "common/strings.h"
#include "common/units.h"
#include "fmt/format.h"

namespace vigie {

std::string ConfigError::ToString() const {
  std::string out = file;
  if (line > 0) StrAppend(out, ":", line);
  if (line > 0 && column > 0) StrAppend(out, ":", column);
  StrAppend(out, ": ", message);
  return out;
}

void ConfigErrors::Add(const YAML::Node& at, std::string message) {
  if (at.IsDefined()) {
    AddAt(at.Mark(), std::move(message));
  } else {
    AddAtLine(0, std::move(message));
  }
}

void ConfigErrors::AddAtLine(int line, std::string message) {
  errors_.push_back({file_, line, 0, std::move(message)});
}

void ConfigErrors::AddAtLineColumn(int line, int column, std::string message) {
  errors_.push_back({file_, line, column, std::move(message)});
}

void ConfigErrors::AddAt(const YAML::Mark& mark, std::string message) {
  errors_.push_back({file_, mark.is_null() ? 0 : mark.line + 1, 0, std::move(message)});
}

absl::Status ConfigErrors::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  std::vector<std::string> lines;
  lines.reserve(errors_.size());
  for (const auto& e : errors_) lines.push_back(e.ToString());
  return absl::InvalidArgumentError(fmt::format("{}", fmt::join(lines, "\n")));
}

namespace {

YAML::Node Parse(const std::string& text, ConfigErrors& errors) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    errors.AddAtLineColumn(e.mark.line + 1, e.mark.column + 1, e.msg);
    return YAML::Node(YAML::NodeType::Undefined);
  }
}

}  // namespace

YAML::Node LoadYamlFile(const std::string& path, ConfigErrors& errors) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    errors.AddAtLine(0, StrCat("cannot read: ", StatusMessage(text.status())));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return Parse(*text, errors);
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        StrCat(path, ": cannot read: ", StatusMessage(text.status())));
  }
  return text;
}

YAML::Node LoadYamlString(const std::string& text, ConfigErrors& errors) {
  return Parse(text, errors);
}

MapReader::MapReader(const YAML::Node& node, std::string where, ConfigErrors& errors)
    : node_(node), where_(std::move(where)), errors_(errors) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    errors_.Add(node_, where_.empty() ? "the top level must be a mapping of keys to values"
                                      : StrCat("\"", where_, "\" must be a mapping"));
    valid_ = false;
  }
}

std::string MapReader::Path(std::string_view key) const {
  return where_.empty() ? std::string(key) : StrCat(where_, ".", key);
}

std::optional<YAML::Node> MapReader::Get(std::string_view key) {
  used_.emplace(key);
  if (!valid_ || !node_.IsMap()) return std::nullopt;
  YAML::Node v = node_[std::string(key)];
  if (!v.IsDefined()) return std::nullopt;
  return v;
}

namespace {

bool Scalar(const YAML::Node& v, std::string_view path, ConfigErrors& errors, std::string& out) {
  if (!v.IsScalar()) {
    errors.Add(v, StrCat("\"", path, "\" must be a single value"));
    return false;
  }
  out = v.Scalar();
  return true;
}

}  // namespace

void MapReader::String(std::string_view key, std::string& out) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  Scalar(*v, Path(key), errors_, out);
}

void MapReader::Bool(std::string_view key, bool& out) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  std::string s;
  if (!Scalar(*v, Path(key), errors_, s)) return;
  if (s == "true" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    out = false;
  } else {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be true or false, not \"", s, "\""));
  }
}

void MapReader::UInt(std::string_view key, uint64_t& out, uint64_t min, uint64_t max) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  std::string s;
  if (!Scalar(*v, Path(key), errors_, s)) return;
  uint64_t n = 0;
  size_t pos = 0;
  bool ok = !s.empty() && s[0] != '-';
  if (ok) {
    try {
      n = std::stoull(s, &pos);
    } catch (...) {
      ok = false;
    }
  }
  if (!ok || pos != s.size()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be a whole number, not \"", s, "\""));
    return;
  }
  if (n < min || n > max) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be between ", min, " and ", max, ", not ", n));
    return;
  }
  out = n;
}

void MapReader::Duration(std::string_view key, std::chrono::milliseconds& out,
                         std::chrono::milliseconds min) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  std::string s;
  if (!Scalar(*v, Path(key), errors_, s)) return;
  auto d = ParseDuration(s);
  if (!d.ok()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\": ", StatusMessage(d.status())));
    return;
  }
  if (*d < min) {
    errors_.Add(*v,
                StrCat("\"", Path(key), "\" must be at least ", FormatDuration(min), ", not ", s));
    return;
  }
  out = *d;
}

void MapReader::Bytes(std::string_view key, uint64_t& out, uint64_t min) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  std::string s;
  if (!Scalar(*v, Path(key), errors_, s)) return;
  auto b = ParseBytes(s);
  if (!b.ok()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\": ", StatusMessage(b.status())));
    return;
  }
  if (*b < min) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be at least ", min, " bytes"));
    return;
  }
  out = *b;
}

void MapReader::StringList(std::string_view key, std::vector<std::string>& out) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  if (!v->IsSequence()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be a list"));
    return;
  }
  std::vector<std::string> result;
  for (const auto& item : *v) {
    std::string s;
    if (!Scalar(item, Path(key), errors_, s)) return;
    result.push_back(std::move(s));
  }
  out = std::move(result);
}

void MapReader::StringMap(std::string_view key, std::map<std::string, std::string>& out) {
  ReadMap(key, out, nullptr);
}

void MapReader::LabelMap(std::string_view key, std::map<std::string, std::string>& out) {
  ReadMap(key, out, [&](const YAML::Node& name_node, const std::string& name) {
    if (IsValidLabelName(name) && name != "host") return true;
    errors_.Add(name_node, StrCat("\"", Path(key), "\": invalid label name \"", name,
                                  "\" (letters, digits and _, not starting with a digit or "
                                  "__; \"host\" is reserved)"));
    return false;
  });
}

void MapReader::ReadMap(std::string_view key, std::map<std::string, std::string>& out,
                        const std::function<bool(const YAML::Node&, const std::string&)>& key_ok) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  if (!v->IsMap()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be a mapping"));
    return;
  }
  std::map<std::string, std::string> result;
  bool ok = true;
  for (const auto& kv : *v) {
    std::string k = kv.first.Scalar();
    if (key_ok && !key_ok(kv.first, k)) {
      ok = false;
      continue;
    }
    std::string s;
    if (!Scalar(kv.second, StrCat(Path(key), ".", k), errors_, s)) {
      ok = false;
      continue;
    }
    result[k] = std::move(s);
  }
  if (ok) out = std::move(result);
}

void MapReader::LogLevel(std::string_view key, std::string& out) {
  OneOf(key, out, {"trace", "debug", "info", "warn", "error", "off"});
}

void MapReader::OneOf(std::string_view key, std::string& out,
                      std::initializer_list<std::string_view> allowed) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  std::string s;
  if (!Scalar(*v, Path(key), errors_, s)) return;
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be one of ",
                           fmt::format("{}", fmt::join(allowed, ", ")), "; not \"", s, "\""));
    return;
  }
  out = std::move(s);
}

void MapReader::MatcherList(std::string_view key, std::vector<Matcher>& out) {
  auto v = Get(key);
  if (!v || v->IsNull()) return;
  if (!v->IsSequence()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be a list of matchers"));
    return;
  }
  std::vector<Matcher> result;
  bool ok = true;
  for (const auto& item : *v) {
    std::string s;
    if (!Scalar(item, Path(key), errors_, s)) {
      ok = false;
      continue;
    }
    // Drop the spaces around the operator: `severity = "critical"`.
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    std::string_view text = s;
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    size_t op = text.find_first_of("=!");
    std::string compact(text);
    if (op != std::string_view::npos) {
      std::string_view name = text.substr(0, op);
      while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
      size_t value = op + 1;
      if (value < text.size() && text[value] == '=' && text[op] == '!') ++value;
      if (value < text.size() && text[value] == '~') ++value;
      std::string_view op_text = text.substr(op, value - op);
      while (value < text.size() && is_space(text[value])) ++value;
      compact = StrCat(name, op_text, text.substr(value));
    }
    auto m = Matcher::Parse(compact);
    if (!m.ok()) {
      errors_.Add(item, StrCat("\"", Path(key), "\": ", StatusMessage(m.status())));
      ok = false;
      continue;
    }
    result.push_back(*std::move(m));
  }
  if (ok) out = std::move(result);
}

YAML::Node MapReader::Map(std::string_view key) {
  auto v = Get(key);
  if (!v || v->IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  if (!v->IsMap()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be a mapping"));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return *v;
}

YAML::Node MapReader::Sequence(std::string_view key) {
  auto v = Get(key);
  if (!v || v->IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  if (!v->IsSequence()) {
    errors_.Add(*v, StrCat("\"", Path(key), "\" must be a list"));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return *v;
}

void MapReader::Finish() {
  if (!valid_ || !node_.IsMap()) return;
  for (const auto& kv : node_) {
    std::string k = kv.first.Scalar();
    if (!used_.contains(k)) {
      errors_.Add(kv.first, StrCat("unknown key \"", Path(k), "\""));
    }
  }
}

}  // namespace vigie
