// Prometheus-shaped label sets and the validation rules vigied enforces on
// everything an agent sends.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace vigie {

struct Label {
  std::string name;
  std::string value;
  auto operator<=>(const Label&) const = default;
};

// Sorted by name, names unique (see NormalizeLabels).
using Labels = std::vector<Label>;

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// Label names: [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved).
bool IsValidLabelName(std::string_view name);
// Valid UTF-8.
bool IsValidUtf8(std::string_view s);

struct LabelLimits {
  size_t max_labels = 32;
  size_t max_name_length = 128;
  size_t max_value_length = 1024;
};

// Checks one sample's name and labels against the Prometheus rules and the
// limits. The error names the offending part, e.g.
//   invalid label name "1x" on metric "node_load1"
absl::Status ValidateSeries(std::string_view metric, const Labels& labels,
                            const LabelLimits& limits);

// The value of label `name` in sorted `labels`, "" when absent (as in
// Prometheus, a missing label and an empty one are the same).
std::string_view GetLabel(const Labels& labels, std::string_view name);

// Sorts by name. Fails on a duplicate name.
absl::Status NormalizeLabels(Labels& labels);

// Stable 64-bit fingerprint (FNV-1a) of a metric name plus sorted labels.
uint64_t Fingerprint(std::string_view metric, const Labels& labels);

// Lowercase 16-digit hex of a fingerprint: how alerts are named to people
// (payloads, templates, vigiectl).
std::string FingerprintHex(uint64_t fingerprint);

// Builds the same fingerprint piece by piece: Add(metric), then Add(name) and
// Add(value) for each label in name order. Lets callers hash labels held in
// other containers (e.g. protobuf messages) without copying them.
class FingerprintBuilder {
 public:
  void Add(std::string_view s);
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 14695981039346656037ULL;
};

// Appends `value` double-quoted, with Prometheus escaping (\\, \", \n).
void AppendQuoted(std::string& out, std::string_view value);

// Renders `metric{a="b",c="d"}` with Prometheus escaping, for messages.
std::string FormatSeries(std::string_view metric, const Labels& labels);

}  // namespace vigie
