// SqliteStore: the embedded Store, one SQLite database file in WAL mode.
//
// Schema changes are numbered migrations applied at Open(); the version lives
// in `PRAGMA user_version`. A database newer than this binary is refused.
//
// Thread-safe: one connection guarded by a mutex (writes are serialised by
// SQLite anyway; vigied batches them in DurableWriter).
#pragma once

#include <memory>
#include <mutex>
#include <string>

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

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  absl::Status Migrate();
  absl::Status Exec(const char* sql);

  std::mutex mu_;
  sqlite3* db_;  // owned; guarded by mu_
};

}  // namespace vigie::daemon
