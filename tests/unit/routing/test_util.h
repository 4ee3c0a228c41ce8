// Helpers shared by the routing tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "common/config.h"
#include "common/labels.h"
#include "daemon/alerting/alert.h"

namespace vigie::daemon::routing::testing {

inline Labels L(std::initializer_list<std::pair<std::string, std::string>> kv) {
  Labels out;
  for (const auto& [k, v] : kv) out.push_back({k, v});
  (void)NormalizeLabels(out);
  return out;
}

inline Alert MakeAlert(Labels labels, AlertState state, int64_t fired_at_ms = 0) {
  Alert a;
  a.labels = std::move(labels);
  for (const Label& l : a.labels) {
    if (l.name == "alertname") a.rule = l.value;
  }
  a.state = state;
  a.fired_at_ms = fired_at_ms;
  a.fingerprint = Fingerprint("", a.labels);
  return a;
}

// The errors of `errors` joined by newlines ("" when none).
inline std::string ErrorText(const ConfigErrors& errors) {
  return std::string(errors.ToStatus().message());
}

// One bad configuration and a piece of the message it must produce.
struct ConfigErrorCase {
  const char* yaml;
  const char* expected;
};

// Loads `yaml` as file "vigied.yml", hands the document to `parse(doc,
// errors)` and returns the errors' text.
template <typename Parse>
std::string ConfigErrorText(const char* yaml, Parse parse) {
  ConfigErrors errors("vigied.yml");
  YAML::Node doc = LoadYamlString(yaml, errors);
  parse(doc, errors);
  return ErrorText(errors);
}

}  // namespace vigie::daemon::routing::testing
