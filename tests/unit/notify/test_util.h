// Helpers for the notifier tests: a temporary directory, free ports, child
// processes (the Python receivers, a real Alertmanager) that are killed with
// their test, bounded polling, and a tiny HTTP GET. Tests only; 127.0.0.1 only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "daemon/notify/notification.h"
#include "daemon/notify/retrier.h"
#include "prometheus/registry.h"
#include "tests/testing/test_env.h"

namespace vigie::daemon::notify::testing {

using test_env::FreePort;
using test_env::HttpGet;
using test_env::ReadFileOrEmpty;
using test_env::TempDir;
using test_env::WaitFor;

// A child process (fork + execv), output appended to `log`; killed (SIGKILL)
// and reaped on destruction.
class Child {
 public:
  Child(std::vector<std::string> argv, const std::string& log);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool running();

 private:
  pid_t pid_ = -1;
};

std::vector<std::string> Lines(const std::string& text);

// A disk-full alert on `host` (summary, description, runbook_url annotations).
Alert DiskAlert(const std::string& host, AlertState state = AlertState::kFiring);
// A notification for receiver "ops" of DiskAlert("db1").
Notification SampleNotification(AlertState state = AlertState::kFiring, uint64_t sequence = 1);

// Records every wait and moves the fake clock instead of sleeping.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}
  bool Sleep(std::chrono::milliseconds d) override {
    waits.push_back(d);
    clock_.Advance(d);
    return true;
  }
  std::vector<std::chrono::milliseconds> waits;

 private:
  FakeClock& clock_;
};

// vigie_notifications_total{channel, outcome}; 0 when absent.
double NotificationsTotal(prometheus::Registry& registry, const std::string& channel,
                          const std::string& outcome);

// The directory of this test's sources (for the Python helpers).
std::string TestSourceDir();

}  // namespace vigie::daemon::notify::testing
