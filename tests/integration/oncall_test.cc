// On-call end to end, with real processes: an alert opens an incident whose
// escalation policy pages the primary on-call person by e-mail (a real SMTP
// server), then the secondary when nobody acknowledges; the acknowledgement
// link in the mail stops the escalation; forged and reused links are refused;
// a kill -9 during an escalation wait resumes at the right step, once.
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <regex>
#include <thread>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

constexpr char kRules[] = R"(groups:
  - name: test
    interval: 1m
    rules:
      - alert: LoadSeen
        expr: node_load1 >= 0
        labels:
          severity: critical
        annotations:
          summary: "load seen on {{ $labels.host }}"
)";

struct Mail {
  std::string text;
  std::filesystem::file_time_type at;
};

class OnCallTest : public VigiedFixture {
 protected:
  OnCallTest() : smtp_port_(FreePort()), mail_dir_(tmp_.Path("mail")) {
    std::filesystem::create_directories(mail_dir_);
    smtp_ = std::make_unique<Process>(Process::Options{
        .name = "smtp",
        .argv = {kPython, StrCat(VIGIE_SOURCE_DIR, "/tests/testing/smtp_sink.py"),
                 std::to_string(smtp_port_), mail_dir_},
        .log_dir = tmp_.path(),
    });
    EXPECT_TRUE(WaitFor([&] { return std::filesystem::exists(mail_dir_ + "/ready"); },
                        milliseconds(10'000)));
    tmp_.WriteFile("rules.yml", kRules);
  }

  void Configure(const std::string& escalate_after, const std::string& extra_schedules = "") {
    WriteDaemonConfig(
        3, StrCat("rule_files: [rules.yml]\n"
                  "notifications: {retry_initial_backoff: 200ms, retry_max_backoff: 500ms}\n"
                  "route:\n"
                  "  receiver: team\n"
                  "  group_by: [alertname, host]\n"
                  "  group_wait: 0s\n"
                  "  group_interval: 1s\n"
                  "  repeat_interval: 1h\n"
                  "  escalation: ops\n"
                  "receivers:\n"
                  "  - name: team\n"
                  "  - name: page-mail\n"
                  "    email_configs:\n"
                  "      - to: nobody@example.com\n"
                  "        from: vigie@example.com\n"
                  "        smarthost: 127.0.0.1:",
                  smtp_port_,
                  "\n"
                  "        require_tls: false\n"
                  "oncall:\n"
                  "  users:\n"
                  "    - name: alice\n"
                  "      email: alice@example.com\n"
                  "      contact_rules: [{receiver: page-mail}]\n"
                  "    - name: bob\n"
                  "      email: bob@example.com\n"
                  "      contact_rules: [{receiver: page-mail}]\n"
                  "  schedules:\n"
                  "    - name: primary\n"
                  "      time_zone: Europe/Paris\n"
                  "      layers: [{name: weekly, members: [alice], start: \"2026-01-05T09:00\", "
                  "shift: 1w}]\n"
                  "    - name: secondary\n"
                  "      time_zone: Europe/Paris\n"
                  "      layers: [{name: weekly, members: [bob], start: \"2026-01-05T09:00\", "
                  "shift: 1w}]\n",
                  extra_schedules,
                  "  escalation_policies:\n"
                  "    - name: ops\n"
                  "      steps:\n"
                  "        - targets: [{schedule: primary}]\n"
                  "          escalate_after: ",
                  escalate_after,
                  "\n"
                  "        - targets: [{schedule: secondary}]\n"
                  "          escalate_after: 1h\n"));
  }

  std::vector<Mail> Mails() const {
    std::vector<Mail> out;
    for (int i = 1;; ++i) {
      const std::string path = StrCat(mail_dir_, "/", i, ".eml");
      if (!std::filesystem::exists(path)) break;
      out.push_back({ReadFileOrEmpty(path), std::filesystem::last_write_time(path)});
    }
    return out;
  }
  static bool To(const Mail& m, const std::string& address) {
    return m.text.find("X-Envelope-To: " + address) != std::string::npos;
  }
  std::string AckLink(const Mail& m) const {
    std::smatch match;
    const std::regex re("http://127\\.0\\.0\\.1:[0-9]+/ack/[A-Za-z0-9_.-]+");
    return std::regex_search(m.text, match, re) ? match.str() : "";
  }
  nlohmann::json Incident(int id) const {
    auto r = Vigiectl({"incident", "show", std::to_string(id), "-o", "json"});
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  int smtp_port_;
  std::string mail_dir_;
  std::unique_ptr<Process> smtp_;
};

TEST_F(OnCallTest, EscalatesUntilTheLinkIsFollowedThenRefusesReuseAndForgery) {
  Configure("3s");
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  StartAgent({.host = "db1", .interval = milliseconds(300)});

  ASSERT_TRUE(WaitFor([&] { return Mails().size() >= 1; }, milliseconds(20'000)))
      << vigied_->LogTail();
  const Mail first = Mails()[0];
  EXPECT_TRUE(To(first, "alice@example.com")) << first.text;
  EXPECT_FALSE(AckLink(first).empty()) << first.text;
  // Nobody acknowledges: step 2 pages the secondary, bob, 3 s later.
  ASSERT_TRUE(WaitFor([&] { return Mails().size() >= 2; }, milliseconds(15'000)))
      << vigied_->LogTail();
  const Mail second = Mails()[1];
  EXPECT_TRUE(To(second, "bob@example.com")) << second.text;
  EXPECT_GE(second.at - first.at, std::chrono::milliseconds(2500));

  const std::string link = AckLink(second);
  ASSERT_FALSE(link.empty()) << second.text;
  // Forged: one character of the signature changed.
  std::string forged = link;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  auto refused = HttpGet(forged);
  EXPECT_EQ(refused.status, 403) << refused.body;

  auto ack = HttpGet(link);
  EXPECT_EQ(ack.status, 200) << ack.body;
  EXPECT_NE(ack.body.find("acknowledged"), std::string::npos) << ack.body;
  auto reused = HttpGet(link);
  EXPECT_EQ(reused.status, 409) << reused.body;
  // A link of an earlier page, now that someone acknowledged, changes nothing.
  EXPECT_EQ(HttpGet(AckLink(first)).status, 409);

  // The escalation has stopped: nothing more, even after step 2's wait would
  // have repeated nothing anyway; and the timeline says who and when.
  std::this_thread::sleep_for(milliseconds(4000));
  EXPECT_EQ(Mails().size(), 2u);
  auto incident = Incident(1);
  ASSERT_TRUE(incident.is_object()) << Vigiectl({"incident", "show", "1", "-o", "json"}).err;
  const std::string dump = incident.dump();
  EXPECT_NE(dump.find("\"acknowledged\""), std::string::npos) << dump;
  EXPECT_NE(dump.find("bob (link)"), std::string::npos) << dump;
  EXPECT_NE(dump.find("escalated"), std::string::npos) << dump;
  EXPECT_NE(dump.find("alice"), std::string::npos) << dump;
}

TEST_F(OnCallTest, KillDuringEscalationWaitResumesAtTheRightStepOnce) {
  Configure("5s");
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  StartAgent({.host = "db1", .interval = milliseconds(300)});
  ASSERT_TRUE(WaitFor([&] { return Mails().size() >= 1; }, milliseconds(20'000)))
      << vigied_->LogTail();
  const Mail first = Mails()[0];
  ASSERT_TRUE(To(first, "alice@example.com"));
  vigied_->Signal(SIGKILL);
  vigied_->Wait(milliseconds(5000));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_TRUE(WaitFor([&] { return Mails().size() >= 2; }, milliseconds(20'000)))
      << vigied_->LogTail();
  const Mail second = Mails()[1];
  EXPECT_TRUE(To(second, "bob@example.com")) << "step 2 after the restart\n" << second.text;
  EXPECT_GE(second.at - first.at, std::chrono::milliseconds(4500)) << "step 2 came too early";
  std::this_thread::sleep_for(milliseconds(3000));
  EXPECT_EQ(Mails().size(), 2u) << "someone was paged twice";
}

TEST_F(OnCallTest, ScheduleIsAnICalendarFeed) {
  Configure("1m");
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  auto ics = HttpGet(HttpUrl("/oncall/primary.ics"));
  ASSERT_EQ(ics.status, 200);
  EXPECT_EQ(ics.body.rfind("BEGIN:VCALENDAR\r\n", 0), 0u) << ics.body.substr(0, 200);
  EXPECT_NE(ics.body.find("alice"), std::string::npos);
  EXPECT_NE(ics.body.find("END:VCALENDAR\r\n"), std::string::npos);
  EXPECT_EQ(HttpGet(HttpUrl("/oncall/nope.ics")).status, 404);
}

// A person reports a problem: the incident is routed by its labels, pages the
// on-call person, and is resolved with a cause that the report counts.
TEST_F(OnCallTest, ManualIncidentIsPagedResolvedWithACauseAndReported) {
  Configure("1h");
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  auto open =
      Vigiectl({"incident", "open", "--title", "ERP is slow", "--service", "erp", "--reported-by",
                "Jean (accounting)", "--severity", "critical", "-o", "json"});
  ASSERT_EQ(open.exit_code, 0) << open.out << open.err;
  auto opened = nlohmann::json::parse(open.out, nullptr, false);
  ASSERT_TRUE(opened.is_object()) << open.out;
  const int64_t id = opened.value("id", int64_t{0});
  ASSERT_GT(id, 0) << open.out;
  EXPECT_EQ(opened.value("source", ""), "manual") << open.out;
  ASSERT_TRUE(WaitFor([&] { return Mails().size() >= 1; }, milliseconds(15'000)))
      << vigied_->LogTail();
  EXPECT_TRUE(To(Mails()[0], "alice@example.com")) << Mails()[0].text;
  EXPECT_NE(Mails()[0].text.find("ERP is slow"), std::string::npos) << Mails()[0].text;

  auto resolve = Vigiectl({"incident", "resolve", std::to_string(id), "--cause", "software",
                           "--owner", "internal", "--comment", "index rebuilt"});
  ASSERT_EQ(resolve.exit_code, 0) << resolve.out << resolve.err;
  auto bad = Vigiectl({"incident", "resolve", std::to_string(id), "--cause", "gremlins"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("unknown cause"), std::string::npos) << bad.err;

  auto shown = Incident(static_cast<int>(id));
  EXPECT_NE(shown.dump().find("\"software\""), std::string::npos) << shown.dump();
  auto report = Vigiectl({"report", "--from", "2000-01-01", "--to", "2100-01-01", "-o", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  EXPECT_NE(report.out.find("software"), std::string::npos) << report.out;
  EXPECT_EQ(Metric("vigie_incidents_by_cause", {{"cause", "software"}, {"owner", "internal"}}),
            1.0);
}

// An override gives the primary schedule to bob: who is on call says so, and
// the next page goes to him.
TEST_F(OnCallTest, OverrideChangesWhoIsPaged) {
  Configure("1h");
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  auto who = Vigiectl({"oncall", "who", "--schedule", "primary", "-o", "json"});
  ASSERT_EQ(who.exit_code, 0) << who.err;
  EXPECT_NE(who.out.find("alice"), std::string::npos) << who.out;
  auto add = Vigiectl({"oncall", "override", "primary", "--user", "bob", "--from", "2000-01-01",
                       "--to", "2100-01-01", "--reason", "alice is ill"});
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  who = Vigiectl({"oncall", "who", "--schedule", "primary", "-o", "json"});
  EXPECT_NE(who.out.find("bob"), std::string::npos) << who.out;
  EXPECT_EQ(who.out.find("alice"), std::string::npos) << who.out;

  StartAgent({.host = "db1", .interval = milliseconds(300)});
  ASSERT_TRUE(WaitFor([&] { return Mails().size() >= 1; }, milliseconds(20'000)))
      << vigied_->LogTail();
  EXPECT_TRUE(To(Mails()[0], "bob@example.com")) << Mails()[0].text;
  auto ics = HttpGet(HttpUrl("/oncall/primary.ics"));
  EXPECT_NE(ics.body.find("bob"), std::string::npos);
}

// A shift starts: the person taking it is told, once.
TEST_F(OnCallTest, HandoffMessageTellsTheNextPersonOnce) {
  const std::time_t start = std::time(nullptr) + 4;
  std::tm utc{};
  gmtime_r(&start, &utc);
  char local[32];
  std::strftime(local, sizeof local, "%Y-%m-%dT%H:%M:%S", &utc);
  Configure("1h", StrCat("    - name: night\n"
                         "      time_zone: UTC\n"
                         "      layers: [{name: l, members: [bob], start: \"",
                         local, "\", shift: 1h}]\n"));
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  ASSERT_TRUE(WaitFor([&] { return Mails().size() >= 1; }, milliseconds(20'000)))
      << vigied_->LogTail();
  const Mail mail = Mails()[0];
  EXPECT_TRUE(To(mail, "bob@example.com")) << mail.text;
  EXPECT_NE(mail.text.find("[ON CALL]"), std::string::npos) << mail.text;
  EXPECT_NE(mail.text.find("shift on night starts now"), std::string::npos) << mail.text;
  EXPECT_EQ(mail.text.find("vigiectl ack"), std::string::npos) << "nothing to acknowledge";
  std::this_thread::sleep_for(milliseconds(3000));
  EXPECT_EQ(Mails().size(), 1u);
}

}  // namespace
}  // namespace vigie::itest
