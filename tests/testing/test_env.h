// Test environment helpers shared by every test that runs real processes or
// talks to real servers: temporary directories, free loopback ports, child
// processes with logs, commands with captured output, HTTP GET, and a parser
// for the Prometheus text exposition.
//
// For tests only. Every wait is bounded in time; processes are killed and
// reaped when their owner goes away, and their log tails are printed when the
// running test has failed.
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

namespace vigie::test_env {

using std::chrono::milliseconds;
using Env = std::vector<std::pair<std::string, std::string>>;
using LabelMap = std::map<std::string, std::string>;

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
  // Writes `content` to path()/name (mode 0755 when `executable`) and returns
  // the full path.
  std::string WriteFile(const std::string& name, const std::string& content,
                        bool executable = false) const;

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
             milliseconds poll = milliseconds(50));

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

}  // namespace vigie::test_env
