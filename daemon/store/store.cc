#include "daemon/store/store.h"

namespace vigie::daemon {

const char* OutboxStateName(OutboxState s) {
  switch (s) {
    case OutboxState::kSent:
      return "sent";
    case OutboxState::kFailed:
      return "failed";
    default:
      return "pending";
  }
}

}  // namespace vigie::daemon
