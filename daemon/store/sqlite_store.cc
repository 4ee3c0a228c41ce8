#include "daemon/store/sqlite_store.h"

#include <sqlite3.h>

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
  std::string Text(int col) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  std::string Blob(int col) {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

std::string LabelsToJson(const Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& l : labels) j[l.name] = l.value;
  return j.dump();
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
  std::vector<HostRecord> hosts;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    HostRecord h;
    h.name = st.Text(0);
    h.first_seen_ms = st.Int(1);
    h.last_seen_ms = st.Int(2);
    h.agent_version = st.Text(3);
    h.labels = LabelsFromJson(st.Text(4));
    h.inventory = st.Blob(5);
    h.interval_ms = st.Int(6);
    h.last_applied_seq = static_cast<uint64_t>(st.Int(7));
    h.config_hash = st.Text(8);
    hosts.push_back(std::move(h));
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, "load hosts");
  return hosts;
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

}  // namespace vigie::daemon
