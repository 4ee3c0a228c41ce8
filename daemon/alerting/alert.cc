#include "daemon/alerting/alert.h"

namespace vigie::daemon {

const char* AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
    default:
      return "inactive";
  }
}

std::optional<AlertState> ParseAlertState(std::string_view name) {
  for (AlertState s :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
    if (name == AlertStateName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace vigie::daemon
