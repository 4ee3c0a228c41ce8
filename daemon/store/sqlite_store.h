// SqliteStore: the embedded Store, one SQLite database file in WAL mode.
//
// Schema changes are numbered migrations applied at Open(); the version lives
// in `PRAGMA user_version`. A database newer than this binary is refused.
//
// Thread-safe: one connection guarded by a mutex (writes are serialised by
// SQLite anyway; vigied batches them in DurableWriter).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/store/store.h"

struct sqlite3;

namespace vigie::daemon {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database at `path` and migrates it.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  absl::StatusOr<std::vector<HostRecord>> LoadHosts() override;
  absl::Status SaveHosts(const std::vector<HostRecord>& hosts) override;

  absl::StatusOr<std::vector<Alert>> LoadAlerts() override;
  absl::Status SaveGroupAlerts(const std::string& group, const std::vector<Alert>& alerts) override;

  absl::StatusOr<std::vector<routing::SilenceRecord>> LoadSilences() override;
  absl::Status SaveSilence(const routing::SilenceRecord& silence,
                           const AuditRecord& audit) override;
  absl::Status DeleteSilences(const std::vector<std::string>& ids) override;

  absl::StatusOr<std::vector<DispatchGroupRecord>> LoadDispatchGroups() override;
  using Store::CommitDispatch;  // the 3-argument convenience overload
  absl::Status CommitDispatch(const std::vector<DispatchGroupRecord>& groups,
                              const std::vector<std::string>& removed,
                              std::vector<OutboxRecord>& outbox,
                              const IncidentChanges& incidents) override;
  absl::StatusOr<std::vector<OutboxRecord>> LoadPendingOutbox() override;
  absl::Status FinishOutbox(int64_t id, OutboxState state, int attempts, const std::string& error,
                            int64_t finished_ms) override;
  absl::StatusOr<std::vector<OutboxRecord>> ListNotifications(size_t limit) override;
  absl::StatusOr<size_t> PruneNotifications(int64_t before_ms) override;

  absl::StatusOr<std::vector<IncidentRecord>> ListIncidents(const IncidentQuery& q) override;
  absl::StatusOr<IncidentRecord> GetIncident(int64_t id) override;
  absl::StatusOr<int64_t> MaxIncidentId() override;
  absl::StatusOr<std::vector<TimelineRecord>> ListTimeline(int64_t incident_id) override;
  absl::StatusOr<std::vector<TimelineRecord>> ListTimelines(int64_t from_ms,
                                                            int64_t to_ms) override;

  absl::StatusOr<std::vector<oncall::Override>> LoadOverrides() override;
  absl::Status SaveOverride(const oncall::Override& o, const AuditRecord& audit) override;
  absl::Status DeleteOverride(const std::string& id, const AuditRecord& audit) override;

  absl::Status AppendAudit(const AuditRecord& audit) override;
  absl::StatusOr<std::vector<AuditRecord>> ListAudit(size_t limit) override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  absl::Status Migrate();
  absl::Status Exec(const char* sql);
  // Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back when `body` or
  // the COMMIT fails and returns that error. The caller holds mu_.
  absl::Status InTransaction(const std::function<absl::Status()>& body);
  // Inserts one audit row; inside a transaction, caller holds mu_.
  absl::Status InsertAudit(const AuditRecord& audit);
  // Upserts incidents, appends timeline rows and records used tokens (the
  // incident part of CommitDispatch); inside a transaction, caller holds mu_.
  absl::Status WriteIncidentChanges(const IncidentChanges& changes);

  std::mutex mu_;
  sqlite3* db_;  // owned; guarded by mu_
};

}  // namespace vigie::daemon
