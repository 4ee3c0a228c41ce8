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

}  // namespace vigie::daemon
