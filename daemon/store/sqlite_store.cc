#include "daemon/store/sqlite_store.h"

#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <type_traits>

#include "common/status.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace vigie::daemon {
namespace {

// Numbered schema migrations; index i brings user_version from i to i + 1.
// Append only: never edit a migration that has shipped.
constexpr const char* kMigrations[] = {
    R"sql(
    CREATE TABLE hosts (
      name TEXT PRIMARY KEY,
      first_seen_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      agent_version TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      inventory BLOB NOT NULL,
      interval_ms INTEGER NOT NULL,
      last_applied_seq INTEGER NOT NULL,
      config_hash TEXT NOT NULL
    ) STRICT;
    )sql",
    // 2: alerts, silences, dispatcher state, outbox (notification log), audit log.
    R"sql(
    CREATE TABLE alerts (
      rule_group TEXT NOT NULL,
      fingerprint INTEGER NOT NULL,
      rule TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      annotations_json TEXT NOT NULL,
      state TEXT NOT NULL,
      value REAL,
      active_at_ms INTEGER NOT NULL,
      fired_at_ms INTEGER NOT NULL,
      resolved_at_ms INTEGER NOT NULL,
      last_eval_ms INTEGER NOT NULL,
      flapping INTEGER NOT NULL,
      PRIMARY KEY (rule_group, fingerprint)
    ) STRICT;
    CREATE TABLE silences (
      id TEXT PRIMARY KEY,
      matchers_json TEXT NOT NULL,
      starts_at_ms INTEGER NOT NULL,
      ends_at_ms INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      comment TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE dispatch_groups (
      group_key TEXT PRIMARY KEY,
      receiver TEXT NOT NULL,
      notified INTEGER NOT NULL,
      last_notify_ms INTEGER NOT NULL,
      sequence INTEGER NOT NULL,
      last_firing_json TEXT NOT NULL,
      last_flapping_json TEXT NOT NULL
    ) STRICT;
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      receiver TEXT NOT NULL,
      notifier_index INTEGER NOT NULL,
      channel TEXT NOT NULL,
      group_key TEXT NOT NULL,
      kind TEXT NOT NULL,
      payload BLOB NOT NULL,
      created_ms INTEGER NOT NULL,
      state TEXT NOT NULL,
      finished_ms INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      error TEXT NOT NULL
    ) STRICT;
    CREATE INDEX outbox_by_state ON outbox (state);
    CREATE INDEX outbox_by_finished ON outbox (finished_ms);
    CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY,
      at_ms INTEGER NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      object TEXT NOT NULL,
      detail TEXT NOT NULL
    ) STRICT;
    )sql",
    // 3: incidents, their timelines, used acknowledgement-link tokens.
    R"sql(
    CREATE TABLE incidents (
      id INTEGER PRIMARY KEY,
      group_key TEXT NOT NULL,
      title TEXT NOT NULL,
      source TEXT NOT NULL,
      reported_by TEXT NOT NULL,
      service TEXT NOT NULL,
      severity TEXT NOT NULL,
      host TEXT NOT NULL,
      rule TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      state TEXT NOT NULL,
      opened_ms INTEGER NOT NULL,
      acked_ms INTEGER NOT NULL,
      acked_by TEXT NOT NULL,
      resolved_ms INTEGER NOT NULL,
      resolved_by TEXT NOT NULL,
      assignee TEXT NOT NULL,
      cause TEXT NOT NULL,
      owner TEXT NOT NULL,
      policy TEXT NOT NULL,
      step INTEGER NOT NULL,
      round INTEGER NOT NULL,
      next_step_ms INTEGER NOT NULL,
      escalation_json TEXT NOT NULL
    ) STRICT;
    CREATE INDEX incidents_by_opened ON incidents (opened_ms);
    CREATE INDEX incidents_by_state ON incidents (state);
    CREATE TABLE incident_timeline (
      incident_id INTEGER NOT NULL REFERENCES incidents(id),
      at_ms INTEGER NOT NULL,
      kind TEXT NOT NULL,
      actor TEXT NOT NULL,
      detail TEXT NOT NULL
    ) STRICT;
    CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id);
    CREATE TABLE ack_tokens_used (
      token_id TEXT PRIMARY KEY,
      used_ms INTEGER NOT NULL
    ) STRICT;
    )sql",
    // 4: on-call overrides.
    R"sql(
    CREATE TABLE oncall_overrides (
      id TEXT PRIMARY KEY,
      schedule TEXT NOT NULL,
      user TEXT NOT NULL,
      start_ms INTEGER NOT NULL,
      end_ms INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      reason TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX oncall_overrides_by_schedule ON oncall_overrides (schedule);
    )sql",
};

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return absl::UnavailableError(StrCat("sqlite: ", what, ": ", sqlite3_errmsg(db)));
}

// RAII prepared statement.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void BindText(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, std::string_view s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  // SQLite stores a NaN as NULL; bind NULL explicitly and read it back as NaN.
  void BindDouble(int i, double v) {
    if (std::isnan(v)) {
      sqlite3_bind_null(stmt_, i);
    } else {
      sqlite3_bind_double(stmt_, i, v);
    }
  }
  std::string Text(int col) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  std::string Blob(int col) {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    return sqlite3_column_double(stmt_, col);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Invalid UTF-8 is replaced (U+FFFD) instead of throwing.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string LabelsToJson(const Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& l : labels) j[l.name] = l.value;
  return Dump(j);
}

Labels LabelsFromJson(const std::string& text) {
  Labels labels;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return labels;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) labels.push_back({k, v.get<std::string>()});
  }
  return labels;  // json objects iterate in key order: already sorted
}

std::string MapToJson(const std::map<std::string, std::string>& map) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : map) j[k] = v;
  return Dump(j);
}

std::map<std::string, std::string> MapFromJson(const std::string& text) {
  std::map<std::string, std::string> map;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return map;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) map.emplace(k, v.get<std::string>());
  }
  return map;
}

std::string StringsToJson(const std::vector<std::string>& strings) {
  return Dump(nlohmann::json(strings));
}

std::vector<std::string> StringsFromJson(const std::string& text) {
  std::vector<std::string> strings;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return strings;
  for (const auto& v : j) {
    if (v.is_string()) strings.push_back(v.get<std::string>());
  }
  return strings;
}

// uint64 fingerprints as decimal strings: JSON numbers are not reliably 64-bit.
std::string FingerprintsToJson(const std::vector<uint64_t>& fingerprints) {
  nlohmann::json j = nlohmann::json::array();
  for (uint64_t fp : fingerprints) j.push_back(std::to_string(fp));
  return Dump(j);
}

std::vector<uint64_t> FingerprintsFromJson(const std::string& text) {
  std::vector<uint64_t> fingerprints;
  for (const std::string& s : StringsFromJson(text)) {
    uint64_t fp = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), fp);
    if (ec == std::errc() && end == s.data() + s.size()) fingerprints.push_back(fp);
  }
  return fingerprints;
}

std::optional<OutboxState> ParseOutboxState(std::string_view name) {
  for (OutboxState s : {OutboxState::kPending, OutboxState::kSent, OutboxState::kFailed}) {
    if (name == OutboxStateName(s)) return s;
  }
  return std::nullopt;
}

// SQLite binds limits as signed 64-bit.
int64_t ClampLimit(size_t limit) {
  return limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(limit);
}

constexpr std::string_view kOutboxColumns =
    "id, receiver, notifier_index, channel, group_key, kind, payload, created_ms, state, "
    "finished_ms, attempts, error";

// One outbox row selected with kOutboxColumns.
absl::StatusOr<OutboxRecord> ReadOutboxRow(Statement& st) {
  OutboxRecord r;
  r.id = st.Int(0);
  r.receiver = st.Text(1);
  r.notifier_index = static_cast<int>(st.Int(2));
  r.channel = st.Text(3);
  r.group_key = st.Text(4);
  r.kind = st.Text(5);
  r.payload = st.Blob(6);
  r.created_ms = st.Int(7);
  std::string state = st.Text(8);
  std::optional<OutboxState> parsed = ParseOutboxState(state);
  if (!parsed) {
    return absl::DataLossError(
        StrCat("outbox row ", r.id, " has an unknown state \"", state, "\""));
  }
  r.state = *parsed;
  r.finished_ms = st.Int(9);
  r.attempts = static_cast<int>(st.Int(10));
  r.error = st.Text(11);
  return r;
}

constexpr std::string_view kIncidentColumns =
    "id, group_key, title, source, reported_by, service, severity, host, rule, labels_json, "
    "state, opened_ms, acked_ms, acked_by, resolved_ms, resolved_by, assignee, cause, owner, "
    "policy, step, round, next_step_ms, escalation_json";

// One incident row selected with kIncidentColumns.
IncidentRecord ReadIncidentRow(Statement& st) {
  IncidentRecord r;
  r.id = st.Int(0);
  r.group_key = st.Text(1);
  r.title = st.Text(2);
  r.source = st.Text(3);
  r.reported_by = st.Text(4);
  r.service = st.Text(5);
  r.severity = st.Text(6);
  r.host = st.Text(7);
  r.rule = st.Text(8);
  r.labels = LabelsFromJson(st.Text(9));
  r.state = st.Text(10);
  r.opened_ms = st.Int(11);
  r.acked_ms = st.Int(12);
  r.acked_by = st.Text(13);
  r.resolved_ms = st.Int(14);
  r.resolved_by = st.Text(15);
  r.assignee = st.Text(16);
  r.cause = st.Text(17);
  r.owner = st.Text(18);
  r.policy = st.Text(19);
  r.step = static_cast<int>(st.Int(20));
  r.round = static_cast<int>(st.Int(21));
  r.next_step_ms = st.Int(22);
  r.escalation_json = st.Text(23);
  return r;
}

constexpr std::string_view kTimelineColumns = "incident_id, at_ms, kind, actor, detail";

// One timeline row selected with kTimelineColumns.
TimelineRecord ReadTimelineRow(Statement& st) {
  TimelineRecord r;
  r.incident_id = st.Int(0);
  r.at_ms = st.Int(1);
  r.kind = st.Text(2);
  r.actor = st.Text(3);
  r.detail = st.Text(4);
  return r;
}

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <typename T>
struct RowOf {
  using type = T;
  static constexpr bool kMayFail = false;
};
template <typename T>
struct RowOf<absl::StatusOr<T>> {
  using type = T;
  static constexpr bool kMayFail = true;
};

// Steps `st` to its end, making a record of each row with `read`, which returns
// the record, or an absl::StatusOr of it when a row may be refused (the first
// refusal is returned). `what` names the query in errors.
template <typename Read>
auto CollectRows(sqlite3* db, Statement& st, std::string_view what, Read read)
    -> absl::StatusOr<std::vector<typename RowOf<std::invoke_result_t<Read, Statement&>>::type>> {
  using Result = std::invoke_result_t<Read, Statement&>;
  std::vector<typename RowOf<Result>::type> rows;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    if constexpr (RowOf<Result>::kMayFail) {
      Result r = read(st);
      if (!r.ok()) return r.status();
      rows.push_back(*std::move(r));
    } else {
      rows.push_back(read(st));
    }
  }
  if (rc != SQLITE_DONE) return SqliteError(db, what);
  return rows;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return absl::UnavailableError(StrCat("cannot open database ", path, ": ", msg));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  sqlite3_busy_timeout(db, 5000);
  // WAL: readers never block the writer. synchronous=FULL: a committed
  // transaction survives power loss, which is what an ack to an agent promises.
  VIGIE_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  VIGIE_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL"));
  VIGIE_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
  VIGIE_RETURN_IF_ERROR(store->Migrate());
  return store;
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

absl::Status SqliteStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return absl::UnavailableError(StrCat("sqlite: ", msg));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::InTransaction(const std::function<absl::Status()>& body) {
  VIGIE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  absl::Status st = body();
  if (st.ok() && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    st = SqliteError(db_, "commit");
  }
  // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open.
  if (!st.ok() && !sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
  return st;
}

absl::Status SqliteStore::Migrate() {
  std::lock_guard lock(mu_);
  int64_t version = 0;
  {
    Statement st(db_, "PRAGMA user_version");
    if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return SqliteError(db_, "user_version");
    version = st.Int(0);
  }
  const int64_t latest = std::size(kMigrations);
  if (version > latest) {
    return absl::FailedPreconditionError(StrCat("database schema version ", version,
                                                " is newer than this vigied supports (", latest,
                                                "); refusing to run an older binary on it"));
  }
  for (int64_t v = version; v < latest; ++v) {
    VIGIE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    absl::Status st = Exec(kMigrations[v]);
    if (st.ok()) st = Exec(StrCat("PRAGMA user_version=", v + 1).c_str());
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return absl::UnavailableError(StrCat("migration ", v + 1, ": ", StatusMessage(st)));
    }
    VIGIE_RETURN_IF_ERROR(Exec("COMMIT"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<HostRecord>> SqliteStore::LoadHosts() {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT name, first_seen_ms, last_seen_ms, agent_version, labels_json, inventory, "
               "interval_ms, last_applied_seq, config_hash FROM hosts ORDER BY name");
  if (!st.ok()) return SqliteError(db_, "load hosts");
  return CollectRows(db_, st, "load hosts", [](Statement& row) -> HostRecord {
    HostRecord h;
    h.name = row.Text(0);
    h.first_seen_ms = row.Int(1);
    h.last_seen_ms = row.Int(2);
    h.agent_version = row.Text(3);
    h.labels = LabelsFromJson(row.Text(4));
    h.inventory = row.Blob(5);
    h.interval_ms = row.Int(6);
    h.last_applied_seq = static_cast<uint64_t>(row.Int(7));
    h.config_hash = row.Text(8);
    return h;
  });
}

absl::Status SqliteStore::SaveHosts(const std::vector<HostRecord>& hosts) {
  std::lock_guard lock(mu_);
  VIGIE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](std::string_view what) {
    absl::Status st = SqliteError(db_, what);
    (void)Exec("ROLLBACK");
    return st;
  };
  {
    Statement st(db_,
                 "INSERT INTO hosts (name, first_seen_ms, last_seen_ms, agent_version, "
                 "labels_json, inventory, interval_ms, last_applied_seq, config_hash) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                 "ON CONFLICT(name) DO UPDATE SET first_seen_ms=excluded.first_seen_ms, "
                 "last_seen_ms=excluded.last_seen_ms, agent_version=excluded.agent_version, "
                 "labels_json=excluded.labels_json, inventory=excluded.inventory, "
                 "interval_ms=excluded.interval_ms, last_applied_seq=excluded.last_applied_seq, "
                 "config_hash=excluded.config_hash");
    if (!st.ok()) return fail("prepare save hosts");
    for (const HostRecord& h : hosts) {
      sqlite3_reset(st.get());
      st.BindText(1, h.name);
      st.BindInt(2, h.first_seen_ms);
      st.BindInt(3, h.last_seen_ms);
      st.BindText(4, h.agent_version);
      st.BindText(5, LabelsToJson(h.labels));
      st.BindBlob(6, h.inventory);
      st.BindInt(7, h.interval_ms);
      st.BindInt(8, static_cast<int64_t>(h.last_applied_seq));
      st.BindText(9, h.config_hash);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return fail("save host");
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("commit");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Alert>> SqliteStore::LoadAlerts() {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT rule_group, fingerprint, rule, labels_json, annotations_json, state, value, "
               "active_at_ms, fired_at_ms, resolved_at_ms, last_eval_ms, flapping FROM alerts "
               "ORDER BY rule_group, labels_json");
  if (!st.ok()) return SqliteError(db_, "load alerts");
  return CollectRows(db_, st, "load alerts", [](Statement& row) -> absl::StatusOr<Alert> {
    Alert a;
    a.group = row.Text(0);
    a.fingerprint = static_cast<uint64_t>(row.Int(1));
    a.rule = row.Text(2);
    a.labels = LabelsFromJson(row.Text(3));
    a.annotations = MapFromJson(row.Text(4));
    std::string state = row.Text(5);
    std::optional<AlertState> parsed = ParseAlertState(state);
    if (!parsed) {
      return absl::DataLossError(
          StrCat("alert ", a.rule, " of group ", a.group, " has an unknown state \"", state, "\""));
    }
    a.state = *parsed;
    a.value = row.Double(6);
    a.active_at_ms = row.Int(7);
    a.fired_at_ms = row.Int(8);
    a.resolved_at_ms = row.Int(9);
    a.last_eval_ms = row.Int(10);
    a.flapping = row.Int(11) != 0;
    return a;
  });
}

absl::Status SqliteStore::SaveGroupAlerts(const std::string& group,
                                          const std::vector<Alert>& alerts) {
  std::lock_guard lock(mu_);
  return InTransaction([&]() -> absl::Status {
    {
      Statement del(db_, "DELETE FROM alerts WHERE rule_group = ?1");
      if (!del.ok()) return SqliteError(db_, "prepare delete alerts");
      del.BindText(1, group);
      if (sqlite3_step(del.get()) != SQLITE_DONE) return SqliteError(db_, "delete alerts");
    }
    if (alerts.empty()) return absl::OkStatus();
    // The row's group is `group` (the alert's own `group` field is not
    // consulted). Two alerts with one fingerprint: the last one wins.
    Statement st(
        db_,
        "INSERT OR REPLACE INTO alerts (rule_group, fingerprint, rule, labels_json, "
        "annotations_json, state, value, active_at_ms, fired_at_ms, resolved_at_ms, "
        "last_eval_ms, flapping) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st.ok()) return SqliteError(db_, "prepare save alerts");
    for (const Alert& a : alerts) {
      sqlite3_reset(st.get());
      st.BindText(1, group);
      st.BindInt(2, static_cast<int64_t>(a.fingerprint));
      st.BindText(3, a.rule);
      st.BindText(4, LabelsToJson(a.labels));
      st.BindText(5, MapToJson(a.annotations));
      st.BindText(6, AlertStateName(a.state));
      st.BindDouble(7, a.value);
      st.BindInt(8, a.active_at_ms);
      st.BindInt(9, a.fired_at_ms);
      st.BindInt(10, a.resolved_at_ms);
      st.BindInt(11, a.last_eval_ms);
      st.BindInt(12, a.flapping ? 1 : 0);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "save alert");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<routing::SilenceRecord>> SqliteStore::LoadSilences() {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT id, matchers_json, starts_at_ms, ends_at_ms, created_by, comment, "
               "created_at_ms, updated_at_ms FROM silences ORDER BY id");
  if (!st.ok()) return SqliteError(db_, "load silences");
  return CollectRows(db_, st, "load silences", [](Statement& row) -> routing::SilenceRecord {
    routing::SilenceRecord r;
    r.id = row.Text(0);
    r.matchers = StringsFromJson(row.Text(1));
    r.starts_at_ms = row.Int(2);
    r.ends_at_ms = row.Int(3);
    r.created_by = row.Text(4);
    r.comment = row.Text(5);
    r.created_at_ms = row.Int(6);
    r.updated_at_ms = row.Int(7);
    return r;
  });
}

absl::Status SqliteStore::SaveSilence(const routing::SilenceRecord& silence,
                                      const AuditRecord& audit) {
  std::lock_guard lock(mu_);
  return InTransaction([&]() -> absl::Status {
    {
      Statement st(db_,
                   "INSERT INTO silences (id, matchers_json, starts_at_ms, ends_at_ms, "
                   "created_by, comment, created_at_ms, updated_at_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                   "ON CONFLICT(id) DO UPDATE SET matchers_json=excluded.matchers_json, "
                   "starts_at_ms=excluded.starts_at_ms, ends_at_ms=excluded.ends_at_ms, "
                   "created_by=excluded.created_by, comment=excluded.comment, "
                   "created_at_ms=excluded.created_at_ms, updated_at_ms=excluded.updated_at_ms");
      if (!st.ok()) return SqliteError(db_, "prepare save silence");
      st.BindText(1, silence.id);
      st.BindText(2, StringsToJson(silence.matchers));
      st.BindInt(3, silence.starts_at_ms);
      st.BindInt(4, silence.ends_at_ms);
      st.BindText(5, silence.created_by);
      st.BindText(6, silence.comment);
      st.BindInt(7, silence.created_at_ms);
      st.BindInt(8, silence.updated_at_ms);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "save silence");
    }
    return InsertAudit(audit);
  });
}

absl::Status SqliteStore::DeleteSilences(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  return InTransaction([&]() -> absl::Status {
    Statement st(db_, "DELETE FROM silences WHERE id = ?1");
    if (!st.ok()) return SqliteError(db_, "prepare delete silences");
    for (const std::string& id : ids) {
      sqlite3_reset(st.get());
      st.BindText(1, id);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "delete silence");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<DispatchGroupRecord>> SqliteStore::LoadDispatchGroups() {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT group_key, receiver, notified, last_notify_ms, sequence, last_firing_json, "
               "last_flapping_json FROM dispatch_groups ORDER BY group_key");
  if (!st.ok()) return SqliteError(db_, "load dispatch groups");
  return CollectRows(db_, st, "load dispatch groups", [](Statement& row) -> DispatchGroupRecord {
    DispatchGroupRecord g;
    g.group_key = row.Text(0);
    g.receiver = row.Text(1);
    g.notified = row.Int(2) != 0;
    g.last_notify_ms = row.Int(3);
    g.sequence = static_cast<uint64_t>(row.Int(4));
    g.last_firing = FingerprintsFromJson(row.Text(5));
    g.last_flapping = FingerprintsFromJson(row.Text(6));
    return g;
  });
}

absl::Status SqliteStore::WriteIncidentChanges(const IncidentChanges& changes) {
  // Tokens first: a reused one fails the commit before anything else is written
  // (the caller's transaction is rolled back either way).
  if (!changes.used_tokens.empty()) {
    Statement st(db_,
                 "INSERT INTO ack_tokens_used (token_id, used_ms) VALUES (?1, ?2) "
                 "ON CONFLICT(token_id) DO NOTHING");
    if (!st.ok()) return SqliteError(db_, "prepare insert used token");
    const int64_t now_ms = WallClockMs();
    for (const std::string& token : changes.used_tokens) {
      sqlite3_reset(st.get());
      st.BindText(1, token);
      st.BindInt(2, now_ms);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "insert used token");
      if (sqlite3_changes(db_) == 0) {
        return absl::AlreadyExistsError("acknowledgement link already used");
      }
    }
  }
  if (!changes.upserts.empty()) {
    // An upsert, not INSERT OR REPLACE: replacing would delete the row the
    // timeline references.
    Statement st(
        db_,
        "INSERT INTO incidents (id, group_key, title, source, reported_by, service, severity, "
        "host, rule, labels_json, state, opened_ms, acked_ms, acked_by, resolved_ms, "
        "resolved_by, assignee, cause, owner, policy, step, round, next_step_ms, "
        "escalation_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
        "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24) "
        "ON CONFLICT(id) DO UPDATE SET group_key=excluded.group_key, title=excluded.title, "
        "source=excluded.source, reported_by=excluded.reported_by, service=excluded.service, "
        "severity=excluded.severity, host=excluded.host, rule=excluded.rule, "
        "labels_json=excluded.labels_json, state=excluded.state, opened_ms=excluded.opened_ms, "
        "acked_ms=excluded.acked_ms, acked_by=excluded.acked_by, "
        "resolved_ms=excluded.resolved_ms, resolved_by=excluded.resolved_by, "
        "assignee=excluded.assignee, cause=excluded.cause, owner=excluded.owner, "
        "policy=excluded.policy, step=excluded.step, round=excluded.round, "
        "next_step_ms=excluded.next_step_ms, escalation_json=excluded.escalation_json");
    if (!st.ok()) return SqliteError(db_, "prepare save incident");
    for (const IncidentRecord& r : changes.upserts) {
      sqlite3_reset(st.get());
      st.BindInt(1, r.id);
      st.BindText(2, r.group_key);
      st.BindText(3, r.title);
      st.BindText(4, r.source);
      st.BindText(5, r.reported_by);
      st.BindText(6, r.service);
      st.BindText(7, r.severity);
      st.BindText(8, r.host);
      st.BindText(9, r.rule);
      st.BindText(10, LabelsToJson(r.labels));
      st.BindText(11, r.state);
      st.BindInt(12, r.opened_ms);
      st.BindInt(13, r.acked_ms);
      st.BindText(14, r.acked_by);
      st.BindInt(15, r.resolved_ms);
      st.BindText(16, r.resolved_by);
      st.BindText(17, r.assignee);
      st.BindText(18, r.cause);
      st.BindText(19, r.owner);
      st.BindText(20, r.policy);
      st.BindInt(21, r.step);
      st.BindInt(22, r.round);
      st.BindInt(23, r.next_step_ms);
      st.BindText(24, r.escalation_json);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "save incident");
    }
  }
  if (!changes.timeline.empty()) {
    // After the upserts: a new incident's first lines reference it.
    Statement st(db_,
                 "INSERT INTO incident_timeline (incident_id, at_ms, kind, actor, detail) "
                 "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st.ok()) return SqliteError(db_, "prepare append timeline");
    for (const TimelineRecord& r : changes.timeline) {
      sqlite3_reset(st.get());
      st.BindInt(1, r.incident_id);
      st.BindInt(2, r.at_ms);
      st.BindText(3, r.kind);
      st.BindText(4, r.actor);
      st.BindText(5, r.detail);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "append timeline");
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::CommitDispatch(const std::vector<DispatchGroupRecord>& groups,
                                         const std::vector<std::string>& removed,
                                         std::vector<OutboxRecord>& outbox,
                                         const IncidentChanges& incidents) {
  std::lock_guard lock(mu_);
  std::vector<int64_t> ids;
  ids.reserve(outbox.size());
  VIGIE_RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
    // (Not VIGIE_RETURN_IF_ERROR: nested in the one around InTransaction, it would shadow.)
    if (absl::Status changed = WriteIncidentChanges(incidents); !changed.ok()) return changed;
    {
      Statement st(
          db_,
          "INSERT INTO dispatch_groups (group_key, receiver, notified, last_notify_ms, "
          "sequence, last_firing_json, last_flapping_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
          "ON CONFLICT(group_key) DO UPDATE SET receiver=excluded.receiver, "
          "notified=excluded.notified, last_notify_ms=excluded.last_notify_ms, "
          "sequence=excluded.sequence, last_firing_json=excluded.last_firing_json, "
          "last_flapping_json=excluded.last_flapping_json");
      if (!st.ok()) return SqliteError(db_, "prepare save dispatch group");
      for (const DispatchGroupRecord& g : groups) {
        sqlite3_reset(st.get());
        st.BindText(1, g.group_key);
        st.BindText(2, g.receiver);
        st.BindInt(3, g.notified ? 1 : 0);
        st.BindInt(4, g.last_notify_ms);
        st.BindInt(5, static_cast<int64_t>(g.sequence));
        st.BindText(6, FingerprintsToJson(g.last_firing));
        st.BindText(7, FingerprintsToJson(g.last_flapping));
        if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "save dispatch group");
      }
    }
    {
      Statement st(db_, "DELETE FROM dispatch_groups WHERE group_key = ?1");
      if (!st.ok()) return SqliteError(db_, "prepare delete dispatch group");
      for (const std::string& key : removed) {
        sqlite3_reset(st.get());
        st.BindText(1, key);
        if (sqlite3_step(st.get()) != SQLITE_DONE) {
          return SqliteError(db_, "delete dispatch group");
        }
      }
    }
    Statement st(db_,
                 "INSERT INTO outbox (receiver, notifier_index, channel, group_key, kind, payload, "
                 "created_ms, state, finished_ms, attempts, error) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st.ok()) return SqliteError(db_, "prepare insert outbox");
    for (const OutboxRecord& r : outbox) {
      sqlite3_reset(st.get());
      st.BindText(1, r.receiver);
      st.BindInt(2, r.notifier_index);
      st.BindText(3, r.channel);
      st.BindText(4, r.group_key);
      st.BindText(5, r.kind);
      st.BindBlob(6, r.payload);
      st.BindInt(7, r.created_ms);
      st.BindText(8, OutboxStateName(r.state));
      st.BindInt(9, r.finished_ms);
      st.BindInt(10, r.attempts);
      st.BindText(11, r.error);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "insert outbox");
      ids.push_back(sqlite3_last_insert_rowid(db_));
    }
    return absl::OkStatus();
  }));
  // Only now is the insert durable: hand the ids out.
  for (size_t i = 0; i < outbox.size(); ++i) outbox[i].id = ids[i];
  return absl::OkStatus();
}

absl::StatusOr<std::vector<OutboxRecord>> SqliteStore::LoadPendingOutbox() {
  std::lock_guard lock(mu_);
  const std::string sql = StrCat("SELECT ", kOutboxColumns, " FROM outbox WHERE state = '",
                                 OutboxStateName(OutboxState::kPending), "' ORDER BY id");
  Statement st(db_, sql.c_str());
  if (!st.ok()) return SqliteError(db_, "load pending outbox");
  return CollectRows(db_, st, "load pending outbox", ReadOutboxRow);
}

absl::Status SqliteStore::FinishOutbox(int64_t id, OutboxState state, int attempts,
                                       const std::string& error, int64_t finished_ms) {
  if (state == OutboxState::kPending) {
    return absl::InvalidArgumentError("FinishOutbox: state must be sent or failed");
  }
  std::lock_guard lock(mu_);
  return InTransaction([&]() -> absl::Status {
    Statement st(db_,
                 "UPDATE outbox SET state = ?2, attempts = ?3, error = ?4, finished_ms = ?5 "
                 "WHERE id = ?1");
    if (!st.ok()) return SqliteError(db_, "prepare finish outbox");
    st.BindInt(1, id);
    st.BindText(2, OutboxStateName(state));
    st.BindInt(3, attempts);
    st.BindText(4, error);
    st.BindInt(5, finished_ms);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "finish outbox");
    if (sqlite3_changes(db_) == 0) return absl::NotFoundError(StrCat("no outbox row ", id));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<OutboxRecord>> SqliteStore::ListNotifications(size_t limit) {
  std::lock_guard lock(mu_);
  // The notification log is the finished rows (pending ones are the queue).
  const std::string sql =
      StrCat("SELECT ", kOutboxColumns, " FROM outbox WHERE state != '",
             OutboxStateName(OutboxState::kPending), "' ORDER BY id DESC LIMIT ?1");
  Statement st(db_, sql.c_str());
  if (!st.ok()) return SqliteError(db_, "list notifications");
  st.BindInt(1, ClampLimit(limit));
  return CollectRows(db_, st, "list notifications", ReadOutboxRow);
}

absl::StatusOr<size_t> SqliteStore::PruneNotifications(int64_t before_ms) {
  std::lock_guard lock(mu_);
  size_t pruned = 0;
  VIGIE_RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
    const std::string sql =
        StrCat("DELETE FROM outbox WHERE state != '", OutboxStateName(OutboxState::kPending),
               "' AND finished_ms < ?1");
    Statement st(db_, sql.c_str());
    if (!st.ok()) return SqliteError(db_, "prepare prune notifications");
    st.BindInt(1, before_ms);
    if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "prune notifications");
    pruned = static_cast<size_t>(sqlite3_changes(db_));
    return absl::OkStatus();
  }));
  return pruned;
}

absl::StatusOr<std::vector<IncidentRecord>> SqliteStore::ListIncidents(const IncidentQuery& q) {
  std::lock_guard lock(mu_);
  const std::string sql = StrCat(
      "SELECT ", kIncidentColumns, " FROM incidents WHERE opened_ms >= ?1 AND opened_ms < ?2",
      q.open_only ? " AND state != 'resolved'" : "", " ORDER BY id DESC LIMIT ?3");
  Statement st(db_, sql.c_str());
  if (!st.ok()) return SqliteError(db_, "list incidents");
  st.BindInt(1, q.from_ms);
  st.BindInt(2, q.to_ms);
  st.BindInt(3, q.limit == 0 ? -1 : ClampLimit(q.limit));  // a negative LIMIT: none
  return CollectRows(db_, st, "list incidents", ReadIncidentRow);
}

absl::StatusOr<IncidentRecord> SqliteStore::GetIncident(int64_t id) {
  std::lock_guard lock(mu_);
  const std::string sql = StrCat("SELECT ", kIncidentColumns, " FROM incidents WHERE id = ?1");
  Statement st(db_, sql.c_str());
  if (!st.ok()) return SqliteError(db_, "get incident");
  st.BindInt(1, id);
  int rc = sqlite3_step(st.get());
  if (rc == SQLITE_ROW) return ReadIncidentRow(st);
  if (rc != SQLITE_DONE) return SqliteError(db_, "get incident");
  return absl::NotFoundError(StrCat("no incident ", id));
}

absl::StatusOr<int64_t> SqliteStore::MaxIncidentId() {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT COALESCE(MAX(id), 0) FROM incidents");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) {
    return SqliteError(db_, "max incident id");
  }
  return st.Int(0);
}

absl::StatusOr<std::vector<TimelineRecord>> SqliteStore::ListTimeline(int64_t incident_id) {
  std::lock_guard lock(mu_);
  const std::string sql = StrCat("SELECT ", kTimelineColumns,
                                 " FROM incident_timeline WHERE incident_id = ?1 "
                                 "ORDER BY at_ms, rowid");
  Statement st(db_, sql.c_str());
  if (!st.ok()) return SqliteError(db_, "list timeline");
  st.BindInt(1, incident_id);
  return CollectRows(db_, st, "list timeline", ReadTimelineRow);
}

absl::StatusOr<std::vector<TimelineRecord>> SqliteStore::ListTimelines(int64_t from_ms,
                                                                       int64_t to_ms) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT t.incident_id, t.at_ms, t.kind, t.actor, t.detail "
               "FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id "
               "WHERE i.opened_ms >= ?1 AND i.opened_ms < ?2 "
               "ORDER BY t.incident_id, t.at_ms, t.rowid");
  if (!st.ok()) return SqliteError(db_, "list timelines");
  st.BindInt(1, from_ms);
  st.BindInt(2, to_ms);
  return CollectRows(db_, st, "list timelines", ReadTimelineRow);
}

absl::StatusOr<std::vector<oncall::Override>> SqliteStore::LoadOverrides() {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT id, schedule, user, start_ms, end_ms, created_by, reason, created_at_ms "
               "FROM oncall_overrides ORDER BY schedule, start_ms, id");
  if (!st.ok()) return SqliteError(db_, "load overrides");
  return CollectRows(db_, st, "load overrides", [](Statement& row) -> oncall::Override {
    oncall::Override o;
    o.id = row.Text(0);
    o.schedule = row.Text(1);
    o.user = row.Text(2);
    o.start_ms = row.Int(3);
    o.end_ms = row.Int(4);
    o.created_by = row.Text(5);
    o.reason = row.Text(6);
    o.created_at_ms = row.Int(7);
    return o;
  });
}

absl::Status SqliteStore::SaveOverride(const oncall::Override& o, const AuditRecord& audit) {
  std::lock_guard lock(mu_);
  return InTransaction([&]() -> absl::Status {
    {
      Statement st(db_,
                   "INSERT INTO oncall_overrides (id, schedule, user, start_ms, end_ms, "
                   "created_by, reason, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      if (!st.ok()) return SqliteError(db_, "prepare save override");
      st.BindText(1, o.id);
      st.BindText(2, o.schedule);
      st.BindText(3, o.user);
      st.BindInt(4, o.start_ms);
      st.BindInt(5, o.end_ms);
      st.BindText(6, o.created_by);
      st.BindText(7, o.reason);
      st.BindInt(8, o.created_at_ms);
      int rc = sqlite3_step(st.get());
      // The caller chooses ids: one already taken is the caller's error, not the database's.
      if (rc == SQLITE_CONSTRAINT) {
        return absl::AlreadyExistsError(StrCat("override ", o.id, " already exists"));
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, "save override");
    }
    return InsertAudit(audit);
  });
}

absl::Status SqliteStore::DeleteOverride(const std::string& id, const AuditRecord& audit) {
  std::lock_guard lock(mu_);
  return InTransaction([&]() -> absl::Status {
    {
      Statement st(db_, "DELETE FROM oncall_overrides WHERE id = ?1");
      if (!st.ok()) return SqliteError(db_, "prepare delete override");
      st.BindText(1, id);
      if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "delete override");
      // Rolled back: no audit row for a deletion that did not happen.
      if (sqlite3_changes(db_) == 0) return absl::NotFoundError(StrCat("no override ", id));
    }
    return InsertAudit(audit);
  });
}

absl::Status SqliteStore::InsertAudit(const AuditRecord& audit) {
  Statement st(db_,
               "INSERT INTO audit_log (at_ms, actor, action, object, detail) "
               "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st.ok()) return SqliteError(db_, "prepare append audit");
  st.BindInt(1, audit.at_ms);
  st.BindText(2, audit.actor);
  st.BindText(3, audit.action);
  st.BindText(4, audit.object);
  st.BindText(5, audit.detail);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return SqliteError(db_, "append audit");
  return absl::OkStatus();
}

absl::Status SqliteStore::AppendAudit(const AuditRecord& audit) {
  std::lock_guard lock(mu_);
  return InTransaction([&] { return InsertAudit(audit); });
}

absl::StatusOr<std::vector<AuditRecord>> SqliteStore::ListAudit(size_t limit) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT id, at_ms, actor, action, object, detail FROM audit_log "
               "ORDER BY id DESC LIMIT ?1");
  if (!st.ok()) return SqliteError(db_, "list audit");
  st.BindInt(1, ClampLimit(limit));
  return CollectRows(db_, st, "list audit", [](Statement& row) -> AuditRecord {
    AuditRecord r;
    r.id = row.Int(0);
    r.at_ms = row.Int(1);
    r.actor = row.Text(2);
    r.action = row.Text(3);
    r.object = row.Text(4);
    r.detail = row.Text(5);
    return r;
  });
}

}  // namespace vigie::daemon
