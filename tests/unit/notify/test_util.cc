#include "tests/unit/notify/test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace vigie::daemon::notify::testing {

Child::Child(std::vector<std::string> argv, const std::string& log) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool Child::running() { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

Alert DiskAlert(const std::string& host, AlertState state) {
  Alert a;
  a.rule = "DiskAlmostFull";
  a.group = "node";
  a.labels = {{"alertname", "DiskAlmostFull"},
              {"host", host},
              {"mountpoint", "/var"},
              {"severity", "critical"}};
  a.annotations = {{"summary", "Filesystem /var on " + host + " is 93% full"},
                   {"description", "Predicted full within 4h."},
                   {"runbook_url", "https://runbooks.example.com/disk-full"}};
  a.state = state;
  a.value = 93.5;
  a.active_at_ms = 1'700'000'000'000;
  a.fired_at_ms = 1'700'000'060'000;
  a.resolved_at_ms = state == AlertState::kResolved ? 1'700'000'600'000 : 0;
  a.fingerprint = Fingerprint("", a.labels);
  return a;
}

Notification SampleNotification(AlertState state, uint64_t sequence) {
  return MakeNotification("ops", "{}:{alertname=\"DiskAlmostFull\"}",
                          {{"alertname", "DiskAlmostFull"}}, {DiskAlert("db1", state)}, sequence,
                          "http://127.0.0.1:9471");
}

double NotificationsTotal(prometheus::Registry& registry, const std::string& channel,
                          const std::string& outcome) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "vigie_notifications_total") continue;
    for (const auto& m : family.metric) {
      bool c = false;
      bool o = false;
      for (const auto& l : m.label) {
        c = c || (l.name == "channel" && l.value == channel);
        o = o || (l.name == "outcome" && l.value == outcome);
      }
      if (c && o) return m.counter.value;
    }
  }
  return 0;
}

std::string TestSourceDir() { return VIGIE_SOURCE_DIR "/tests/testing"; }

}  // namespace vigie::daemon::notify::testing
