// DurableWriter: one thread that commits host records to the Store in groups.
//
// Ingest threads call SaveHost() and get their callback once the record is
// committed (or the commit failed). Records of the same host waiting together
// are coalesced (the one with the highest applied seq wins), and everything
// waiting is written in one transaction: with 1,000 agents the database sees a
// few commits per second instead of hundreds.
//
// Callbacks run on the writer thread and must not block.
// Thread-safe. Stop() commits what is pending, runs its callbacks, and joins.
#pragma once

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

  DurableWriter(Store& store, prometheus::Registry& registry);
  ~DurableWriter();
  DurableWriter(const DurableWriter&) = delete;
  DurableWriter& operator=(const DurableWriter&) = delete;

  void Start();
  void Stop();

  // Persists `record`; calls `done` after the commit. After Stop(), `done` is
  // called at once with UNAVAILABLE.
  void SaveHost(HostRecord record, Done done);

 private:
  void Run();

  Store& store_;
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
