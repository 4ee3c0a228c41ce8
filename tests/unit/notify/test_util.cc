#include "tests/unit/notify/test_util.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vigie::daemon::notify::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/vigie-notify-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content,
                           bool executable) const {
  const std::string p = Path(name);
  std::ofstream(p, std::ios::binary) << content;
  ::chmod(p.c_str(), executable ? 0755 : 0644);
  return p;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

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

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

namespace {
size_t Append(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}
}  // namespace

GetResult HttpGet(const std::string& url) {
  GetResult r;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(c);
  return r;
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

std::string TestSourceDir() { return VIGIE_SOURCE_DIR "/tests/unit/notify"; }

}  // namespace vigie::daemon::notify::testing
