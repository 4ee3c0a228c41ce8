// Integration test harness: real vigied, vigie-agent and vigiectl processes on
// 127.0.0.1 with free ports, in a temporary directory.
//
// Everything here is for tests only. Every wait is bounded in time; processes
// are killed and reaped when their owner goes away, and their log tails are
// printed when the running test has failed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace vigie::itest {

using std::chrono::milliseconds;
using Env = std::vector<std::pair<std::string, std::string>>;
using LabelMap = std::map<std::string, std::string>;

// Paths of the binaries under test (compile definitions set by CMake).
const char* VigiedBinary();
const char* AgentBinary();
const char* VigiectlBinary();

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on
// destruction unless the environment sets VIGIE_KEEP_TMP=1.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name.
  std::string Path(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to path()/name and returns the full path.
  std::string WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it,
// close). Another process may take it before use; tests accept that small race.
int FreePort();

// Reads a whole file; empty if it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// A child process started with fork + execv. stdout and stderr go to
// <log_dir>/<name>.stdout and <log_dir>/<name>.stderr (appended, so a restarted
// component keeps one log). The destructor kills it (SIGKILL) and reaps it, and
// prints the tail of both logs if the current test has failed.
class Process {
 public:
  struct Options {
    std::string name{};               // for log files and messages
    std::vector<std::string> argv{};  // argv[0] is the binary path
    std::string log_dir{};
    Env env{};          // added to (or replacing in) the inherited environment
    std::string cwd{};  // empty: inherit
  };

  explicit Process(Options options);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return options_.name; }
  void Signal(int sig);
  // Waits for the process to exit; returns its exit code (128 + signal when
  // killed by a signal), or nullopt if it is still running after `timeout`.
  std::optional<int> Wait(milliseconds timeout);
  bool IsRunning();
  std::string Stdout() const;
  std::string Stderr() const;
  // The last `lines` lines of stdout and stderr, labelled.
  std::string LogTail(int lines = 40) const;

 private:
  // Non-blocking reap; true once the process has exited.
  bool Reap();

  Options options_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct CommandResult {
  int exit_code = -1;  // -1: timed out (the command was killed) or could not run
  std::string out;
  std::string err;
};

// Runs argv to completion, feeding `input` on stdin; kills it after `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         milliseconds timeout = milliseconds(20'000),
                         const std::string& input = "");

struct HttpResponse {
  long status = 0;  // 0: no HTTP answer (connection refused, timeout, ...)
  std::string body;
};

// GET with short connect and transfer timeouts.
HttpResponse HttpGet(const std::string& url, milliseconds timeout = milliseconds(2000));

// Polls `predicate` every `poll` until it returns true (-> true) or `timeout`
// has passed (-> false).
bool WaitFor(const std::function<bool()>& predicate, milliseconds timeout,
             milliseconds poll = milliseconds(100));

// One sample of a Prometheus text exposition.
struct PromSample {
  std::string name;
  LabelMap labels;
  double value = 0;
};

// Parses the text exposition format (comments skipped, label values unescaped).
std::vector<PromSample> ParseExposition(const std::string& text);
// Samples named `name` whose labels include every pair of `subset`.
std::vector<PromSample> FindSamples(const std::vector<PromSample>& samples, const std::string& name,
                                    const LabelMap& subset = {});
// The value of the first such sample, if any.
std::optional<double> FindValue(const std::vector<PromSample>& samples, const std::string& name,
                                const LabelMap& subset = {});

struct AgentSpec {
  std::string host{};
  LabelMap labels{};
  milliseconds interval = milliseconds(300);
  std::string extra_yaml{};  // appended to the generated config
};

// A temporary directory, a vigied on free ports with its data there, and any
// number of agents reporting to it.
class VigiedFixture : public ::testing::Test {
 protected:
  VigiedFixture();
  ~VigiedFixture() override;

  // Writes vigied.yaml. `extra_yaml` is appended (top-level sections other
  // than listen, storage and hosts, e.g. "ingest:\n  max_message_size: 64KiB\n").
  void WriteDaemonConfig(int stale_after_intervals = 3, const std::string& extra_yaml = "");
  // Starts vigied on the config (written with defaults if not yet) and waits
  // for /readyz to answer 200. Fails the test (fatally) if it does not.
  void StartVigied();
  // SIGTERM, then waits for exit; returns the exit code.
  std::optional<int> StopVigied(milliseconds timeout = milliseconds(10'000));

  // Writes an agent config for `spec` and returns its path.
  std::string WriteAgentConfig(const AgentSpec& spec);
  Process& StartAgent(const AgentSpec& spec);
  Process& agent(const std::string& host) { return *agents_.at(host); }

  std::string GrpcAddress() const;
  std::string HttpUrl(const std::string& path) const;
  // GET /metrics, parsed; empty when vigied does not answer.
  std::vector<PromSample> Metrics() const;
  std::optional<double> Metric(const std::string& name, const LabelMap& subset = {}) const;
  // Runs vigiectl --server <grpc address> args...
  CommandResult Vigiectl(const std::vector<std::string>& args) const;

  TempDir tmp_;
  int grpc_port_;
  int http_port_;
  std::string daemon_config_;
  std::unique_ptr<Process> vigied_;
  std::map<std::string, std::unique_ptr<Process>> agents_;
};

}  // namespace vigie::itest
