// RuleRunner: the one thread that drives a RuleManager in vigied. It sleeps
// until the next group is due, or until an agent's batch has been applied
// (HostReported), so that rules reading that host are evaluated at once: a
// page should leave within a tenth of a second of the data that justifies it.
//
// Thread-safe: HostReported() may be called from any thread (it only records
// the host and wakes the runner). Start/Stop from the owner's thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/logging.h"
#include "daemon/rules/rule_manager.h"

namespace vigie::daemon::rules {

class RuleRunner {
 public:
  // `manager` and `clock` must outlive the runner.
  RuleRunner(RuleManager& manager, const Clock& clock);
  ~RuleRunner();
  RuleRunner(const RuleRunner&) = delete;
  RuleRunner& operator=(const RuleRunner&) = delete;

  void Start();
  void Stop();

  void HostReported(const std::string& host);

  // Runs `fn` with the manager while the runner is not evaluating (any thread), then wakes
  // the runner so that it re-reads when the next group is due. For reloads
  // (RuleManager::ReplaceGroups) and restores.
  template <typename Fn>
  auto WithManager(Fn&& fn) {
    struct Wake {
      RuleRunner* self;
      ~Wake() {
        {
          std::lock_guard lock(self->mu_);
          self->rescan_ = true;
        }
        self->cv_.notify_one();
      }
    };
    std::lock_guard manager_lock(manager_mu_);
    Wake wake{this};
    return fn(manager_);
  }

 private:
  void Run();

  RuleManager& manager_;
  const Clock& clock_;
  Logger log_;

  std::mutex manager_mu_;  // held while the manager is used; taken before mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;           // guarded by mu_
  bool rescan_ = false;             // guarded by mu_; the manager changed (WithManager)
  std::set<std::string> reported_;  // guarded by mu_; at most one entry per host
  std::thread thread_;
};

}  // namespace vigie::daemon::rules
