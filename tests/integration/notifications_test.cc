// End to end, with real processes only: an agent whose fixture root holds a
// real directory of this machine's disk; a rule on that filesystem's free
// space; vigied routing the alert to a real SMTP server (aiosmtpd), a webhook
// receiver (Python http.server) and a real Alertmanager. The disk "fills" by
// allocating a file: the rule's threshold is set just below the free space
// measured when the test starts.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

constexpr milliseconds kInterval(300);
constexpr char kPython[] = "/usr/bin/python3";
constexpr char kAlertmanager[] = "/usr/bin/prometheus-alertmanager";
// The file that fills the disk: the rule fires below (free at start - 64 MiB).
constexpr uint64_t kFillBytes = 128ull << 20;
constexpr uint64_t kMarginBytes = 64ull << 20;
constexpr char kRunbook[] = "https://runbooks.example.com/data-filling";

std::string Testing(const std::string& file) {
  return StrCat(VIGIE_SOURCE_DIR, "/tests/testing/", file);
}

// A webhook receiver (tests/testing/http_receiver.py) answering `answers`.
class Webhook {
 public:
  Webhook(const TempDir& tmp, const std::string& name, const std::string& answers)
      : log_(tmp.Path(name + ".jsonl")), port_file_(tmp.Path(name + ".port")) {
    process_ = std::make_unique<Process>(Process::Options{
        .name = name,
        .argv = {kPython, Testing("http_receiver.py"), port_file_, log_, answers},
        .log_dir = tmp.path(),
    });
    EXPECT_TRUE(WaitFor([&] { return !ReadFileOrEmpty(port_file_).empty(); }, milliseconds(10'000)))
        << name << " did not start\n"
        << process_->LogTail();
  }
  std::string Url() const {
    return StrCat("http://127.0.0.1:", ReadFileOrEmpty(port_file_), "/hook");
  }
  // Every request received, parsed: {path, headers, body (parsed JSON), answer}.
  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> out;
    std::istringstream in(ReadFileOrEmpty(log_));
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      j["payload"] = nlohmann::json::parse(j["body"].get<std::string>(), nullptr, false);
      out.push_back(std::move(j));
    }
    return out;
  }
  // Payloads answered with 2xx (delivered), in order.
  std::vector<nlohmann::json> Delivered() const {
    std::vector<nlohmann::json> out;
    for (auto& r : Requests()) {
      if (r["answer"].get<int>() / 100 == 2) out.push_back(r["payload"]);
    }
    return out;
  }

 private:
  std::string log_;
  std::string port_file_;
  std::unique_ptr<Process> process_;
};

// A real SMTP server (tests/testing/smtp_sink.py, aiosmtpd) on `port`.
class SmtpSink {
 public:
  SmtpSink(const TempDir& tmp, int port) : dir_(tmp.Path("mail")) {
    std::filesystem::create_directories(dir_);
    process_ = std::make_unique<Process>(Process::Options{
        .name = "smtp",
        .argv = {kPython, Testing("smtp_sink.py"), std::to_string(port), dir_},
        .log_dir = tmp.path(),
    });
    EXPECT_TRUE(
        WaitFor([&] { return std::filesystem::exists(dir_ + "/ready"); }, milliseconds(10'000)))
        << "smtp sink did not start\n"
        << process_->LogTail();
  }
  std::vector<std::string> Mails() const {
    std::vector<std::string> out;
    for (int i = 1;; ++i) {
      const std::string path = StrCat(dir_, "/", i, ".eml");
      if (!std::filesystem::exists(path)) break;
      out.push_back(ReadFileOrEmpty(path));
    }
    return out;
  }

 private:
  std::string dir_;
  std::unique_ptr<Process> process_;
};

uint64_t AvailBytes(const std::string& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) return 0;
  return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

class NotificationsTest : public VigiedFixture {
 protected:
  NotificationsTest() : smtp_port_(FreePort()) {
    // The agent's fixture root: /proc/mounts lists one filesystem, /data, a
    // directory of the test's real disk.
    tmp_.WriteFile("fsroot/proc/mounts", "/dev/vdz /data ext4 rw,relatime 0 0\n");
    std::filesystem::create_directories(tmp_.Path("fsroot/data"));
    threshold_ = AvailBytes(tmp_.Path("fsroot/data")) - kMarginBytes;
    tmp_.WriteFile("rules.yml", StrCat(R"(groups:
  - name: disk
    interval: 1m
    rules:
      - alert: DataFilling
        expr: node_filesystem_avail_bytes{mountpoint="/data"} < )",
                                       threshold_, R"(
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.mountpoint }} on {{ $labels.host }} is filling up"
          runbook_url: ")",
                                       kRunbook, "\"\n"));
  }

  // vigied.yaml with the rules, `routing` (route/receivers/... sections) and
  // fast notification retries.
  void Configure(const std::string& routing) {
    WriteDaemonConfig(3, StrCat("rule_files: [rules.yml]\n"
                                "notifications:\n"
                                "  retry_initial_backoff: 200ms\n"
                                "  retry_max_backoff: 500ms\n"
                                "  give_up_after: 1m\n",
                                routing));
  }

  // A route to receiver `ops`, grouping by alert and host, with `receiver`
  // (the receiver's channel configs, indented under it).
  static std::string OpsRoute(const std::string& channels, const std::string& group_wait = "0s",
                              const std::string& group_interval = "1s") {
    return StrCat(
        "route:\n"
        "  receiver: ops\n"
        "  group_by: [alertname, host]\n"
        "  group_wait: ",
        group_wait,
        "\n"
        "  group_interval: ",
        group_interval,
        "\n"
        "  repeat_interval: 1h\n"
        "receivers:\n"
        "  - name: ops\n",
        channels);
  }
  static std::string WebhookChannel(const Webhook& hook) {
    return StrCat("    webhook_configs:\n      - url: ", hook.Url(), "\n");
  }
  std::string EmailChannel() const {
    return StrCat(
        "    email_configs:\n"
        "      - to: oncall@example.com\n"
        "        from: vigie@example.com\n"
        "        smarthost: 127.0.0.1:",
        smtp_port_,
        "\n"
        "        require_tls: false\n");
  }

  void StartDiskAgent() {
    StartAgent({.host = "db1",
                .interval = kInterval,
                .extra_yaml = StrCat("paths:\n  proc: ", tmp_.Path("fsroot/proc"),
                                     "\n  root: ", tmp_.Path("fsroot"),
                                     "\ncollectors:\n  disabled: [cpu, meminfo, loadavg, "
                                     "diskstats, netdev, uptime, processes]\n")});
    ASSERT_TRUE(WaitFor(
        [&] {
          return Metric("node_filesystem_avail_bytes", {{"host", "db1"}, {"mountpoint", "/data"}})
              .has_value();
        },
        milliseconds(15'000)))
        << "the agent's /data filesystem never reached vigied\n"
        << agent("db1").LogTail();
  }

  void Fill() {
    const std::string path = tmp_.Path("fsroot/data/fill");
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(kFillBytes)), 0);
    ::close(fd);
  }
  void Empty() { std::filesystem::remove(tmp_.Path("fsroot/data/fill")); }

  bool Firing() const {
    return Metric("ALERTS", {{"alertname", "DataFilling"}, {"alertstate", "firing"}}) == 1.0;
  }
  double Notifications(const std::string& channel, const std::string& outcome) const {
    return Metric("vigie_notifications_total", {{"channel", channel}, {"outcome", outcome}})
        .value_or(0);
  }
  static std::vector<std::string> Statuses(const std::vector<nlohmann::json>& payloads) {
    std::vector<std::string> out;
    for (const auto& p : payloads) out.push_back(p.value("status", "?"));
    return out;
  }

  int smtp_port_;
  uint64_t threshold_ = 0;
};

TEST_F(NotificationsTest, FillingDiskMailsOnceWithRunbookThenResolution) {
  SmtpSink smtp(tmp_, smtp_port_);
  Webhook hook(tmp_, "hook", "200");
  Configure(OpsRoute(EmailChannel() + WebhookChannel(hook)));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  EXPECT_FALSE(Firing());

  Fill();
  ASSERT_TRUE(WaitFor([&] { return smtp.Mails().size() >= 1; }, milliseconds(20'000)))
      << "no mail\n"
      << vigied_->LogTail();
  const std::string mail = smtp.Mails()[0];
  EXPECT_NE(mail.find(kRunbook), std::string::npos) << mail;
  EXPECT_NE(mail.find("DataFilling"), std::string::npos) << mail;
  EXPECT_NE(mail.find("db1"), std::string::npos) << mail;
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() >= 1; }, milliseconds(10'000)));
  const auto payload = hook.Delivered()[0];
  EXPECT_EQ(payload["status"], "firing");
  EXPECT_EQ(payload["version"], "1");
  EXPECT_EQ(payload["commonLabels"]["alertname"], "DataFilling");
  EXPECT_EQ(payload["commonLabels"]["host"], "db1");
  EXPECT_EQ(payload["alerts"][0]["annotations"]["runbook_url"], kRunbook);
  EXPECT_FALSE(payload["idempotencyKey"].get<std::string>().empty());

  // Still firing, every batch re-evaluates the rule: nothing new is sent.
  std::this_thread::sleep_for(milliseconds(3000));
  EXPECT_EQ(smtp.Mails().size(), 1u);
  EXPECT_EQ(hook.Delivered().size(), 1u);

  Empty();
  ASSERT_TRUE(WaitFor([&] { return smtp.Mails().size() >= 2; }, milliseconds(20'000)))
      << "no resolution mail\n"
      << vigied_->LogTail();
  EXPECT_NE(smtp.Mails()[1].find("RESOLVED"), std::string::npos) << smtp.Mails()[1];
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() >= 2; }, milliseconds(10'000)));
  EXPECT_EQ(Statuses(hook.Delivered()), (std::vector<std::string>{"firing", "resolved"}));
  EXPECT_EQ(Notifications("email", "sent"), 2.0);
  EXPECT_EQ(Notifications("webhook", "sent"), 2.0);
}

TEST_F(NotificationsTest, ForwardsToARealAlertmanager) {
  ASSERT_EQ(::access(kAlertmanager, X_OK), 0)
      << kAlertmanager << " is missing: apt-get install prometheus-alertmanager";
  const int am_port = FreePort();
  const int am_cluster_port = FreePort();
  const std::string am_config = tmp_.WriteFile(
      "alertmanager.yml", "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n");
  Process am({.name = "alertmanager",
              .argv = {kAlertmanager, "--config.file=" + am_config,
                       "--storage.path=" + tmp_.Path("am-data"),
                       StrCat("--web.listen-address=127.0.0.1:", am_port),
                       StrCat("--cluster.listen-address=127.0.0.1:", am_cluster_port)},
              .log_dir = tmp_.path()});
  const std::string am_url = StrCat("http://127.0.0.1:", am_port);
  ASSERT_TRUE(
      WaitFor([&] { return HttpGet(am_url + "/-/ready").status == 200; }, milliseconds(20'000)))
      << am.LogTail();
  Configure(OpsRoute(StrCat("    alertmanager_configs:\n      - url: ", am_url, "\n")));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  Fill();
  nlohmann::json alerts;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = HttpGet(am_url + "/api/v2/alerts");
        alerts = nlohmann::json::parse(r.body, nullptr, false);
        return r.status == 200 && alerts.is_array() && !alerts.empty();
      },
      milliseconds(20'000)))
      << "Alertmanager never got the alert\n"
      << vigied_->LogTail();
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "DataFilling");
  EXPECT_EQ(alerts[0]["labels"]["host"], "db1");
  EXPECT_EQ(alerts[0]["annotations"]["runbook_url"], kRunbook);
}

TEST_F(NotificationsTest, SilenceMutesUntilExpiredAndIsAudited) {
  Webhook hook(tmp_, "hook", "200");
  Configure(OpsRoute(WebhookChannel(hook)));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());

  auto add = Vigiectl({"silence", "add", "--match", "host=db1", "--match", "alertname=~Data.*",
                       "--for", "2h", "--comment", "disk swap", "--author", "alice"});
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  std::string id = add.out;
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.pop_back();
  ASSERT_FALSE(id.empty());

  Fill();
  ASSERT_TRUE(WaitFor([&] { return Firing(); }, milliseconds(20'000)));
  // Recorded, shown as muted, never notified.
  auto alerts = Vigiectl({"alerts", "--state", "firing", "-o", "json"});
  ASSERT_EQ(alerts.exit_code, 0) << alerts.err;
  EXPECT_NE(alerts.out.find(id), std::string::npos) << alerts.out;
  EXPECT_NE(alerts.out.find("silence"), std::string::npos) << alerts.out;
  std::this_thread::sleep_for(milliseconds(3000));
  EXPECT_TRUE(hook.Requests().empty()) << "a silenced alert was notified";

  auto expire = Vigiectl({"silence", "expire", id});
  ASSERT_EQ(expire.exit_code, 0) << expire.out << expire.err;
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 1; }, milliseconds(10'000)))
      << "the alert was not notified once its silence expired\n"
      << vigied_->LogTail();
  EXPECT_EQ(hook.Delivered()[0]["status"], "firing");

  // A second silence, now that the alert's incident is open: on its timeline.
  auto again = Vigiectl({"silence", "add", "--match", "host=db1", "--for", "1h", "--comment",
                         "still swapping", "--author", "bob"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  auto incident = Vigiectl({"incident", "show", "1", "-o", "json"});
  EXPECT_NE(incident.out.find("\"silenced\""), std::string::npos) << incident.out;
  EXPECT_NE(incident.out.find("still swapping"), std::string::npos) << incident.out;

  auto audit = Vigiectl({"audit", "-o", "json"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_NE(audit.out.find("silence.add"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("silence.expire"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("alice"), std::string::npos) << audit.out;
}

TEST_F(NotificationsTest, MaintenanceWindowMutes) {
  Webhook hook(tmp_, "hook", "200");
  Configure(OpsRoute(WebhookChannel(hook)) +
            "maintenance_windows:\n"
            "  - name: db1-disk-swap\n"
            "    matchers: ['host=\"db1\"']\n"
            "    schedule:\n"
            "      start: 2020-01-01T00:00:00Z\n"
            "      end: 2100-01-01T00:00:00Z\n");
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  Fill();
  ASSERT_TRUE(WaitFor([&] { return Firing(); }, milliseconds(20'000)));
  auto alerts = Vigiectl({"alerts", "-o", "json"});
  EXPECT_NE(alerts.out.find("db1-disk-swap"), std::string::npos) << alerts.out;
  std::this_thread::sleep_for(milliseconds(3000));
  EXPECT_TRUE(hook.Requests().empty()) << "an alert in a maintenance window was notified";
}

TEST_F(NotificationsTest, WebhookFailingThenRecoveringGetsEachNotificationOnce) {
  Webhook hook(tmp_, "hook", "500,500,503,200");
  Configure(OpsRoute(WebhookChannel(hook)));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  Fill();
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 1; }, milliseconds(30'000)))
      << vigied_->LogTail();
  Empty();
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 2; }, milliseconds(30'000)));
  std::this_thread::sleep_for(milliseconds(2000));
  const auto delivered = hook.Delivered();
  EXPECT_EQ(Statuses(delivered), (std::vector<std::string>{"firing", "resolved"}));
  // The three failures were the same notification, retried with its key.
  const auto requests = hook.Requests();
  ASSERT_EQ(requests.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(requests[i]["payload"]["idempotencyKey"], delivered[0]["idempotencyKey"]);
  }
  EXPECT_EQ(Notifications("webhook", "retried"), 3.0);
  EXPECT_EQ(Notifications("webhook", "sent"), 2.0);
  EXPECT_EQ(Notifications("webhook", "failed"), 0.0);
}

TEST_F(NotificationsTest, SmtpDownIsRetriedAndCountedUntilItComesBack) {
  Configure(OpsRoute(EmailChannel()));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  Fill();
  ASSERT_TRUE(WaitFor([&] { return Notifications("email", "retried") >= 2; }, milliseconds(20'000)))
      << vigied_->LogTail();
  SmtpSink smtp(tmp_, smtp_port_);
  ASSERT_TRUE(WaitFor([&] { return smtp.Mails().size() == 1; }, milliseconds(20'000)))
      << vigied_->LogTail();
  EXPECT_EQ(Notifications("email", "sent"), 1.0);
  EXPECT_EQ(Notifications("email", "failed"), 0.0);
}

// kill -9 between "alert firing" and "notification sent" (the group waits
// 3 s): after the restart exactly one notification is sent.
TEST_F(NotificationsTest, KillDuringGroupWaitNotifiesExactlyOnceAfterRestart) {
  Webhook hook(tmp_, "hook", "200");
  Configure(OpsRoute(WebhookChannel(hook), "3s", "1s"));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  Fill();
  ASSERT_TRUE(WaitFor([&] { return Firing(); }, milliseconds(20'000)));
  vigied_->Signal(SIGKILL);
  vigied_->Wait(milliseconds(5000));
  EXPECT_TRUE(hook.Requests().empty()) << "notified before group_wait";
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 1; }, milliseconds(20'000)))
      << vigied_->LogTail();
  std::this_thread::sleep_for(milliseconds(4000));
  EXPECT_EQ(hook.Delivered().size(), 1u);
}

// kill -9 after the notification: the firing alert is restored and not
// notified again; its resolution, which happens while the daemon is down, is.
TEST_F(NotificationsTest, KillAfterNotificationDoesNotRepeatAndResolutionIsSent) {
  Webhook hook(tmp_, "hook", "200");
  Configure(OpsRoute(WebhookChannel(hook)));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  Fill();
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 1; }, milliseconds(20'000)));
  vigied_->Signal(SIGKILL);
  vigied_->Wait(milliseconds(5000));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_TRUE(WaitFor([&] { return Firing(); }, milliseconds(20'000)));
  std::this_thread::sleep_for(milliseconds(3000));
  EXPECT_EQ(hook.Delivered().size(), 1u) << "a restored firing alert was notified again";

  Empty();
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 2; }, milliseconds(20'000)))
      << vigied_->LogTail();
  EXPECT_EQ(Statuses(hook.Delivered()), (std::vector<std::string>{"firing", "resolved"}));
}

// A resolution that happened before the crash but was not yet sent (the group
// is looked at every 4 s) is sent after the restart.
TEST_F(NotificationsTest, ResolutionBeforeCrashIsStillNotified) {
  Webhook hook(tmp_, "hook", "200");
  Configure(OpsRoute(WebhookChannel(hook), "0s", "4s"));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());
  Fill();
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 1; }, milliseconds(20'000)));
  Empty();
  ASSERT_TRUE(WaitFor(
      [&] {
        return Metric("vigie_alerts", {{"alertname", "DataFilling"}, {"state", "resolved"}}) == 1.0;
      },
      milliseconds(20'000)));
  vigied_->Signal(SIGKILL);
  vigied_->Wait(milliseconds(5000));
  ASSERT_EQ(hook.Delivered().size(), 1u) << "resolution sent before the crash: test too slow";
  agent("db1").Signal(SIGKILL);  // the restored state alone must carry the resolution
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_TRUE(WaitFor([&] { return hook.Delivered().size() == 2; }, milliseconds(20'000)))
      << vigied_->LogTail();
  EXPECT_EQ(Statuses(hook.Delivered()), (std::vector<std::string>{"firing", "resolved"}));
}

TEST_F(NotificationsTest, ReloadAppliesAGoodConfigAndRefusesABadOne) {
  Webhook first(tmp_, "first", "200");
  Webhook second(tmp_, "second", "200");
  Configure(OpsRoute(WebhookChannel(first)));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_NO_FATAL_FAILURE(StartDiskAgent());

  // A bad file: refused with its place, the running configuration is kept.
  const std::string good = ReadFileOrEmpty(daemon_config_);
  tmp_.WriteFile("vigied.yaml", good + "route_typo: 1\n");
  auto bad = Vigiectl({"reload"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE((bad.out + bad.err).find("vigied.yaml:"), std::string::npos) << bad.out << bad.err;
  EXPECT_NE((bad.out + bad.err).find("route_typo"), std::string::npos) << bad.out << bad.err;

  // SIGHUP with a good file: the new receiver gets the next notification.
  Configure(OpsRoute(WebhookChannel(second)));
  vigied_->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto audit = Vigiectl({"audit", "-o", "json"});
        return audit.out.find("applied") != std::string::npos;
      },
      milliseconds(10'000)))
      << vigied_->LogTail();
  Fill();
  ASSERT_TRUE(WaitFor([&] { return second.Delivered().size() == 1; }, milliseconds(20'000)))
      << vigied_->LogTail();
  EXPECT_TRUE(first.Requests().empty());
  auto audit = Vigiectl({"audit", "-o", "json"});
  EXPECT_NE(audit.out.find("refused"), std::string::npos) << audit.out;
}

}  // namespace
}  // namespace vigie::itest
