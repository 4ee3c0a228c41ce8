#include "daemon/notify/webhook/webhook_notifier.h"

namespace vigie::daemon::notify {

NotifyResult WebhookNotifier::Notify(const Notification& n) {
  if (SkipResolved(n, config_.send_resolved)) return NotifyResult::Ok();
  return PostJson(curl_, config_.endpoint, NotificationJson(n),
                  {{"Idempotency-Key", n.idempotency_key}}, channel(), clock_);
}

}  // namespace vigie::daemon::notify
