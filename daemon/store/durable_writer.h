// DurableWriter: one thread that commits host records to the Store in groups.
//
// Ingest threads call SaveHost() when an ack depends on the record (a new
// host, a changed inventory; later check results and job runs) and get their
// callback once it is committed (or the commit failed). Checkpoint() is for
// bookkeeping no ack depends on (last seen, last applied seq after a batch of
// samples): it is written with the next commit, or at the latest after
// `checkpoint_interval`. Records of the same host waiting together are
// coalesced (the one with the highest applied seq wins), and everything
// waiting is written in one transaction.
//
// Callbacks run on the writer thread and must not block.
// Thread-safe. Stop() commits what is pending, runs its callbacks, and joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "daemon/store/store.h"

namespace prometheus {
class Registry;
class Counter;
class Histogram;
}  // namespace prometheus

namespace vigie::daemon {

class DurableWriter {
 public:
  using Done = std::function<void(const absl::Status&)>;

  DurableWriter(Store& store, prometheus::Registry& registry,
                std::chrono::milliseconds checkpoint_interval = std::chrono::seconds(1));
  ~DurableWriter();
  DurableWriter(const DurableWriter&) = delete;
  DurableWriter& operator=(const DurableWriter&) = delete;

  void Start();
  void Stop();

  // Persists `record`; calls `done` after the commit. After Stop(), `done` is
  // called at once with UNAVAILABLE.
  void SaveHost(HostRecord record, Done done);

  // Persists `record` with the next commit, at the latest after
  // checkpoint_interval; nobody waits for it. Ignored after Stop().
  void Checkpoint(HostRecord record);

 private:
  void Run();
  void PutLocked(HostRecord record);

  Store& store_;
  const std::chrono::milliseconds checkpoint_interval_;
  prometheus::Counter* commits_ok_;
  prometheus::Counter* commits_failed_;
  prometheus::Histogram* commit_seconds_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                // guarded by mu_
  std::unordered_map<std::string, HostRecord> pending_;  // guarded by mu_
  std::vector<Done> callbacks_;                          // guarded by mu_
  std::thread thread_;
};

}  // namespace vigie::daemon
