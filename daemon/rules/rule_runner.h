// RuleRunner: the one thread that drives a RuleManager in vigied. It sleeps
// until the next group is due, or until an agent's batch has been applied
// (HostReported), so that rules reading that host are evaluated at once: a
// page should leave within a tenth of a second of the data that justifies it.
// A host poller (SetHostPoller) adds hosts whose state changed without a
// batch (gone silent), checked every second in vigied.
//
// Thread-safe: HostReported() may be called from any thread (it only records
// the host and wakes the runner). Start/Stop from the owner's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

  // Hosts whose rules must be evaluated although no batch came (e.g. a host
  // that just went silent: its HostDown rule is host-scoped, so no other
  // host's batch evaluates it). Polled on the runner's thread every `every`.
  // Call before Start().
  using HostPoller = std::function<std::vector<std::string>()>;
  void SetHostPoller(HostPoller poller, std::chrono::milliseconds every) {
    poller_ = std::move(poller);
    poll_every_ms_ = every.count();
  }

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
  HostPoller poller_;  // set before Start(); runner thread only afterwards
  int64_t poll_every_ms_ = 0;
};

}  // namespace vigie::daemon::rules
