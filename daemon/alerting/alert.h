// Alert: one instance of an alerting rule for one label set, as the rule
// engine hands it to the rest of the pipeline (routing, silences, notifiers).
// Plain data, copyable; identity is `fingerprint` (of `labels`).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/labels.h"

namespace vigie::daemon {

enum class AlertState {
  kInactive,
  kPending,  // condition true, waiting for `for`
  kFiring,
  kResolved,  // was firing, condition false (kept for notification)
};

// "inactive", "pending", "firing", "resolved".
const char* AlertStateName(AlertState s);
// Inverse of AlertStateName; nullopt for anything else.
std::optional<AlertState> ParseAlertState(std::string_view name);

struct Alert {
  std::string rule;   // alert name (also labels' "alertname")
  std::string group;  // rule group name
  Labels labels;      // sorted; includes alertname and the rule's labels
  std::map<std::string, std::string> annotations;  // summary, description, runbook_url...
  AlertState state = AlertState::kInactive;
  double value = 0;            // value of the expression sample that triggered it
  int64_t active_at_ms = 0;    // when the condition first became true
  int64_t fired_at_ms = 0;     // when it became firing (0 if never)
  int64_t resolved_at_ms = 0;  // when it resolved (0 if not)
  int64_t last_eval_ms = 0;
  bool flapping = false;     // state changes too often (see flap detection)
  uint64_t fingerprint = 0;  // Fingerprint("", labels)
};

}  // namespace vigie::daemon
