// Notification: what the routing/escalation stage hands to notifiers, one per
// (receiver, alert group, send), and its stable JSON payload (version "1",
// documented in docs/notifications.md, modelled on Alertmanager's webhook
// payload so that existing webhook receivers understand it).
//
// Plain data, copyable; the functions here are pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/alerting/alert.h"

namespace vigie::daemon::notify {

using StringMap = std::map<std::string, std::string>;

enum class NotificationKind {
  kFiring,    // at least one alert of the group is firing
  kResolved,  // every alert of the group is resolved
  kFlapping,  // the single notice sent when alerts start flapping (then paused)
  kHandoff,   // an on-call shift starts: sent to the person taking it (docs/oncall.md)
};

// "firing", "resolved", "flapping", "handoff".
const char* NotificationKindName(NotificationKind k);

// The person a page is for (escalation); empty for a receiver's own
// notification. E-mail goes to `email` instead of the configured `to`; exec
// gets VIGIE_RECIPIENT_*; webhooks get a "recipient" object.
struct Recipient {
  std::string name;
  std::string email;
  std::string phone;
  std::string chat;
  bool empty() const { return name.empty(); }
};

struct Notification {
  std::string receiver;
  std::string group_key;
  StringMap group_labels;
  StringMap common_labels;       // labels shared by every alert
  StringMap common_annotations;  // annotations shared by every alert
  NotificationKind kind = NotificationKind::kFiring;
  std::vector<Alert> alerts;
  uint64_t sequence = 0;        // n-th notification of this group
  std::string idempotency_key;  // IdempotencyKey(group_key, alerts, sequence)
  std::string external_url;     // vigied's external URL, e.g. "https://vigie.example.com"
  std::string ack_url;          // signed acknowledgement link (pages of an incident)
  int64_t incident_id = 0;      // the incident this notification is about (0: none)
  Recipient recipient;          // pages only
};

// Stable across processes and restarts: a hash of the group key, each alert's
// fingerprint and state (in fingerprint order) and the sequence number. The
// same notification re-sent (retry, restart) has the same key.
std::string IdempotencyKey(const std::string& group_key, const std::vector<Alert>& alerts,
                           uint64_t sequence);

// Builds a notification: common labels/annotations, kind (firing unless every
// alert is resolved; flapping when any alert flaps) and idempotency key.
Notification MakeNotification(std::string receiver, std::string group_key, StringMap group_labels,
                              std::vector<Alert> alerts, uint64_t sequence,
                              std::string external_url);

// Alertmanager-compatible status of one alert / of the notification:
// "firing" or "resolved" (a flapping notice has status "firing", flapping true).
const char* AlertStatus(const Alert& a);
const char* NotificationStatus(const Notification& n);

// RFC 3339 UTC with milliseconds, "2026-11-29T06:52:42.123Z". 0 -> "0001-01-01T00:00:00Z"
// (Go's zero time, as Alertmanager writes an unset endsAt).
std::string FormatRfc3339(int64_t unix_ms);

// Labels of an alert as a map (for JSON and templates).
StringMap LabelsToMap(const Labels& labels);

// The JSON payload (version "1"); `indent` < 0 gives a single line.
std::string NotificationJson(const Notification& n, int indent = -1);

// Vigie's own lossless form of a Notification (every field, alert times in
// ms, fingerprints as 16 hex digits), for the store's outbox; not a public
// format. Decode fails (InvalidArgument) on anything Encode did not write.
std::string EncodeNotification(const Notification& n);
absl::StatusOr<Notification> DecodeNotification(std::string_view text);

}  // namespace vigie::daemon::notify
