#include "tests/testing/test_env.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/strings.h"

namespace vigie::test_env {

using Clock = std::chrono::steady_clock;

// --- TempDir -----------------------------------------------------------------

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/vigie-it-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << pattern << "): " << std::strerror(errno);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("VIGIE_KEEP_TMP");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "VIGIE_KEEP_TMP=1: keeping " << path_ << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::WriteFile(const std::string& name, const std::string& content,
                               bool executable) const {
  const std::string file = Path(name);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
  {
    std::ofstream out(file, std::ios::trunc);
    out << content;
    if (!out) ADD_FAILURE() << "cannot write " << file;
  }
  if (executable && chmod(file.c_str(), 0755) != 0) ADD_FAILURE() << "cannot chmod " << file;
  return file;
}

// --- small helpers ---------------------------------------------------------------

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitFor(const std::function<bool()>& predicate, milliseconds timeout, milliseconds poll) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

namespace {

// The last `lines` lines of `text`.
std::string Tail(const std::string& text, int lines) {
  size_t start = text.size();
  if (start > 0 && text[start - 1] == '\n') --start;  // the final newline ends the last line
  for (int n = 0; n < lines; ++n) {
    if (start == 0) return text;
    const size_t nl = text.rfind('\n', start - 1);
    if (nl == std::string::npos) return text;
    start = nl;
  }
  return text.substr(start + 1);
}

// Exit code from a waitpid status: the code, or 128 + the signal.
int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<char*> CArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child after fork: exec argv or exit 127. Only async-signal-safe calls.
[[noreturn]] void ExecChild(const std::vector<char*>& argv) {
  execv(argv[0], argv.data());
  static const char kMsg[] = "execv failed\n";
  (void)!write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  _exit(127);
}

}  // namespace

// --- Process -------------------------------------------------------------------

Process::Process(Options options) : options_(std::move(options)) {
  const std::string out_path = StrCat(options_.log_dir, "/", options_.name, ".stdout");
  const std::string err_path = StrCat(options_.log_dir, "/", options_.name, ".stderr");
  const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) {
    ADD_FAILURE() << "cannot open logs of " << options_.name << " in " << options_.log_dir;
  }
  std::vector<char*> argv = CArgv(options_.argv);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Die with the test process, even if it crashes before its destructors run.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (!options_.cwd.empty() && chdir(options_.cwd.c_str()) != 0) _exit(126);
    for (const auto& [key, value] : options_.env) setenv(key.c_str(), value.c_str(), 1);
    ExecChild(argv);
  }
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);
  if (pid_ < 0) ADD_FAILURE() << "fork for " << options_.name << ": " << std::strerror(errno);
}

Process::~Process() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- logs of " << options_.name << " (pid " << pid_ << ") ----\n"
              << LogTail() << "---- end of " << options_.name << " ----\n";
  }
  if (pid_ > 0 && !Reap()) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

bool Process::Reap() {
  if (exit_code_) return true;
  if (pid_ <= 0) return true;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = ExitCode(status);
    return true;
  }
  return r < 0;  // not our child any more: nothing to wait for
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !Reap()) kill(pid_, sig);
}

std::optional<int> Process::Wait(milliseconds timeout) {
  WaitFor([this] { return Reap(); }, timeout, milliseconds(20));
  return exit_code_;
}

bool Process::IsRunning() { return !Reap(); }

std::string Process::Stdout() const {
  return ReadFileOrEmpty(StrCat(options_.log_dir, "/", options_.name, ".stdout"));
}

std::string Process::Stderr() const {
  return ReadFileOrEmpty(StrCat(options_.log_dir, "/", options_.name, ".stderr"));
}

std::string Process::LogTail(int lines) const {
  return StrCat("[stdout]\n", Tail(Stdout(), lines), "[stderr]\n", Tail(Stderr(), lines));
}

// --- RunCommand ------------------------------------------------------------------

CommandResult RunCommand(const std::vector<std::string>& argv, milliseconds timeout,
                         const std::string& input) {
  CommandResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = StrCat("pipe: ", std::strerror(errno));
    return result;
  }
  std::vector<char*> cargv = CArgv(argv);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    ExecChild(cargv);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = StrCat("fork: ", std::strerror(errno));
    return result;
  }
  // A child that does not read its stdin must not kill us with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  int open_outputs = 2;
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  while (open_outputs > 0) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (poll(fds, 3, static_cast<int>(std::min<long>(left, 100))) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[8192];
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        (i == 0 ? out_fd : err_fd) = -1;
        --open_outputs;
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  for (int fd : {in_fd, out_fd, err_fd}) {
    if (fd >= 0) close(fd);
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = timed_out ? -1 : ExitCode(status);
  if (timed_out) StrAppend(result.err, "\n[harness: killed after ", timeout.count(), " ms]");
  return result;
}

// --- HttpGet -----------------------------------------------------------------------

namespace {

size_t AppendBody(char* data, size_t size, size_t nmemb, void* user) {
  static_cast<std::string*>(user)->append(data, size * nmemb);
  return size * nmemb;
}

}  // namespace

HttpResponse HttpGet(const std::string& url, milliseconds timeout) {
  static const bool kInit = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  HttpResponse response;
  CURL* curl = kInit ? curl_easy_init() : nullptr;
  if (curl == nullptr) return response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  } else {
    response.body.clear();
  }
  curl_easy_cleanup(curl);
  return response;
}

// --- Prometheus exposition ------------------------------------------------------------

std::vector<PromSample> ParseExposition(const std::string& text) {
  std::vector<PromSample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    PromSample s;
    size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) continue;
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') break;
        std::string name = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value.push_back(line[j] == 'n' ? '\n' : line[j]);
          } else {
            value.push_back(line[j]);
          }
        }
        s.labels[name] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    const std::string rest = i < line.size() ? line.substr(i) : "";
    std::istringstream value_in(rest);
    std::string value;
    value_in >> value;
    if (value.empty()) continue;
    s.value = std::strtod(value.c_str(), nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<PromSample> FindSamples(const std::vector<PromSample>& samples, const std::string& name,
                                    const LabelMap& subset) {
  std::vector<PromSample> out;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : subset) {
      auto it = s.labels.find(k);
      match = match && it != s.labels.end() && it->second == v;
    }
    if (match) out.push_back(s);
  }
  return out;
}

std::optional<double> FindValue(const std::vector<PromSample>& samples, const std::string& name,
                                const LabelMap& subset) {
  auto found = FindSamples(samples, name, subset);
  if (found.empty()) return std::nullopt;
  return found.front().value;
}

}  // namespace vigie::test_env
