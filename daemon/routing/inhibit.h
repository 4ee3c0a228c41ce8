// Inhibition, as Alertmanager's inhibit_rules: an alert that matches a rule's
// target_matchers is muted while some firing alert matches its
// source_matchers and has the same value for every `equal` label (a label
// absent on both sides counts as equal). When an alert matches both the
// source and the target side of a rule, only a source that does not itself
// match the target side can mute it, so an alert never mutes itself and two
// alerts of the same rule never mute each other.
//
// Example: HostDown mutes every other alert of the same host:
//   inhibit_rules:
//     - source_matchers: ['alertname="HostDown"']
//       target_matchers: ['alertname!="HostDown"']
//       equal: [host]
//
// The set of firing alerts is handed in with Update() (after each rule
// evaluation); time does not matter to inhibition beyond that.
//
// Thread-safety: none; the owner serializes Update() and Mutes().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/matcher.h"
#include "daemon/alerting/alert.h"
#include "daemon/routing/muter.h"
#include "yaml-cpp/yaml.h"

namespace vigie::daemon::routing {

struct InhibitRule {
  std::vector<Matcher> source_matchers;
  std::vector<Matcher> target_matchers;
  std::vector<std::string> equal;  // label names
};

class Inhibitor final : public Muter {
 public:
  explicit Inhibitor(std::vector<InhibitRule> rules);

  // Replaces the set of source candidates. Only alerts in state kFiring count.
  void Update(const std::vector<Alert>& firing);

  bool Mutes(const Labels& alert_labels, int64_t now_ms) const override;
  // id "inhibit_rules[i]", detail the inhibiting alert's labels.
  std::optional<MuteReason> Reason(const Labels& alert_labels, int64_t now_ms) const override;

  const std::vector<InhibitRule>& rules() const { return rules_; }

 private:
  struct Found {
    size_t rule = 0;
    const Labels* source = nullptr;
  };
  std::optional<Found> Find(const Labels& alert_labels) const;

  std::vector<InhibitRule> rules_;            // constant after construction
  std::vector<std::vector<Labels>> sources_;  // per rule: firing alerts matching its source
};

// Reads the `inhibit_rules:` section (a list). Errors as `file:line: message`:
// unknown keys, bad matchers, missing source or target matchers (Vigie refuses
// them: an empty side would match every alert), invalid label names in equal.
std::vector<InhibitRule> ParseInhibitRules(const YAML::Node& node, ConfigErrors& errors);

}  // namespace vigie::daemon::routing
