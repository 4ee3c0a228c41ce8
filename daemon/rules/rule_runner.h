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

 private:
  void Run();

  RuleManager& manager_;
  const Clock& clock_;
  Logger log_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;           // guarded by mu_
  std::set<std::string> reported_;  // guarded by mu_; at most one entry per host
  std::thread thread_;
};

}  // namespace vigie::daemon::rules
