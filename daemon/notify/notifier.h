// Notifier: one delivery channel (e-mail, webhook, chat, Alertmanager, exec).
//
// Contract: Notify() makes one delivery attempt of one Notification and says
// whether it worked and, if not, whether trying again may help (Alertmanager's
// "(retryable, error)"). Retrying is the Retrier's job, never the notifier's.
// Notify() never throws: exceptions from libraries are caught inside it and
// turned into a non-retryable status. Secrets never appear in the status.
//
// Threading: Notify() runs on a notification worker thread and may block on
// I/O, always bounded by the channel's timeouts; it must never be called on a
// gRPC or Asio thread. Implementations are immutable after construction, so
// Notify() may be called from several threads at once.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "daemon/notify/notification.h"

namespace vigie::daemon::notify {

struct NotifyResult {
  absl::Status status;  // OK: delivered (or deliberately skipped, e.g. send_resolved: false)
  bool retryable = false;
  // The peer asked to wait this long before trying again (HTTP Retry-After).
  std::optional<std::chrono::milliseconds> retry_after;

  static NotifyResult Ok() { return {absl::OkStatus(), false, std::nullopt}; }
  static NotifyResult Retryable(absl::Status s,
                                std::optional<std::chrono::milliseconds> after = std::nullopt) {
    return {std::move(s), true, after};
  }
  static NotifyResult Permanent(absl::Status s) { return {std::move(s), false, std::nullopt}; }
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // "email", "webhook", "slack", "mattermost", "teams", "alertmanager", "exec".
  virtual std::string_view channel() const = 0;
  virtual NotifyResult Notify(const Notification& n) = 0;
};

// Whether a notifier configured with `send_resolved` should skip `n`.
inline bool SkipResolved(const Notification& n, bool send_resolved) {
  return !send_resolved && n.kind == NotificationKind::kResolved;
}

}  // namespace vigie::daemon::notify
