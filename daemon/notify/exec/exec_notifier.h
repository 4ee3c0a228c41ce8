// ExecNotifier: runs a configured program (argv list, no shell) with the
// Notification JSON payload on stdin, for SMS gateways and local scripts.
//
// Environment: vigied's own, plus VIGIE_RECEIVER, VIGIE_STATUS (firing,
// resolved, flapping), VIGIE_GROUP_KEY, VIGIE_IDEMPOTENCY_KEY,
// VIGIE_ALERT_COUNT, VIGIE_EXTERNAL_URL, VIGIE_ACK_URL, plus the configured
// `env` entries.
//
// Outcome: exit 0 delivered; exit 75 (EX_TEMPFAIL, sysexits.h) retryable;
// killed on timeout (the whole process group) retryable; any other exit code
// or a program that cannot be started is not retryable.
//
// Immutable after construction; Notify() is thread-safe; it blocks for at
// most `timeout` plus the time to kill and reap the process group.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/notify/notifier.h"

namespace vigie::daemon::notify {

struct ExecConfig {
  std::vector<std::string> command;  // argv; command[0] is looked up in PATH if not a path
  std::map<std::string, std::string> env;
  std::chrono::milliseconds timeout{30'000};
  bool send_resolved = true;
};

// How one run ended (platform code: exec_notifier_<os>.cc).
struct ProgramRun {
  bool timed_out = false;  // killed after the timeout
  int exit_code = -1;      // when exited normally
  int signal = 0;          // when killed by a signal (not by us)
  std::string output;      // last 2 KiB of stdout+stderr, for the error message
};

// Runs `argv` in its own process group with `env` added to the inherited
// environment and `input` on stdin; kills the group with SIGKILL after
// `timeout`. Error only when the program cannot be started.
absl::StatusOr<ProgramRun> RunProgram(const std::vector<std::string>& argv,
                                      const std::map<std::string, std::string>& env,
                                      const std::string& input, std::chrono::milliseconds timeout);

class ExecNotifier final : public Notifier {
 public:
  explicit ExecNotifier(ExecConfig config) : config_(std::move(config)) {}
  std::string_view channel() const override { return "exec"; }
  NotifyResult Notify(const Notification& n) override;

 private:
  ExecConfig config_;
};

}  // namespace vigie::daemon::notify
