// Helpers for reading YAML configuration files with errors that name the place
// (`file:line: message`), and that report unknown keys instead of ignoring them.
//
// Typical use:
//   ConfigErrors errors(path);
//   auto root = LoadYamlFile(path, errors);
//   MapReader r(root, "", errors);
//   r.Duration("interval", cfg.interval);
//   r.Finish();
//   if (!errors.empty()) return errors.ToStatus();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/matcher.h"
#include "yaml-cpp/yaml.h"

namespace vigie {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when not meaningful
  std::string message;
  std::string ToString() const;  // "file:line: message" or "file:line:col: message"
};

// Collects every error of one file, so a user sees them all at once.
class ConfigErrors {
 public:
  explicit ConfigErrors(std::string file) : file_(std::move(file)) {}

  void Add(const YAML::Node& at, std::string message);
  void AddAtLine(int line, std::string message);
  void AddAtLineColumn(int line, int column, std::string message);
  void AddAt(const YAML::Mark& mark, std::string message);

  bool empty() const { return errors_.empty(); }
  const std::vector<ConfigError>& errors() const { return errors_; }
  const std::string& file() const { return file_; }
  // One error per line; InvalidArgument. OK when empty.
  absl::Status ToStatus() const;

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

// Parses a file. On a syntax error, records it (with line and column) and
// returns an undefined node.
YAML::Node LoadYamlFile(const std::string& path, ConfigErrors& errors);
YAML::Node LoadYamlString(const std::string& text, ConfigErrors& errors);

// The whole file, or InvalidArgument "path: cannot read: reason".
absl::StatusOr<std::string> ReadConfigFile(const std::string& path);

// Reads the keys of one mapping. `where` is the dotted path of the mapping, for
// messages ("ingest", "host.labels"). A null/undefined node reads as empty.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string where, ConfigErrors& errors);

  // Each reader leaves `out` unchanged when the key is absent, records an error
  // (and leaves `out` unchanged) when the value is invalid.
  void String(std::string_view key, std::string& out);
  void Bool(std::string_view key, bool& out);
  void UInt(std::string_view key, uint64_t& out, uint64_t min = 0, uint64_t max = UINT64_MAX);
  void Duration(std::string_view key, std::chrono::milliseconds& out,
                std::chrono::milliseconds min = std::chrono::milliseconds(0));
  void Bytes(std::string_view key, uint64_t& out, uint64_t min = 0);
  void StringList(std::string_view key, std::vector<std::string>& out);
  // A mapping of string to string (e.g. labels); values must be scalars.
  void StringMap(std::string_view key, std::map<std::string, std::string>& out);
  // A log level: trace, debug, info, warn, error or off.
  void LogLevel(std::string_view key, std::string& out);
  // A string that must be one of `allowed`.
  void OneOf(std::string_view key, std::string& out,
             std::initializer_list<std::string_view> allowed);
  // Like StringMap, and each key must be a valid Prometheus label name other
  // than "host" (which vigied sets itself).
  void LabelMap(std::string_view key, std::map<std::string, std::string>& out);
  // A list of label matchers in Alertmanager's string form
  // (`severity=~"critical|warning"`, spaces around the operator allowed), each
  // parsed with Matcher::Parse; an invalid one is reported at its own line.
  void MatcherList(std::string_view key, std::vector<Matcher>& out);
  // A nested mapping; returns an undefined node when absent. Marks the key used.
  YAML::Node Map(std::string_view key);
  // A nested sequence; returns an undefined node when absent. Marks the key used.
  YAML::Node Sequence(std::string_view key);

  // Reports every key that no reader asked for.
  void Finish();

  std::string Path(std::string_view key) const;
  ConfigErrors& errors() { return errors_; }

 private:
  std::optional<YAML::Node> Get(std::string_view key);
  // A mapping of string to string; `key_ok` (optional) vets each key and
  // records its own error. `out` is left unchanged if anything is wrong.
  void ReadMap(std::string_view key, std::map<std::string, std::string>& out,
               const std::function<bool(const YAML::Node&, const std::string&)>& key_ok);

  YAML::Node node_;
  std::string where_;
  ConfigErrors& errors_;
  std::set<std::string, std::less<>> used_;
  bool valid_ = true;
};

}  // namespace vigie
