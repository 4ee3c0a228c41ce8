// Store: the daemon's durable state: hosts, alerts, silences, the
// notification dispatcher's state and outbox (the notification log), and the
// audit log. SQLite is the embedded implementation;
// PostgreSQL implements the same interface for shared deployments.
//
// Every method is a complete transaction: when it returns OK the change is
// durable (SQLite WAL, synchronous=FULL). Implementations are thread-safe, but
// vigied funnels writes through one DurableWriter thread for group commit.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "daemon/alerting/alert.h"
#include "daemon/oncall/schedule.h"
#include "daemon/routing/silences.h"

namespace vigie::daemon {

struct HostRecord {
  std::string name;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  std::string agent_version;
  Labels labels;            // host labels from the agent's config (env, role, team...)
  std::string inventory;    // serialized vigie.v1.Inventory
  int64_t interval_ms = 0;  // the agent's collection interval
  uint64_t last_applied_seq = 0;
  std::string config_hash;
};

// What the notification dispatcher remembers of one alert group between
// restarts (routing::Dispatcher's per-group bookkeeping).
struct DispatchGroupRecord {
  std::string group_key;  // routing::GroupNotification::group_key
  std::string receiver;
  bool notified = false;
  int64_t last_notify_ms = 0;
  uint64_t sequence = 0;                // notifications sent for this group so far
  std::vector<uint64_t> last_firing;    // fingerprints notified as firing, sorted
  std::vector<uint64_t> last_flapping;  // of those, the ones notified as flapping
};

enum class OutboxState { kPending, kSent, kFailed };
// "pending", "sent", "failed".
const char* OutboxStateName(OutboxState s);

// One notification to deliver through one notifier of a receiver (the outbox
// pattern): written as pending in the same transaction as the dispatcher
// state that produced it, marked sent or failed when delivery ends. Pending
// rows are delivered again after a restart. Finished rows are the
// notification log.
struct OutboxRecord {
  int64_t id = 0;  // assigned by the store on insert
  std::string receiver;
  int notifier_index = 0;  // position of the notifier in the receiver's config
  std::string channel;     // "email", "webhook", ...
  std::string group_key;
  std::string kind;     // "firing", "resolved", "flapping"
  std::string payload;  // the Notification, serialized by the pipeline (opaque here)
  int64_t created_ms = 0;
  OutboxState state = OutboxState::kPending;
  int64_t finished_ms = 0;  // when sent or given up; 0 while pending
  int attempts = 0;
  std::string error;  // last error when failed
};

// One administrative mutation: who did what, when.
struct AuditRecord {
  int64_t id = 0;  // assigned by the store on insert
  int64_t at_ms = 0;
  std::string actor;   // e.g. "alice (ipv4:127.0.0.1:51234)"
  std::string action;  // e.g. "silence.add", "silence.expire", "config.reload"
  std::string object;  // e.g. the silence id, the config file
  std::string detail;  // free text (matchers, comment, outcome)
};

// An incident: one per alert group that notified (or opened by hand), with
// its escalation state. Written by the notification pipeline only, which
// assigns ids (MaxIncidentId() + 1 at start).
struct IncidentRecord {
  int64_t id = 0;
  std::string group_key;  // "" for an incident opened by hand
  std::string title;
  std::string source;       // "alert" or "manual"
  std::string reported_by;  // manual: who reported it
  std::string service;
  std::string severity;
  std::string host;   // the alerts' common host label, "" when several
  std::string rule;   // the alerts' common alertname, "" when several
  Labels labels;      // the group's common labels
  std::string state;  // "triggered", "acknowledged", "resolved"
  int64_t opened_ms = 0;
  int64_t acked_ms = 0;  // first acknowledgement (0: never)
  std::string acked_by;
  int64_t resolved_ms = 0;
  std::string resolved_by;
  std::string assignee;
  std::string cause;            // from the configured taxonomy, "" until recorded
  std::string owner;            // "internal" or a provider's name, "" until recorded
  std::string policy;           // escalation policy, "" for none
  int step = 0;                 // next escalation step
  int round = 0;                // repetitions of the policy done
  int64_t next_step_ms = 0;     // when the next step is due; 0: nothing scheduled
  std::string escalation_json;  // engine-private state (delayed contacts...), opaque here
};

// One line of an incident's timeline.
struct TimelineRecord {
  int64_t incident_id = 0;
  int64_t at_ms = 0;
  std::string kind;   // "triggered", "notified", "paged", "escalated", "acknowledged",
                      // "unacknowledged", "reassigned", "silenced", "resolved", "comment"...
  std::string actor;  // who (a user, "vigied", a CLI actor)
  std::string detail;
};

// What a dispatch commits about incidents, with the rest of CommitDispatch.
struct IncidentChanges {
  std::vector<IncidentRecord> upserts;   // inserted or replaced by id
  std::vector<TimelineRecord> timeline;  // appended
  // Acknowledgement-link token ids consumed by this change: a token already
  // used makes the whole commit fail with AlreadyExists (links are single-use).
  std::vector<std::string> used_tokens;
  bool empty() const { return upserts.empty() && timeline.empty() && used_tokens.empty(); }
};

struct IncidentQuery {
  int64_t from_ms = 0;                                  // opened_ms >= from_ms
  int64_t to_ms = std::numeric_limits<int64_t>::max();  // opened_ms < to_ms
  bool open_only = false;                               // state != "resolved"
  size_t limit = 0;                                     // 0: no limit
};

class Store {
 public:
  virtual ~Store() = default;

  virtual absl::StatusOr<std::vector<HostRecord>> LoadHosts() = 0;
  // Inserts or replaces every record, in one transaction.
  virtual absl::Status SaveHosts(const std::vector<HostRecord>& hosts) = 0;

  // Alerts: the active alerts (pending, firing, resolved-kept) of each rule
  // group, as the rule manager last reported them.
  virtual absl::StatusOr<std::vector<Alert>> LoadAlerts() = 0;
  // Replaces every stored alert of `group` by `alerts` (empty: deletes them).
  virtual absl::Status SaveGroupAlerts(const std::string& group,
                                       const std::vector<Alert>& alerts) = 0;

  // Silences (every state, until garbage-collected).
  virtual absl::StatusOr<std::vector<routing::SilenceRecord>> LoadSilences() = 0;
  // Inserts or replaces `silence` and appends `audit`, in one transaction.
  virtual absl::Status SaveSilence(const routing::SilenceRecord& silence,
                                   const AuditRecord& audit) = 0;
  virtual absl::Status DeleteSilences(const std::vector<std::string>& ids) = 0;

  // Dispatcher state and outbox.
  virtual absl::StatusOr<std::vector<DispatchGroupRecord>> LoadDispatchGroups() = 0;
  // One transaction: upserts `groups`, deletes the groups named in `removed`,
  // inserts `outbox` rows (their `id` is set on success).
  virtual absl::Status CommitDispatch(const std::vector<DispatchGroupRecord>& groups,
                                      const std::vector<std::string>& removed,
                                      std::vector<OutboxRecord>& outbox,
                                      const IncidentChanges& incidents) = 0;
  absl::Status CommitDispatch(const std::vector<DispatchGroupRecord>& groups,
                              const std::vector<std::string>& removed,
                              std::vector<OutboxRecord>& outbox) {
    return CommitDispatch(groups, removed, outbox, IncidentChanges{});
  }
  // Pending outbox rows, by id.
  virtual absl::StatusOr<std::vector<OutboxRecord>> LoadPendingOutbox() = 0;
  // Marks a row sent or failed with its attempts, error and finished_ms.
  virtual absl::Status FinishOutbox(int64_t id, OutboxState state, int attempts,
                                    const std::string& error, int64_t finished_ms) = 0;
  // The notification log, newest first, at most `limit` rows.
  virtual absl::StatusOr<std::vector<OutboxRecord>> ListNotifications(size_t limit) = 0;
  // Deletes finished rows with finished_ms < `before_ms`; returns how many.
  virtual absl::StatusOr<size_t> PruneNotifications(int64_t before_ms) = 0;

  // Incidents, newest first (by id).
  virtual absl::StatusOr<std::vector<IncidentRecord>> ListIncidents(const IncidentQuery& q) = 0;
  // NotFound for an unknown id.
  virtual absl::StatusOr<IncidentRecord> GetIncident(int64_t id) = 0;
  // 0 when there is none.
  virtual absl::StatusOr<int64_t> MaxIncidentId() = 0;
  // An incident's timeline, oldest first.
  virtual absl::StatusOr<std::vector<TimelineRecord>> ListTimeline(int64_t incident_id) = 0;
  // Timelines of the incidents opened in [from_ms, to_ms), by incident then time.
  virtual absl::StatusOr<std::vector<TimelineRecord>> ListTimelines(int64_t from_ms,
                                                                    int64_t to_ms) = 0;

  // On-call overrides (run-time changes to schedules), every one until deleted.
  virtual absl::StatusOr<std::vector<oncall::Override>> LoadOverrides() = 0;
  // Inserts `o` (its id chosen by the caller) and appends `audit`, in one transaction.
  virtual absl::Status SaveOverride(const oncall::Override& o, const AuditRecord& audit) = 0;
  // NotFound for an unknown id; appends `audit` in the same transaction.
  virtual absl::Status DeleteOverride(const std::string& id, const AuditRecord& audit) = 0;

  // Audit log.
  virtual absl::Status AppendAudit(const AuditRecord& audit) = 0;
  // Newest first, at most `limit` rows.
  virtual absl::StatusOr<std::vector<AuditRecord>> ListAudit(size_t limit) = 0;
};

}  // namespace vigie::daemon
