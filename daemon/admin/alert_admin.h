// AlertAdmin: what the administrator's API (AdminService) may ask of the
// alerting side of vigied: list alerts, manage silences, reload the
// configuration, read the audit log. Implemented by the daemon's alert
// pipeline; a fake in tests. Keeps AdminService free of routing internals.
//
// Every mutation takes the actor (who asked, as AdminService makes it from
// the request and the peer address) and is written to the audit log by the
// implementation.
//
// Thread-safety: implementations are thread-safe; calls may block briefly on
// a store commit but never on the network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/alerting/alert.h"
#include "daemon/oncall/schedule.h"
#include "daemon/routing/muter.h"
#include "daemon/routing/silences.h"
#include "daemon/store/store.h"

namespace vigie::daemon {

struct AlertView {
  Alert alert;
  // Why it is not notified now (silence, maintenance window, inhibition).
  std::optional<routing::MuteReason> muted;
};

struct ReloadResult {
  std::string config_file;  // "" when running on embedded defaults
  size_t rules = 0;         // alerting rules loaded
  size_t receivers = 0;
};

class AlertAdmin {
 public:
  virtual ~AlertAdmin() = default;

  // Every current alert (pending, firing, resolved-kept), by rule group then labels.
  virtual std::vector<AlertView> ListAlerts() const = 0;

  // Adds a silence (validated as routing::Silences::Add; InvalidArgument says
  // what is wrong). `created_by` in `silence` is replaced by `actor`.
  virtual absl::StatusOr<std::string> AddSilence(routing::Silence silence,
                                                 const std::string& actor) = 0;
  // Silences in `state` now (all when nullopt).
  virtual std::vector<routing::Silence> ListSilences(
      std::optional<routing::SilenceState> state) const = 0;
  // NotFound for an unknown id, FailedPrecondition when already expired.
  virtual absl::Status ExpireSilence(const std::string& id, const std::string& actor) = 0;

  // Re-reads the configuration file and applies it; on any error (returned
  // with file:line messages) the running configuration is kept untouched.
  virtual absl::StatusOr<ReloadResult> Reload(const std::string& actor) = 0;

  // Newest first, at most `limit` entries.
  virtual absl::StatusOr<std::vector<AuditRecord>> ListAudit(size_t limit) const = 0;

  // Incidents (docs/oncall.md). Actions: NotFound for an unknown or closed
  // incident (resolve also takes a closed one, to record its cause),
  // FailedPrecondition for an impossible transition (acknowledging an
  // acknowledged incident), InvalidArgument for an unknown user or cause.
  virtual absl::StatusOr<std::vector<IncidentRecord>> ListIncidents(
      const IncidentQuery& q) const = 0;
  virtual absl::StatusOr<IncidentRecord> GetIncident(int64_t id) const = 0;
  virtual absl::StatusOr<std::vector<TimelineRecord>> IncidentTimeline(int64_t id) const = 0;
  enum class IncidentAction { kAcknowledge, kUnacknowledge, kResolve, kReassign, kComment };
  struct IncidentRequest {
    int64_t id = 0;
    IncidentAction action = IncidentAction::kAcknowledge;
    std::string actor;
    std::string comment;
    std::string user;   // kReassign: the new assignee
    std::string cause;  // kResolve: from the configured taxonomy
    std::string owner;  // kResolve: "internal" or a provider's name
  };
  virtual absl::StatusOr<IncidentRecord> ActOnIncident(const IncidentRequest& request) = 0;

  // An incident reported by a person (a user calls: the ERP is slow). It is
  // routed by its labels (alertname="ManualIncident", service, severity) like
  // an alert, escalated and reported like any other, with source "manual".
  struct ManualIncident {
    std::string title;
    std::string service;
    std::string severity = "warning";
    std::string reported_by;
    std::string actor;
  };
  virtual absl::StatusOr<IncidentRecord> OpenIncident(const ManualIncident& request) = 0;

  // On-call. `schedule` empty: every schedule.
  struct OnCallNow {
    std::string schedule;
    std::optional<std::string> user;  // nullopt: nobody (a gap)
    int64_t until_ms = 0;             // end of the current shift (0 in a gap)
  };
  virtual absl::StatusOr<std::vector<OnCallNow>> WhoIsOnCall(const std::string& schedule,
                                                             int64_t at_ms) const = 0;
  // The final shifts of a schedule in [from_ms, to_ms) (overrides included).
  virtual absl::StatusOr<std::vector<oncall::Shift>> RenderSchedule(const std::string& schedule,
                                                                    int64_t from_ms,
                                                                    int64_t to_ms) const = 0;
  struct OverrideRequest {
    std::string schedule;
    std::string user;
    int64_t start_ms = 0;
    int64_t end_ms = 0;
    std::string reason;
    std::string actor;
  };
  // Returns the override's id. InvalidArgument for an unknown schedule/user or
  // end <= start; audited.
  virtual absl::StatusOr<std::string> AddOverride(const OverrideRequest& request) = 0;
  virtual absl::StatusOr<std::vector<oncall::Override>> ListOverrides(
      const std::string& schedule) const = 0;
  // NotFound for an unknown id; audited.
  virtual absl::Status DeleteOverride(const std::string& id, const std::string& actor) = 0;

  // The non-quality report over incidents opened in [from_ms, to_ms), rendered
  // as `format`: "table", "csv", "json" or "html" (InvalidArgument otherwise).
  virtual absl::StatusOr<std::string> Report(int64_t from_ms, int64_t to_ms,
                                             const std::string& format) const = 0;
};

}  // namespace vigie::daemon
