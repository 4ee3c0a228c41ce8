// Notifiers against real peers on 127.0.0.1: an SMTP server (aiosmtpd), a
// webhook/chat receiver (Python http.server), a real Prometheus Alertmanager
// (Debian prometheus-alertmanager) and real programs for exec. Retries go
// through the Retrier with a fake clock and sleeper, so nothing waits for a
// real backoff. Every wait is bounded.
#include <signal.h>
#include <sys/types.h>

#include <memory>
#include <optional>

#include "daemon/notify/alertmanager/alertmanager_notifier.h"
#include "daemon/notify/chat/chat_notifier.h"
#include "daemon/notify/email/email_notifier.h"
#include "daemon/notify/exec/exec_notifier.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/retrier.h"
#include "daemon/notify/template.h"
#include "daemon/notify/webhook/webhook_notifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/unit/notify/test_util.h"

namespace vigie::daemon::notify {
namespace {

using std::chrono::milliseconds;
using testing::Child;
using ::testing::HasSubstr;
using testing::SampleNotification;
using testing::TempDir;

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kAlertmanager[] = "/usr/bin/prometheus-alertmanager";

class NotifyIntegrationTest : public ::testing::Test {
 protected:
  NotifyIntegrationTest() {
    options_.backoff = {milliseconds(500), milliseconds(10'000), 2.0, 0.2};
    options_.max_elapsed = milliseconds(10'000);
  }
  Retrier MakeRetrier() { return Retrier(options_, clock_, sleeper_, registry_, 42); }
  double Count(const std::string& channel, const std::string& outcome) {
    return testing::NotificationsTotal(registry_, channel, outcome);
  }

  // Starts the Python receiver answering `answers`; returns its base URL.
  std::string StartReceiver(const std::string& answers) {
    receiver_ = std::make_unique<Child>(
        std::vector<std::string>{kPython, testing::TestSourceDir() + "/http_receiver.py",
                                 tmp_.Path("port"), tmp_.Path("requests.jsonl"), answers},
        tmp_.Path("receiver.log"));
    const bool up = testing::WaitFor(
        [&] { return !testing::ReadFileOrEmpty(tmp_.Path("port")).empty(); }, milliseconds(10'000));
    EXPECT_TRUE(up) << testing::ReadFileOrEmpty(tmp_.Path("receiver.log"));
    return "http://127.0.0.1:" + testing::ReadFileOrEmpty(tmp_.Path("port"));
  }
  std::vector<nlohmann::json> Requests() {
    std::vector<nlohmann::json> out;
    for (const auto& line : testing::Lines(testing::ReadFileOrEmpty(tmp_.Path("requests.jsonl")))) {
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

  CurlRuntime curl_;
  TempDir tmp_;
  FakeClock clock_;
  testing::FakeSleeper sleeper_{clock_};
  prometheus::Registry registry_;
  RetryOptions options_;
  std::unique_ptr<Child> receiver_;
};

HttpEndpoint Endpoint(const std::string& url) {
  HttpEndpoint e;
  e.url = url;
  e.timeouts = {milliseconds(2000), milliseconds(5000)};
  return e;
}

// Starts smtp_sink.py on a free port (with STARTTLS and AUTH required when
// `tls` is set, with tmp/cert.pem and tmp/key.pem); returns the port.
int StartSmtp(const TempDir& tmp, std::unique_ptr<Child>& smtp, bool tls = false) {
  const int port = testing::FreePort();
  std::vector<std::string> argv = {kPython, testing::TestSourceDir() + "/smtp_sink.py",
                                   std::to_string(port), tmp.path()};
  if (tls) {
    argv.push_back(tmp.Path("cert.pem"));
    argv.push_back(tmp.Path("key.pem"));
  }
  smtp = std::make_unique<Child>(argv, tmp.Path("smtp.log"));
  EXPECT_TRUE(testing::WaitFor([&] { return !testing::ReadFileOrEmpty(tmp.Path("ready")).empty(); },
                               milliseconds(15'000)))
      << testing::ReadFileOrEmpty(tmp.Path("smtp.log"));
  return port;
}

EmailConfig LocalEmail(int port, const std::string& to) {
  EmailConfig c;
  c.smarthost = "smtp://127.0.0.1:" + std::to_string(port);
  c.require_tls = false;  // the test server offers no STARTTLS: opportunistic
  c.from = "Vigie <vigie@example.com>";
  c.to = {to};
  c.connect_timeout = milliseconds(2000);
  c.timeout = milliseconds(10'000);
  return c;
}

TEST_F(NotifyIntegrationTest, EmailReachesARealSmtpServer) {
  std::unique_ptr<Child> smtp;
  const int port = StartSmtp(tmp_, smtp);
  EmailNotifier email(curl_, clock_, LocalEmail(port, "oncall@example.com"));
  Retrier retrier = MakeRetrier();
  const Notification n = SampleNotification();
  const NotifyResult r = retrier.Send(email, n);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_TRUE(testing::WaitFor(
      [&] { return !testing::ReadFileOrEmpty(tmp_.Path("1.eml")).empty(); }, milliseconds(5000)));
  const std::string mail = testing::ReadFileOrEmpty(tmp_.Path("1.eml"));
  EXPECT_THAT(mail, HasSubstr("X-Envelope-From: vigie@example.com"));
  EXPECT_THAT(mail, HasSubstr("X-Envelope-To: oncall@example.com"));
  EXPECT_THAT(mail, HasSubstr("From: Vigie <vigie@example.com>"));
  EXPECT_THAT(mail, HasSubstr("To: oncall@example.com"));
  EXPECT_THAT(mail, HasSubstr("Subject: [FIRING] Filesystem /var on db1 is 93% full"));
  EXPECT_THAT(mail, HasSubstr("Date: "));
  EXPECT_THAT(mail, HasSubstr("Message-ID: <" + n.idempotency_key + "@example.com>"));
  EXPECT_THAT(mail, HasSubstr("https://runbooks.example.com/disk-full"));
  EXPECT_THAT(mail, HasSubstr("vigiectl ack"));
  EXPECT_TRUE(testing::ReadFileOrEmpty(tmp_.Path("2.eml")).empty()) << "exactly one mail";
  EXPECT_EQ(Count("email", "sent"), 1);
}

TEST_F(NotifyIntegrationTest, EmailUserTemplateAndDotLines) {
  std::unique_ptr<Child> smtp;
  const int port = StartSmtp(tmp_, smtp);
  EmailConfig c = LocalEmail(port, "oncall@example.com");
  auto subject = MessageTemplate::Compile("s", "{{alertCount}} alert(s) for {{receiver}}");
  auto body = MessageTemplate::Compile("b", "first\n.\n.hidden\n{{#alerts}}{{host}}{{/alerts}}\n");
  ASSERT_TRUE(subject.ok() && body.ok());
  c.subject = *subject;
  c.body = *body;
  ASSERT_TRUE(EmailNotifier(curl_, clock_, c).Notify(SampleNotification()).status.ok());
  ASSERT_TRUE(testing::WaitFor(
      [&] { return !testing::ReadFileOrEmpty(tmp_.Path("1.eml")).empty(); }, milliseconds(5000)));
  const std::string mail = testing::ReadFileOrEmpty(tmp_.Path("1.eml"));
  EXPECT_THAT(mail, HasSubstr("Subject: 1 alert(s) for ops\r\n"));
  // libcurl dot-stuffs, the server unstuffs: lines starting with "." survive.
  EXPECT_THAT(mail, HasSubstr("\r\n\r\nfirst\r\n.\r\n.hidden\r\ndb1\r\n"));
}

TEST_F(NotifyIntegrationTest, EmailWithStartTlsAndAuth) {
  // A throw-away self-signed certificate for 127.0.0.1.
  const std::string openssl = "/usr/bin/openssl";
  ASSERT_EQ(::access(openssl.c_str(), X_OK), 0) << "apt-get install openssl";
  Child gen({openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
             "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
             tmp_.Path("key.pem"), "-out", tmp_.Path("cert.pem")},
            tmp_.Path("openssl.log"));
  ASSERT_TRUE(testing::WaitFor([&] { return !gen.running(); }, milliseconds(20'000)));
  std::unique_ptr<Child> smtp;
  const int port = StartSmtp(tmp_, smtp, /*tls=*/true);

  EmailConfig c = LocalEmail(port, "oncall@example.com");
  c.require_tls = true;
  c.ca_file = tmp_.Path("cert.pem");
  c.auth_username = "vigie";
  c.auth_password = "wrong";
  const auto t0 = std::chrono::steady_clock::now();
  const NotifyResult denied = EmailNotifier(curl_, clock_, c).Notify(SampleNotification());
  EXPECT_FALSE(denied.status.ok());
  EXPECT_FALSE(denied.retryable)
      << denied.status << " after "
      << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count()
      << " ms\n"
      << testing::ReadFileOrEmpty(tmp_.Path("smtp.log"));
  EXPECT_THAT(std::string(denied.status.message()), ::testing::Not(HasSubstr("wrong")));

  c.auth_password = "s3cret";
  const NotifyResult r = EmailNotifier(curl_, clock_, c).Notify(SampleNotification());
  ASSERT_TRUE(r.status.ok()) << r.status << "\n" << testing::ReadFileOrEmpty(tmp_.Path("smtp.log"));
  ASSERT_TRUE(testing::WaitFor(
      [&] { return !testing::ReadFileOrEmpty(tmp_.Path("1.eml")).empty(); }, milliseconds(5000)));
  EXPECT_THAT(testing::ReadFileOrEmpty(tmp_.Path("1.eml")), HasSubstr("X-Auth-User: vigie"));
}

TEST_F(NotifyIntegrationTest, Smtp4xxIsRetryable5xxIsNot) {
  std::unique_ptr<Child> smtp;
  const int port = StartSmtp(tmp_, smtp);
  EmailNotifier tempfail(curl_, clock_, LocalEmail(port, "tempfail@example.com"));
  const NotifyResult t = tempfail.Notify(SampleNotification());
  EXPECT_FALSE(t.status.ok());
  EXPECT_TRUE(t.retryable) << t.status;
  EXPECT_THAT(std::string(t.status.message()), HasSubstr("451"));
  EmailNotifier reject(curl_, clock_, LocalEmail(port, "reject@example.com"));
  const NotifyResult r = reject.Notify(SampleNotification());
  EXPECT_FALSE(r.status.ok());
  EXPECT_FALSE(r.retryable) << r.status;
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("554"));
  // TLS required but the server offers no STARTTLS: a configuration error.
  EmailConfig tls = LocalEmail(port, "oncall@example.com");
  tls.require_tls = true;
  const NotifyResult nt = EmailNotifier(curl_, clock_, tls).Notify(SampleNotification());
  EXPECT_FALSE(nt.status.ok());
  EXPECT_FALSE(nt.retryable) << nt.status;
  EXPECT_TRUE(testing::ReadFileOrEmpty(tmp_.Path("1.eml")).empty()) << "nothing sent in clear";
}

TEST_F(NotifyIntegrationTest, SmtpDownIsRetriedThenFailed) {
  EmailConfig c;
  c.smarthost = "127.0.0.1:" + std::to_string(testing::FreePort());  // nobody listens
  c.from = "vigie@example.com";
  c.to = {"oncall@example.com"};
  c.connect_timeout = milliseconds(1000);
  EmailNotifier email(curl_, clock_, c);
  const NotifyResult once = email.Notify(SampleNotification());
  EXPECT_FALSE(once.status.ok());
  EXPECT_TRUE(once.retryable) << once.status;
  Retrier retrier = MakeRetrier();
  const NotifyResult r = retrier.Send(email, SampleNotification());
  EXPECT_FALSE(r.status.ok());
  EXPECT_GE(Count("email", "retried"), 2);
  EXPECT_EQ(Count("email", "failed"), 1);
  EXPECT_EQ(Count("email", "sent"), 0);
  EXPECT_FALSE(sleeper_.waits.empty());
}

TEST_F(NotifyIntegrationTest, WebhookRecoversAfterTwo500sWithOneIdempotencyKey) {
  const std::string url = StartReceiver("500,500,200") + "/hook";
  WebhookNotifier hook(curl_, clock_, {Endpoint(url), true});
  Retrier retrier = MakeRetrier();
  const Notification n = SampleNotification();
  const NotifyResult r = retrier.Send(hook, n);
  ASSERT_TRUE(r.status.ok()) << r.status;
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 3u);
  int accepted = 0;
  for (const auto& req : requests) {
    EXPECT_EQ(req["path"], "/hook");
    EXPECT_EQ(req["headers"]["Idempotency-Key"], n.idempotency_key);
    EXPECT_EQ(req["headers"]["Content-Type"], "application/json");
    const auto body = nlohmann::json::parse(req["body"].get<std::string>());
    EXPECT_EQ(body["idempotencyKey"], n.idempotency_key);
    EXPECT_EQ(body["version"], "1");
    accepted += req["answer"] == 200 ? 1 : 0;
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(Count("webhook", "retried"), 2);
  EXPECT_EQ(Count("webhook", "sent"), 1);
}

TEST_F(NotifyIntegrationTest, WebhookHonoursRetryAfter) {
  const std::string url = StartReceiver("429:1,200");
  WebhookNotifier hook(curl_, clock_, {Endpoint(url), true});
  Retrier retrier = MakeRetrier();
  ASSERT_TRUE(retrier.Send(hook, SampleNotification()).status.ok());
  EXPECT_THAT(sleeper_.waits, ::testing::ElementsAre(milliseconds(1000)));
  EXPECT_EQ(Requests().size(), 2u);
}

TEST_F(NotifyIntegrationTest, Webhook400IsNotRetried) {
  const std::string url = StartReceiver("400");
  HttpEndpoint e = Endpoint(url);
  e.auth.bearer_token = "t0k3n";
  WebhookNotifier hook(curl_, clock_, {e, true});
  Retrier retrier = MakeRetrier();
  const NotifyResult r = retrier.Send(hook, SampleNotification());
  EXPECT_FALSE(r.status.ok());
  EXPECT_FALSE(r.retryable);
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("HTTP 400"));
  EXPECT_THAT(std::string(r.status.message()), ::testing::Not(HasSubstr("t0k3n")));
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["headers"]["Authorization"], "Bearer t0k3n");
  EXPECT_TRUE(sleeper_.waits.empty());
  EXPECT_EQ(Count("webhook", "failed"), 1);
}

TEST_F(NotifyIntegrationTest, WebhookBasicAuth) {
  HttpEndpoint e = Endpoint(StartReceiver("204"));
  e.auth.basic_username = "vigie";
  e.auth.basic_password = "pw";
  WebhookNotifier hook(curl_, clock_, {e, true});
  ASSERT_TRUE(hook.Notify(SampleNotification()).status.ok());
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["headers"]["Authorization"], "Basic dmlnaWU6cHc=");  // vigie:pw
}

TEST_F(NotifyIntegrationTest, ChatFormatsAgainstAReceiver) {
  const std::string url = StartReceiver("200");
  for (ChatFormat f : {ChatFormat::kSlack, ChatFormat::kMattermost, ChatFormat::kTeams}) {
    ChatConfig c;
    c.format = f;
    c.endpoint = Endpoint(url + "/" + ChatFormatName(f));
    c.username = "vigie";
    ChatNotifier chat(curl_, clock_, c);
    const NotifyResult r = chat.Notify(SampleNotification());
    EXPECT_TRUE(r.status.ok()) << ChatFormatName(f) << ": " << r.status;
  }
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 3u);
  const auto slack = nlohmann::json::parse(requests[0]["body"].get<std::string>());
  EXPECT_EQ(requests[0]["path"], "/slack");
  EXPECT_EQ(slack["username"], "vigie");
  EXPECT_EQ(slack["attachments"][0]["color"], "danger");
  const auto mm = nlohmann::json::parse(requests[1]["body"].get<std::string>());
  EXPECT_EQ(requests[1]["path"], "/mattermost");
  EXPECT_THAT(mm["attachments"][0]["text"].get<std::string>(),
              HasSubstr("https://runbooks.example.com/disk-full"));
  const auto teams = nlohmann::json::parse(requests[2]["body"].get<std::string>());
  EXPECT_EQ(requests[2]["path"], "/teams");
  EXPECT_EQ(teams["@type"], "MessageCard");
  EXPECT_EQ(teams["potentialAction"][0]["name"], "Runbook");
}

TEST_F(NotifyIntegrationTest, ForwardsToARealAlertmanager) {
  ASSERT_EQ(::access(kAlertmanager, X_OK), 0)
      << kAlertmanager << " is missing: apt-get install prometheus-alertmanager";
  const int port = testing::FreePort();
  const std::string config = tmp_.WriteFile(
      "alertmanager.yml", "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n");
  ::mkdir(tmp_.Path("am-data").c_str(), 0755);
  Child am({kAlertmanager, "--config.file=" + config, "--storage.path=" + tmp_.Path("am-data"),
            "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
           tmp_.Path("alertmanager.log"));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(testing::WaitFor([&] { return testing::HttpGet(base + "/-/ready").status == 200; },
                               milliseconds(20'000)))
      << testing::ReadFileOrEmpty(tmp_.Path("alertmanager.log"));
  AlertmanagerNotifier notifier(curl_, clock_, {Endpoint(base), milliseconds(0), true});
  const NotifyResult r = notifier.Notify(SampleNotification());
  ASSERT_TRUE(r.status.ok()) << r.status;
  nlohmann::json found;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        const auto got = testing::HttpGet(base + "/api/v2/alerts");
        if (got.status != 200) return false;
        for (const auto& a : nlohmann::json::parse(got.body)) {
          if (a["labels"].value("alertname", "") == "DiskAlmostFull") found = a;
        }
        return !found.is_null();
      },
      milliseconds(10'000)));
  EXPECT_EQ(found["labels"]["host"], "db1");
  EXPECT_EQ(found["labels"]["mountpoint"], "/var");
  EXPECT_EQ(found["annotations"]["runbook_url"], "https://runbooks.example.com/disk-full");
  EXPECT_EQ(found["status"]["state"], "active");
  EXPECT_THAT(found["generatorURL"].get<std::string>(), HasSubstr("/alerts/"));
}

TEST_F(NotifyIntegrationTest, ExecFeedsThePayloadOnStdin) {
  const std::string script = tmp_.WriteFile(
      "notify.sh",
      "#!/bin/sh\ncat > \"$1\"\necho \"$VIGIE_STATUS $VIGIE_RECEIVER $EXTRA\" > \"$1.env\"\n",
      true);
  ExecNotifier exec({.command = {script, tmp_.Path("payload.json")},
                     .env = {{"EXTRA", "x"}},
                     .timeout = milliseconds(5000),
                     .send_resolved = true});
  const Notification n = SampleNotification();
  const NotifyResult r = exec.Notify(n);
  ASSERT_TRUE(r.status.ok()) << r.status;
  const auto payload = nlohmann::json::parse(testing::ReadFileOrEmpty(tmp_.Path("payload.json")));
  EXPECT_EQ(payload["idempotencyKey"], n.idempotency_key);
  EXPECT_EQ(testing::ReadFileOrEmpty(tmp_.Path("payload.json.env")), "firing ops x\n");
}

TEST_F(NotifyIntegrationTest, ExecTimeoutKillsTheProcessGroup) {
  const std::string script =
      tmp_.WriteFile("slow.sh", "#!/bin/sh\nsleep 30 &\necho $! > \"$1\"\nwait\n", true);
  ExecNotifier exec({.command = {script, tmp_.Path("child.pid")},
                     .env = {},
                     .timeout = milliseconds(500),
                     .send_resolved = true});
  const auto start = std::chrono::steady_clock::now();
  const NotifyResult r = exec.Notify(SampleNotification());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(r.retryable);
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("killed after 500 ms"));
  const pid_t child = std::stoi("0" + testing::ReadFileOrEmpty(tmp_.Path("child.pid")));
  ASSERT_GT(child, 0);
  // The grandchild is gone (or a zombie waiting for its new parent to reap it).
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        const std::string stat =
            testing::ReadFileOrEmpty("/proc/" + std::to_string(child) + "/stat");
        return stat.empty() || stat.find(") Z") != std::string::npos;
      },
      milliseconds(3000)));
}

TEST_F(NotifyIntegrationTest, ExecExit75IsRetryableOthersAreNot) {
  const std::string tempfail =
      tmp_.WriteFile("tempfail.sh", "#!/bin/sh\necho busy >&2\nexit 75\n", true);
  const std::string fail = tmp_.WriteFile("fail.sh", "#!/bin/sh\nexit 1\n", true);
  ExecNotifier a(
      {.command = {tempfail}, .env = {}, .timeout = milliseconds(5000), .send_resolved = true});
  const NotifyResult ra = a.Notify(SampleNotification());
  EXPECT_TRUE(ra.retryable);
  EXPECT_THAT(std::string(ra.status.message()), HasSubstr("exited with 75: busy"));
  ExecNotifier b(
      {.command = {fail}, .env = {}, .timeout = milliseconds(5000), .send_resolved = true});
  const NotifyResult rb = b.Notify(SampleNotification());
  EXPECT_FALSE(rb.status.ok());
  EXPECT_FALSE(rb.retryable);
}

}  // namespace
}  // namespace vigie::daemon::notify
