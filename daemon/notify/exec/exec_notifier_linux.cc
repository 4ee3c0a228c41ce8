// RunProgram on Linux: posix_spawnp in a new process group, stdin from a
// socketpair (so that a child closing stdin early gives EPIPE to send() with
// MSG_NOSIGNAL instead of SIGPIPE to vigied), stdout+stderr to a pipe whose
// tail is kept for the error message.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"
#include "daemon/notify/exec/exec_notifier.h"

extern char** environ;

namespace vigie::daemon::notify {

namespace {

constexpr size_t kMaxOutput = 2048;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

absl::Status Errno(std::string_view what) {
  return absl::InternalError(StrCat(what, ": ", std::strerror(errno)));
}

std::vector<std::string> BuildEnv(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos && extra.count(std::string(kv.substr(0, eq))) > 0) continue;
    out.emplace_back(kv);
  }
  for (const auto& [k, v] : extra) out.push_back(StrCat(k, "=", v));
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<ProgramRun> RunProgram(const std::vector<std::string>& argv_in,
                                      const std::map<std::string, std::string>& env_in,
                                      const std::string& input, std::chrono::milliseconds timeout) {
  if (argv_in.empty()) return absl::InvalidArgumentError("empty command");
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Errno("socketpair");
  Fd in_parent(sv[0]), in_child(sv[1]);
  int pp[2];
  if (::pipe2(pp, O_CLOEXEC) != 0) return Errno("pipe");
  Fd out_parent(pp[0]), out_child(pp[1]);

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, in_child.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out_child.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out_child.get(), STDERR_FILENO);
  posix_spawnattr_setpgroup(&attr, 0);  // own group: a timeout kills the whole group
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argv_s = argv_in;
  std::vector<std::string> env_s = BuildEnv(env_in);
  std::vector<char*> argv = CStrings(argv_s);
  std::vector<char*> envp = CStrings(env_s);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        StrCat("cannot run ", argv_in.front(), ": ", std::strerror(rc)));
  }
  in_child.Close();
  out_child.Close();

  ProgramRun run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t written = 0;
  if (input.empty()) in_parent.Close();
  bool out_open = true;
  auto read_output = [&] {
    char buf[4096];
    const ssize_t r = ::read(out_parent.get(), buf, sizeof(buf));
    if (r > 0) {
      run.output.append(buf, static_cast<size_t>(r));
      if (run.output.size() > kMaxOutput) run.output.erase(0, run.output.size() - kMaxOutput);
    } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
      out_open = false;
    }
  };
  int status = 0;
  bool exited = false;
  // Bounded by `deadline`; every poll waits at most 50 ms.
  while (!exited) {
    if (std::chrono::steady_clock::now() >= deadline) {
      run.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);  // SIGKILL cannot be ignored: returns promptly
      break;
    }
    pollfd fds[2];
    nfds_t nfds = 0;
    if (in_parent.get() >= 0) fds[nfds++] = {in_parent.get(), POLLOUT, 0};
    if (out_open) fds[nfds++] = {out_parent.get(), POLLIN, 0};
    if (nfds > 0) ::poll(fds, nfds, 50);
    for (nfds_t i = 0; i < nfds; ++i) {
      if (fds[i].fd == in_parent.get() && fds[i].revents != 0) {
        const ssize_t w = ::send(in_parent.get(), input.data() + written, input.size() - written,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
          in_parent.Close();  // done, or the child stopped reading: it sees EOF
        }
      } else if (fds[i].fd == out_parent.get() && fds[i].revents != 0) {
        read_output();
      }
    }
    if (nfds == 0) ::usleep(10'000);
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) exited = true;
  }
  // What the program wrote just before exiting is already in the pipe; take
  // it without waiting (a straggler may hold the pipe open).
  for (int i = 0; i < 16 && out_open; ++i) {
    pollfd p{out_parent.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    read_output();
  }
  // Whatever the leader did, its group's stragglers do not outlive the run.
  ::kill(-pid, SIGKILL);
  if (!run.timed_out) {
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  }
  while (!run.output.empty() && (run.output.back() == '\n' || run.output.back() == '\r')) {
    run.output.pop_back();
  }
  return run;
}

}  // namespace vigie::daemon::notify
