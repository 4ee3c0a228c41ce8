// Unit tests of daemon/notify: payload, idempotency key, templates, receivers
// config, Retry-After, the retrier (with a fake clock and sleeper) and the
// pure formatting of e-mail, chat and Alertmanager messages.
#include <sys/stat.h>

#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <utility>

#include "daemon/notify/alertmanager/alertmanager_notifier.h"
#include "daemon/notify/chat/chat_notifier.h"
#include "daemon/notify/email/email_notifier.h"
#include "daemon/notify/exec/exec_notifier.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/notification.h"
#include "daemon/notify/receivers.h"
#include "daemon/notify/retrier.h"
#include "daemon/notify/template.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/unit/notify/test_util.h"

namespace vigie::daemon::notify {
namespace {

using std::chrono::milliseconds;
using testing::DiskAlert;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SampleNotification;

TEST(NotifyPayloadTest, JsonShapeIsAlertmanagerCompatiblePlusVigieFields) {
  Notification n = SampleNotification();
  n.ack_url = "https://vigie.example.com/ack/abc";
  const auto j = nlohmann::json::parse(NotificationJson(n));
  EXPECT_EQ(j["version"], "1");
  EXPECT_EQ(j["status"], "firing");
  EXPECT_EQ(j["receiver"], "ops");
  EXPECT_EQ(j["groupLabels"]["alertname"], "DiskAlmostFull");
  EXPECT_EQ(j["commonLabels"]["host"], "db1");
  EXPECT_EQ(j["commonAnnotations"]["runbook_url"], "https://runbooks.example.com/disk-full");
  EXPECT_EQ(j["externalURL"], "http://127.0.0.1:9471");
  ASSERT_EQ(j["alerts"].size(), 1u);
  const auto& a = j["alerts"][0];
  EXPECT_EQ(a["status"], "firing");
  EXPECT_EQ(a["labels"]["mountpoint"], "/var");
  EXPECT_EQ(a["annotations"]["summary"], "Filesystem /var on db1 is 93% full");
  EXPECT_EQ(a["startsAt"], "2023-11-14T22:14:20.000Z");
  EXPECT_EQ(a["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(a["fingerprint"].get<std::string>().size(), 16u);
  EXPECT_EQ(j["idempotencyKey"], n.idempotency_key);
  EXPECT_EQ(j["ackURL"], "https://vigie.example.com/ack/abc");
  EXPECT_EQ(j["flapping"], false);
}

TEST(NotifyPayloadTest, ResolvedAndFlappingKinds) {
  EXPECT_EQ(SampleNotification(AlertState::kResolved).kind, NotificationKind::kResolved);
  const auto j = nlohmann::json::parse(NotificationJson(SampleNotification(AlertState::kResolved)));
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["alerts"][0]["endsAt"], "2023-11-14T22:23:20.000Z");

  Alert flap = DiskAlert("db1");
  flap.flapping = true;
  Notification n = MakeNotification("ops", "g", {}, {flap, DiskAlert("db2")}, 3, "");
  EXPECT_EQ(n.kind, NotificationKind::kFlapping);
  const auto jf = nlohmann::json::parse(NotificationJson(n));
  EXPECT_EQ(jf["status"], "firing");
  EXPECT_EQ(jf["flapping"], true);
  // host differs between the two alerts: not common.
  EXPECT_FALSE(jf["commonLabels"].contains("host"));
  EXPECT_EQ(jf["commonLabels"]["alertname"], "DiskAlmostFull");
}

TEST(NotifyPayloadTest, IdempotencyKeyIsStable) {
  const std::vector<Alert> ab = {DiskAlert("a"), DiskAlert("b")};
  const std::vector<Alert> ba = {DiskAlert("b"), DiskAlert("a")};
  const std::string k = IdempotencyKey("g", ab, 1);
  EXPECT_EQ(k, IdempotencyKey("g", ab, 1));
  EXPECT_EQ(k, IdempotencyKey("g", ba, 1)) << "order of alerts does not matter";
  EXPECT_NE(k, IdempotencyKey("g", ab, 2));
  EXPECT_NE(k, IdempotencyKey("h", ab, 1));
  EXPECT_NE(k, IdempotencyKey("g", {DiskAlert("a"), DiskAlert("b", AlertState::kResolved)}, 1));
  // Pinned: the key must not change across versions (the notification log
  // and receivers' dedup depend on it).
  EXPECT_EQ(IdempotencyKey("g", {}, 7), "6b49223f83822072-7");
  EXPECT_THAT(k, ::testing::MatchesRegex("[0-9a-f]{16}-1"));
}

// Every field of two alerts is equal (doubles bit for bit but for NaN).
void ExpectSameAlert(const Alert& got, const Alert& want) {
  EXPECT_EQ(got.rule, want.rule);
  EXPECT_EQ(got.group, want.group);
  EXPECT_EQ(got.labels, want.labels);
  EXPECT_EQ(got.annotations, want.annotations);
  EXPECT_EQ(got.state, want.state);
  if (std::isnan(want.value)) {
    EXPECT_TRUE(std::isnan(got.value)) << got.value;
  } else {
    EXPECT_EQ(got.value, want.value);
  }
  EXPECT_EQ(got.active_at_ms, want.active_at_ms);
  EXPECT_EQ(got.fired_at_ms, want.fired_at_ms);
  EXPECT_EQ(got.resolved_at_ms, want.resolved_at_ms);
  EXPECT_EQ(got.last_eval_ms, want.last_eval_ms);
  EXPECT_EQ(got.flapping, want.flapping);
  EXPECT_EQ(got.fingerprint, want.fingerprint);
}

void ExpectSameNotification(const Notification& got, const Notification& want) {
  EXPECT_EQ(got.receiver, want.receiver);
  EXPECT_EQ(got.group_key, want.group_key);
  EXPECT_EQ(got.group_labels, want.group_labels);
  EXPECT_EQ(got.common_labels, want.common_labels);
  EXPECT_EQ(got.common_annotations, want.common_annotations);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.sequence, want.sequence);
  EXPECT_EQ(got.idempotency_key, want.idempotency_key);
  EXPECT_EQ(got.external_url, want.external_url);
  EXPECT_EQ(got.ack_url, want.ack_url);
  ASSERT_EQ(got.alerts.size(), want.alerts.size());
  for (size_t i = 0; i < want.alerts.size(); ++i) {
    SCOPED_TRACE(i);
    ExpectSameAlert(got.alerts[i], want.alerts[i]);
  }
}

TEST(NotifyEncodeTest, RoundTripKeepsEveryField) {
  Alert firing = DiskAlert("db1");
  firing.fingerprint = 0xfedcba9876543210ull;  // > 2^63
  firing.flapping = true;
  firing.value = 0.1 + 0.2;  // not exactly representable in few digits
  firing.last_eval_ms = 1'700'000'065'432;
  firing.annotations["summary"] = "Disque /var plein à 93 % — ☠ 日本語 \"quoted\"\n\ttab";
  firing.labels.push_back({"zone", "zürich"});
  Alert resolved = DiskAlert("db2", AlertState::kResolved);
  resolved.fingerprint = 1;  // leading zeros in hex
  resolved.value = -1.5e-300;
  Notification n = MakeNotification(
      "ops", "{}:{alertname=\"DiskAlmostFull\"}", {{"alertname", "DiskAlmostFull"}, {"é", "ü"}},
      {firing, resolved}, (uint64_t{1} << 63) + 5, "https://vigie.example.com/é");
  n.ack_url = "https://vigie.example.com/ack/abc";
  n.common_annotations["note"] = "ça déborde ✓";
  ASSERT_EQ(n.kind, NotificationKind::kFlapping);

  const std::string text = EncodeNotification(n);
  auto back = DecodeNotification(text);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameNotification(*back, n);
  EXPECT_EQ(EncodeNotification(*back), text) << "stable";

  // The other kinds.
  for (AlertState st : {AlertState::kFiring, AlertState::kResolved}) {
    Notification k = SampleNotification(st, 7);
    auto kb = DecodeNotification(EncodeNotification(k));
    ASSERT_TRUE(kb.ok()) << kb.status();
    ExpectSameNotification(*kb, k);
  }
  // Every alert state.
  Notification states = SampleNotification();
  states.alerts.clear();
  for (AlertState st :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
    states.alerts.push_back(DiskAlert("h", st));
  }
  auto sb = DecodeNotification(EncodeNotification(states));
  ASSERT_TRUE(sb.ok()) << sb.status();
  ExpectSameNotification(*sb, states);
}

TEST(NotifyEncodeTest, RoundTripOfNonFiniteValues) {
  // A rule such as `x / 0 > 1` fires with +Inf; the outbox must still decode it.
  for (double v :
       {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()}) {
    SCOPED_TRACE(v);
    Notification n = SampleNotification();
    n.alerts[0].value = v;
    auto back = DecodeNotification(EncodeNotification(n));
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSameNotification(*back, n);
  }
}

TEST(NotifyEncodeTest, DecodeErrorsAreInvalidArgument) {
  const std::string good = EncodeNotification(SampleNotification());
  ASSERT_TRUE(DecodeNotification(good).ok());
  auto edit = [&](const std::function<void(nlohmann::json&)>& fn) {
    auto j = nlohmann::json::parse(good);
    fn(j);
    return j.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not json {"},
      {"empty", ""},
      {"array", "[1, 2]"},
      {"string", "\"firing\""},
      {"missing receiver", edit([](auto& j) { j.erase("receiver"); })},
      {"missing sequence", edit([](auto& j) { j.erase("sequence"); })},
      {"missing alerts", edit([](auto& j) { j.erase("alerts"); })},
      {"missing alert field", edit([](auto& j) { j["alerts"][0].erase("fired_at_ms"); })},
      {"missing flapping", edit([](auto& j) { j["alerts"][0].erase("flapping"); })},
      {"unknown kind", edit([](auto& j) { j["kind"] = "exploded"; })},
      {"bad state", edit([](auto& j) { j["alerts"][0]["state"] = "burning"; })},
      {"wrong type", edit([](auto& j) { j["sequence"] = "one"; })},
      {"bad fingerprint", edit([](auto& j) { j["alerts"][0]["fingerprint"] = "xyz"; })},
      {"label not a string", edit([](auto& j) { j["alerts"][0]["labels"]["host"] = 3; })},
  };
  for (const auto& [name, text] : cases) {
    auto n = DecodeNotification(text);
    EXPECT_FALSE(n.ok()) << name;
    EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument) << name << ": " << n.status();
    EXPECT_THAT(n.status().message(), HasSubstr("notification")) << name;
  }
  auto kind = DecodeNotification(edit([](auto& j) { j["kind"] = "exploded"; }));
  EXPECT_THAT(kind.status().message(), HasSubstr("exploded"));
}

TEST(NotifyTemplateTest, DefaultsCarryEverythingTheOnCallNeeds) {
  Notification n = SampleNotification();
  const std::string subject = DefaultSubject().Render(n);
  EXPECT_EQ(subject, "[FIRING] Filesystem /var on db1 is 93% full");
  const std::string body = DefaultBody().Render(n);
  EXPECT_THAT(body, HasSubstr("Filesystem /var on db1 is 93% full"));  // summary
  EXPECT_THAT(body, HasSubstr("Host:        db1"));
  EXPECT_THAT(body, HasSubstr("Value:       93.5"));
  EXPECT_THAT(body, HasSubstr("https://runbooks.example.com/disk-full"));
  EXPECT_THAT(body, HasSubstr("vigiectl ack " + FingerprintHex(n.alerts[0].fingerprint)));
  EXPECT_THAT(body, Not(HasSubstr("Acknowledge in a browser")));
  n.ack_url = "https://vigie.example.com/ack/t0k3n";
  EXPECT_THAT(DefaultBody().Render(n),
              HasSubstr("Acknowledge in a browser: https://vigie.example.com/ack/t0k3n"));
  // Plain text: no HTML escaping of label values.
  n.alerts[0].annotations["summary"] = "a < b & c";
  EXPECT_THAT(DefaultBody().Render(n), HasSubstr("a < b & c"));
}

TEST(NotifyTemplateTest, BrokenTemplateIsAnErrorWithItsLine) {
  auto t = MessageTemplate::Compile("t", "line one\n{{#alerts}}\n{{summary}}\n");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("template t"));
  EXPECT_FALSE(MessageTemplate::Compile("t", "{{unclosed").ok());
  auto ok = MessageTemplate::Compile("t", "{{#alerts}}{{alertname}}@{{host}} {{/alerts}}");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->Render(SampleNotification()), "DiskAlmostFull@db1 ");
}

TEST(NotifyHttpTest, RetryAfterSecondsAndHttpDate) {
  const SystemTime now =
      std::chrono::system_clock::from_time_t(1'445'412'480);  // 21 Oct 2015 07:28:00
  EXPECT_EQ(ParseRetryAfter("1", now), milliseconds(1000));
  EXPECT_EQ(ParseRetryAfter("120", now), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), milliseconds(30'000));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
}

TEST(NotifyHttpTest, Classification) {
  const SystemTime now{};
  auto classify = [&](long code, std::string retry_after = "") {
    return ClassifyHttpResult("webhook", HttpPostResponse{code, "", std::move(retry_after)}, now);
  };
  EXPECT_TRUE(classify(204).status.ok());
  EXPECT_TRUE(classify(500).retryable);
  EXPECT_TRUE(classify(503).retryable);
  EXPECT_TRUE(classify(429, "2").retryable);
  EXPECT_EQ(classify(429, "2").retry_after, milliseconds(2000));
  EXPECT_FALSE(classify(400).retryable);
  EXPECT_FALSE(classify(404).status.ok());
  EXPECT_TRUE(ClassifyHttpResult("webhook", absl::UnavailableError("connect"), now).retryable);
  EXPECT_FALSE(ClassifyHttpResult("webhook", absl::InvalidArgumentError("bad url"), now).retryable);
}

// A notifier that answers from a script.
class ScriptedNotifier final : public Notifier {
 public:
  explicit ScriptedNotifier(std::deque<NotifyResult> script) : script_(std::move(script)) {}
  std::string_view channel() const override { return "scripted"; }
  NotifyResult Notify(const Notification&) override {
    ++calls;
    if (script_.empty()) throw std::runtime_error("script exhausted");
    NotifyResult r = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return r;
  }
  int calls = 0;

 private:
  std::deque<NotifyResult> script_;
};

struct RetrierHarness {
  FakeClock clock;
  testing::FakeSleeper sleeper{clock};
  prometheus::Registry registry;
  RetryOptions options;
  RetrierHarness() {
    options.backoff = {milliseconds(1000), milliseconds(60'000), 2.0, 0.0};
    options.max_elapsed = milliseconds(10'000);
  }
  double Count(const std::string& outcome) {
    return testing::NotificationsTotal(registry, "scripted", outcome);
  }
};

TEST(NotifyRetrierTest, RetriesWithBackoffThenSucceeds) {
  RetrierHarness h;
  Retrier retrier(h.options, h.clock, h.sleeper, h.registry, 1);
  ScriptedNotifier n({NotifyResult::Retryable(absl::UnavailableError("x")),
                      NotifyResult::Retryable(absl::UnavailableError("x")), NotifyResult::Ok()});
  EXPECT_TRUE(retrier.Send(n, SampleNotification()).status.ok());
  EXPECT_EQ(n.calls, 3);
  EXPECT_THAT(h.sleeper.waits, ::testing::ElementsAre(milliseconds(1000), milliseconds(2000)));
  EXPECT_EQ(h.Count("retried"), 2);
  EXPECT_EQ(h.Count("sent"), 1);
  EXPECT_EQ(h.Count("failed"), 0);
}

TEST(NotifyRetrierTest, GivesUpAfterMaxElapsedAndHonoursRetryAfter) {
  RetrierHarness h;
  Retrier retrier(h.options, h.clock, h.sleeper, h.registry, 1);
  ScriptedNotifier n({NotifyResult::Retryable(absl::UnavailableError("x"), milliseconds(3000)),
                      NotifyResult::Retryable(absl::UnavailableError("x"))});
  const NotifyResult r = retrier.Send(n, SampleNotification());
  EXPECT_FALSE(r.status.ok());
  // 3 s (Retry-After), then 2 s, 4 s: 9 s; the next 8 s would pass 10 s.
  EXPECT_THAT(h.sleeper.waits,
              ::testing::ElementsAre(milliseconds(3000), milliseconds(2000), milliseconds(4000)));
  EXPECT_EQ(h.Count("retried"), 3);
  EXPECT_EQ(h.Count("failed"), 1);
}

TEST(NotifyRetrierTest, NonRetryableAndExceptionsFailAtOnce) {
  RetrierHarness h;
  Retrier retrier(h.options, h.clock, h.sleeper, h.registry, 1);
  ScriptedNotifier bad({NotifyResult::Permanent(absl::FailedPreconditionError("400"))});
  EXPECT_FALSE(retrier.Send(bad, SampleNotification()).status.ok());
  EXPECT_EQ(bad.calls, 1);
  ScriptedNotifier throws({});
  const NotifyResult r = retrier.Send(throws, SampleNotification());
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("script exhausted"));
  EXPECT_EQ(h.Count("failed"), 2);
  EXPECT_TRUE(h.sleeper.waits.empty());
}

TEST(NotifyRetrierTest, StoppedSleeperEndsRetries) {
  RetrierHarness h;
  InterruptibleSleeper sleeper;
  sleeper.Stop();
  Retrier retrier(h.options, h.clock, sleeper, h.registry, 1);
  ScriptedNotifier n({NotifyResult::Retryable(absl::UnavailableError("down"))});
  const NotifyResult r = retrier.Send(n, SampleNotification());
  EXPECT_TRUE(absl::IsCancelled(r.status)) << r.status;
  EXPECT_EQ(n.calls, 1);
  EXPECT_EQ(h.Count("failed"), 1);
}

TEST(NotifyEmailTest, MessageHeaders) {
  EmailConfig c;
  c.from = "Vigie <vigie@example.com>";
  c.to = {"oncall@example.com", "boss@example.com"};
  const Notification n = SampleNotification();
  const std::string m =
      BuildEmailMessage(c, n, std::chrono::system_clock::from_time_t(1'445'412'480));
  EXPECT_THAT(m, HasSubstr("Date: Wed, 21 Oct 2015 07:28:00 +0000\r\n"));
  EXPECT_THAT(m, HasSubstr("From: Vigie <vigie@example.com>\r\n"));
  EXPECT_THAT(m, HasSubstr("To: oncall@example.com, boss@example.com\r\n"));
  EXPECT_THAT(m, HasSubstr("Subject: [FIRING] Filesystem /var on db1 is 93% full\r\n"));
  EXPECT_THAT(m, HasSubstr("Message-ID: <" + n.idempotency_key + "@example.com>\r\n"));
  EXPECT_THAT(m, HasSubstr("\r\n\r\n[FIRING] DiskAlmostFull on db1\r\n  Summary:"));
  EXPECT_THAT(m, HasSubstr("Since:       2023-11-14T22:14:20.000Z\r\n  Runbook:"));
  EXPECT_THAT(m, Not(HasSubstr("\n\n"))) << "every line ends with CRLF";
  Notification evil = n;
  evil.alerts[0].annotations["summary"] = "x\r\nBcc: victim@example.com";
  evil.common_annotations["summary"] = "x\r\nBcc: victim@example.com";
  const std::string evil_mail = BuildEmailMessage(c, evil, {});
  const std::string headers = evil_mail.substr(0, evil_mail.find("\r\n\r\n"));
  EXPECT_THAT(headers, HasSubstr("Subject: [FIRING] x  Bcc: victim@example.com"));
  EXPECT_THAT(headers, Not(HasSubstr("\r\nBcc:")));
  evil.common_annotations["summary"] = "Disque plein à 93 %";
  EXPECT_THAT(BuildEmailMessage(c, evil, {}), HasSubstr("Subject: =?UTF-8?B?"));
}

TEST(NotifyChatTest, SlackMattermostTeamsShapes) {
  Notification n = SampleNotification();
  n.ack_url = "https://vigie.example.com/ack/t";
  ChatConfig slack;
  slack.channel = "#ops";
  const auto s = nlohmann::json::parse(ChatPayload(slack, n));
  EXPECT_EQ(s["channel"], "#ops");
  EXPECT_EQ(s["text"], "[FIRING] Filesystem /var on db1 is 93% full");
  EXPECT_EQ(s["attachments"][0]["color"], "danger");
  EXPECT_EQ(s["attachments"][0]["title_link"], "https://runbooks.example.com/disk-full");
  EXPECT_THAT(s["attachments"][0]["text"].get<std::string>(), HasSubstr("vigiectl ack"));

  ChatConfig mm;
  mm.format = ChatFormat::kMattermost;
  const auto m = nlohmann::json::parse(ChatPayload(mm, SampleNotification(AlertState::kResolved)));
  EXPECT_EQ(m["attachments"][0]["color"], "good");
  EXPECT_FALSE(m["attachments"][0].contains("mrkdwn_in"));

  ChatConfig teams;
  teams.format = ChatFormat::kTeams;
  const auto t = nlohmann::json::parse(ChatPayload(teams, n));
  EXPECT_EQ(t["@type"], "MessageCard");
  EXPECT_EQ(t["themeColor"], "D63333");
  EXPECT_EQ(t["title"], "[FIRING] Filesystem /var on db1 is 93% full");
  ASSERT_EQ(t["potentialAction"].size(), 2u);
  EXPECT_EQ(t["potentialAction"][1]["targets"][0]["uri"], "https://vigie.example.com/ack/t");
}

TEST(NotifyAlertmanagerTest, V2AlertList) {
  const SystemTime now = std::chrono::system_clock::from_time_t(1'700'000'100);
  const auto firing =
      nlohmann::json::parse(AlertmanagerPayload(SampleNotification(), now, milliseconds(0)));
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0]["labels"]["alertname"], "DiskAlmostFull");
  EXPECT_EQ(firing[0]["startsAt"], "2023-11-14T22:14:20.000Z");
  EXPECT_FALSE(firing[0].contains("endsAt"));
  EXPECT_THAT(firing[0]["generatorURL"].get<std::string>(),
              HasSubstr("http://127.0.0.1:9471/alerts/"));
  const auto resolved = nlohmann::json::parse(
      AlertmanagerPayload(SampleNotification(AlertState::kResolved), now, milliseconds(0)));
  EXPECT_EQ(resolved[0]["endsAt"], "2023-11-14T22:23:20.000Z");
}

class NotifyReceiversTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::vector<ReceiverConfig>> Load(const std::string& yaml) {
    return LoadReceiversFile(dir_.WriteFile("vigied.yaml", yaml), options_);
  }
  testing::TempDir dir_;
  ReceiverParseOptions options_{
      .base_dir = ".", .getenv = [](const std::string& name) {
        return name == "SMTP_PASSWORD" ? std::optional<std::string>("s3cret") : std::nullopt;
      }};
};

TEST_F(NotifyReceiversTest, EveryChannel) {
  dir_.WriteFile("token", "tok\n");
  auto r = Load(R"(receivers:
  - name: ops
    email_configs:
      - to: a@example.com, b@example.com
        from: vigie@example.com
        smarthost: smtp.example.com:587
        auth_username: vigie
        auth_password_env: SMTP_PASSWORD
        subject: "{{title}}"
    webhook_configs:
      - url: http://127.0.0.1:9000/hook
        timeout: 5s
        http_config:
          bearer_token_file: token
    slack_configs:
      - api_url: https://hooks.slack.com/services/X
        channel: "#ops"
    mattermost_configs:
      - webhook_url: https://mm.example.com/hooks/x
    teams_configs:
      - webhook_url_file: token_url
    alertmanager_configs:
      - url: http://127.0.0.1:9093
    exec_configs:
      - command: [/usr/local/bin/sms, --to, "+33600000000"]
        timeout: 10s
)");
  ASSERT_FALSE(r.ok());  // token_url does not exist
  EXPECT_THAT(
      std::string(r.status().message()),
      HasSubstr("vigied.yaml:21: \"receivers[0].teams_configs[0].webhook_url_file\": cannot read"));
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr("is required")));
  dir_.WriteFile("token_url", "https://outlook.office.com/webhook/x\n");
  r = Load(testing::ReadFileOrEmpty(dir_.Path("vigied.yaml")));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  const ReceiverConfig& ops = (*r)[0];
  EXPECT_EQ(ops.name, "ops");
  ASSERT_EQ(ops.email.size(), 1u);
  EXPECT_THAT(ops.email[0].to, ::testing::ElementsAre("a@example.com", "b@example.com"));
  EXPECT_EQ(ops.email[0].auth_password, "s3cret");
  EXPECT_EQ(ops.webhook[0].endpoint.auth.bearer_token, "tok");
  EXPECT_EQ(ops.webhook[0].endpoint.timeouts.total, milliseconds(5000));
  ASSERT_EQ(ops.chat.size(), 3u);
  EXPECT_EQ(ops.chat[2].endpoint.url, "https://outlook.office.com/webhook/x");
  EXPECT_EQ(ops.exec[0].command.size(), 3u);
  CurlRuntime curl;
  FakeClock clock;
  const auto notifiers = BuildNotifiers(ops, {curl, clock});
  std::vector<std::string> channels;
  for (const auto& n : notifiers) channels.emplace_back(n->channel());
  EXPECT_THAT(channels, ::testing::ElementsAre("email", "webhook", "slack", "mattermost", "teams",
                                               "alertmanager", "exec"));
}

// The example of docs/notifications.md is valid (given its secret files).
TEST_F(NotifyReceiversTest, DocumentationExampleLoads) {
  const std::string doc = testing::ReadFileOrEmpty(VIGIE_SOURCE_DIR "/docs/notifications.md");
  const auto start = doc.find("```yaml\nreceivers:");
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("```", start + 7);
  ASSERT_NE(end, std::string::npos);
  ::mkdir(dir_.Path("secrets").c_str(), 0700);
  dir_.WriteFile("secrets/smtp-password", "pw\n");
  dir_.WriteFile("secrets/hook-token", "tok\n");
  dir_.WriteFile("secrets/slack-url", "https://hooks.slack.com/services/T/B/X\n");
  dir_.WriteFile("secrets/teams-url", "https://example.webhook.office.com/x\n");
  auto r = Load(doc.substr(start + 8, end - start - 8));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].email[0].auth_password, "pw");
  EXPECT_EQ((*r)[0].chat.size(), 2u);
}

TEST_F(NotifyReceiversTest, ErrorsNameFileAndLine) {
  auto r = Load(R"(receivers:
  - name: ops
    webhook_configs:
      - url: ftp://example.com
        colour: red
    email_configs:
      - to: a@example.com
        from: v@example.com
        smarthost: localhost:25
        auth_password: hunter2
        text: "{{#alerts}}unclosed"
  - name: ops
    exec_configs:
      - command: []
)");
  ASSERT_FALSE(r.ok());
  const std::string msg(r.status().message());
  EXPECT_THAT(msg, HasSubstr("vigied.yaml:4: \"receivers[0].webhook_configs[0].url\" must be an "
                             "http:// or https:// URL"));
  EXPECT_THAT(msg, HasSubstr("vigied.yaml:5: "));  // unknown key "colour"
  EXPECT_THAT(msg, HasSubstr("vigied.yaml:10: \"receivers[0].email_configs[0].auth_password\": "
                             "put the secret in a file"));
  EXPECT_THAT(msg, Not(HasSubstr("hunter2")));
  EXPECT_THAT(msg, HasSubstr("vigied.yaml:11: template receivers[0].email_configs[0].text"));
  EXPECT_THAT(msg, HasSubstr("vigied.yaml:12: receiver \"ops\" is defined twice"));
  EXPECT_THAT(msg, HasSubstr("vigied.yaml:14: \"receivers[1].exec_configs[0].command\""));
}

TEST(NotifyExecTest, MissingProgramIsNotRetryable) {
  ExecNotifier n({.command = {"/nonexistent/vigie-sms"},
                  .env = {},
                  .timeout = milliseconds(1000),
                  .send_resolved = true});
  const NotifyResult r = n.Notify(SampleNotification());
  EXPECT_FALSE(r.status.ok());
  EXPECT_FALSE(r.retryable);
}

}  // namespace
}  // namespace vigie::daemon::notify
