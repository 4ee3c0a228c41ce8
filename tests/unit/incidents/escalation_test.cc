#include "daemon/incidents/escalation.h"

#include "gtest/gtest.h"

namespace vigie::daemon::incidents {
namespace {

using std::chrono::minutes;

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kMin = 60'000;

// Policy "ops": step 1 the primary on-call (escalates after 10 min), step 2
// carol and the team-chat receiver (after 10 min); repeated once; an
// acknowledgement holds 30 min. alice is paged by mail at once and by SMS
// after 5 min.
Directory TestDirectory() {
  Directory d;
  EscalationPolicy p;
  p.name = "ops";
  p.steps = {
      {{{Target::Kind::kSchedule, "primary"}}, minutes(10)},
      {{{Target::Kind::kUser, "carol"}, {Target::Kind::kReceiver, "team-chat"}}, minutes(10)}};
  p.repeat = 1;
  p.ack_timeout = minutes(30);
  d.policies["ops"] = p;
  d.contact_rules["alice"] = {{"mail", minutes(0)}, {"sms", minutes(5)}};
  d.contact_rules["bob"] = {{"mail", minutes(0)}};
  d.contact_rules["carol"] = {{"mail", minutes(0)}};
  d.on_call = [](const std::string& schedule, int64_t at) -> std::optional<std::string> {
    if (schedule != "primary") return std::nullopt;
    return at < kT0 + 60 * kMin ? "alice" : "bob";
  };
  return d;
}

IncidentOpening DiskOpening() {
  IncidentOpening o;
  o.group_key = "{}:{alertname=\"DiskFull\"}";
  o.title = "DiskFull on db1";
  o.host = "db1";
  o.rule = "DiskFull";
  o.severity = "critical";
  o.policy = "ops";
  o.payload = "{\"n\":1}";
  return o;
}

// "user/receiver" of each page.
std::vector<std::string> Pages(const Changes& c) {
  std::vector<std::string> out;
  for (const auto& p : c.pages) out.push_back((p.user.empty() ? "-" : p.user) + "/" + p.receiver);
  return out;
}

using Strings = std::vector<std::string>;

TEST(EscalationTest, StepsDelayedContactsRepeatThenExhaustion) {
  IncidentManager m(TestDirectory(), {}, 0);
  Changes c;
  const int64_t id = m.Open(DiskOpening(), kT0, c);
  EXPECT_EQ(id, 1);
  EXPECT_EQ(Pages(c), (Strings{"alice/mail"}));
  ASSERT_EQ(c.store.upserts.size(), 1u);
  EXPECT_EQ(c.store.upserts[0].state, "triggered");
  EXPECT_EQ(c.store.upserts[0].next_step_ms, kT0 + 10 * kMin);
  EXPECT_EQ(m.ForGroup(DiskOpening().group_key), id);
  EXPECT_EQ(m.NextDueMs(), kT0 + 5 * kMin);  // alice's SMS

  auto tick = [&](int64_t t) {
    Changes out;
    m.Tick(t, out);
    return Pages(out);
  };
  EXPECT_EQ(tick(kT0 + 4 * kMin), Strings{});
  EXPECT_EQ(tick(kT0 + 5 * kMin), (Strings{"alice/sms"}));
  EXPECT_EQ(tick(kT0 + 6 * kMin), Strings{});
  EXPECT_EQ(tick(kT0 + 10 * kMin), (Strings{"-/team-chat", "carol/mail"}));
  // Repeat: step 1 again; the schedule has handed over to bob meanwhile.
  EXPECT_EQ(tick(kT0 + 20 * kMin), (Strings{"alice/mail"}));
  EXPECT_EQ(tick(kT0 + 30 * kMin), (Strings{"alice/sms", "-/team-chat", "carol/mail"}));
  Changes last;
  m.Tick(kT0 + 40 * kMin, last);
  EXPECT_TRUE(last.pages.empty());
  ASSERT_FALSE(last.store.timeline.empty());
  EXPECT_EQ(last.store.timeline.back().kind, "escalation_exhausted");
  EXPECT_FALSE(m.NextDueMs().has_value());
  EXPECT_EQ(m.Find(id)->state, "triggered");  // still open, visible
}

TEST(EscalationTest, AcknowledgementStopsThenTimesOut) {
  IncidentManager m(TestDirectory(), {}, 10);
  Changes c;
  const int64_t id = m.Open(DiskOpening(), kT0, c);
  EXPECT_EQ(id, 11);
  Changes ack;
  ASSERT_TRUE(m.Acknowledge(id, "alice", "on it", kT0 + 2 * kMin, ack).ok());
  EXPECT_EQ(ack.store.upserts[0].state, "acknowledged");
  EXPECT_EQ(ack.store.upserts[0].acked_by, "alice");
  EXPECT_EQ(ack.store.upserts[0].acked_ms, kT0 + 2 * kMin);
  EXPECT_EQ(ack.store.timeline[0].kind, "acknowledged");
  EXPECT_EQ(ack.store.timeline[0].detail, "on it");
  EXPECT_EQ(m.Acknowledge(id, "bob", "", kT0 + 3 * kMin, ack).code(),
            absl::StatusCode::kFailedPrecondition);
  // The SMS and step 2 are cancelled.
  for (int64_t t = 3; t < 32; ++t) {
    Changes out;
    m.Tick(kT0 + t * kMin, out);
    EXPECT_TRUE(out.pages.empty()) << "paged at +" << t << " min";
  }
  // Still open 30 min after the acknowledgement: step 1 again (bob is on call
  // only after an hour, so alice).
  Changes again;
  m.Tick(kT0 + 32 * kMin, again);
  EXPECT_EQ(Pages(again), (Strings{"alice/mail"}));
  EXPECT_EQ(m.Find(id)->state, "triggered");
  EXPECT_EQ(m.Find(id)->acked_ms, kT0 + 2 * kMin) << "time to acknowledge is the first ack";
}

TEST(EscalationTest, RestartResumesAtTheRightStepWithoutRepaging) {
  Changes c;
  int64_t id = 0;
  std::vector<IncidentRecord> stored;
  {
    IncidentManager m(TestDirectory(), {}, 0);
    id = m.Open(DiskOpening(), kT0, c);
    Changes sms;
    m.Tick(kT0 + 5 * kMin, sms);
    ASSERT_EQ(Pages(sms), (Strings{"alice/sms"}));
    stored = sms.store.upserts;  // what the store holds after the last commit
  }
  // kill -9 at +7 min; restart at +8 min with what was stored.
  IncidentManager m(TestDirectory(), stored, id);
  Changes early;
  m.Tick(kT0 + 8 * kMin, early);
  EXPECT_TRUE(early.pages.empty()) << "nothing is due yet: no page may repeat";
  EXPECT_EQ(m.NextDueMs(), kT0 + 10 * kMin);
  Changes step2;
  m.Tick(kT0 + 10 * kMin, step2);
  EXPECT_EQ(Pages(step2), (Strings{"-/team-chat", "carol/mail"}));
  EXPECT_EQ(m.Payload(id), "{\"n\":1}");
  // A new incident after the restart does not reuse an id.
  Changes more;
  EXPECT_EQ(m.Open(DiskOpening(), kT0 + 11 * kMin, more), id + 1);
}

TEST(EscalationTest, DelayedContactSurvivesRestart) {
  std::vector<IncidentRecord> stored;
  {
    IncidentManager m(TestDirectory(), {}, 0);
    Changes c;
    m.Open(DiskOpening(), kT0, c);
    stored = c.store.upserts;
  }
  IncidentManager m(TestDirectory(), stored, 1);
  Changes out;
  m.Tick(kT0 + 5 * kMin, out);
  EXPECT_EQ(Pages(out), (Strings{"alice/sms"}));
}

TEST(EscalationTest, ResolveUnackReassignComment) {
  IncidentManager m(TestDirectory(), {}, 0);
  Changes c;
  const int64_t id = m.Open(DiskOpening(), kT0, c);
  Changes a;
  ASSERT_TRUE(m.Acknowledge(id, "alice", "", kT0 + kMin, a).ok());
  Changes u;
  ASSERT_TRUE(m.Unacknowledge(id, "alice", kT0 + 2 * kMin, u).ok());
  EXPECT_EQ(Pages(u), (Strings{"alice/mail"})) << "un-ack escalates again from step 1";
  Changes r;
  ASSERT_TRUE(m.Reassign(id, "bob", "alice", kT0 + 3 * kMin, r).ok());
  EXPECT_EQ(Pages(r), (Strings{"bob/mail"}));
  EXPECT_EQ(r.store.upserts[0].assignee, "bob");
  EXPECT_EQ(m.Reassign(id, "nobody", "alice", kT0, r).code(), absl::StatusCode::kInvalidArgument);
  Changes note;
  ASSERT_TRUE(m.Comment(id, "bob", "disk replaced", kT0 + 4 * kMin, note).ok());
  EXPECT_EQ(note.store.timeline[0].kind, "comment");
  Changes res;
  ASSERT_TRUE(m.Resolve(id, "alert", "", kT0 + 5 * kMin, res).ok());
  EXPECT_EQ(res.store.upserts[0].state, "resolved");
  EXPECT_EQ(res.store.upserts[0].resolved_ms, kT0 + 5 * kMin);
  EXPECT_FALSE(m.ForGroup(DiskOpening().group_key).has_value());
  EXPECT_FALSE(m.NextDueMs().has_value());
  EXPECT_EQ(m.Acknowledge(id, "bob", "", kT0, res).code(), absl::StatusCode::kNotFound);
}

TEST(EscalationTest, NoPolicyRecordsWithoutPaging) {
  IncidentManager m(TestDirectory(), {}, 0);
  IncidentOpening o = DiskOpening();
  o.policy = "";
  Changes c;
  m.Open(o, kT0, c);
  EXPECT_TRUE(c.pages.empty());
  EXPECT_FALSE(m.NextDueMs().has_value());
  EXPECT_EQ(c.store.timeline[0].kind, "triggered");
}

TEST(EscalationTest, NobodyOnCallIsOnTheTimeline) {
  Directory d = TestDirectory();
  d.on_call = [](const std::string&, int64_t) { return std::optional<std::string>(); };
  IncidentManager m(d, {}, 0);
  Changes c;
  m.Open(DiskOpening(), kT0, c);
  EXPECT_TRUE(c.pages.empty());
  bool found = false;
  for (const auto& l : c.store.timeline) found = found || l.kind == "page_failed";
  EXPECT_TRUE(found);
}

TEST(EscalationTest, PolicyConfigErrorsNameTheLine) {
  ConfigErrors errors("vigied.yaml");
  YAML::Node node = YAML::Load(R"(- name: ops
  repeat: 2
  steps:
    - targets: [{schedule: primary}, {user: ghost}]
      escalate_after: 5m
    - targets: []
    - targets: [{pager: x}]
- name: ops
  steps: [{targets: [{receiver: chat}]}]
)");
  auto policies = ParseEscalationPolicies(node, {"primary"}, {"alice"}, {"dba"}, {"chat"}, errors);
  ASSERT_EQ(errors.errors().size(), 4u) << std::string(errors.ToStatus().message());
  const std::string all = std::string(errors.ToStatus().message());
  EXPECT_NE(all.find("vigied.yaml:4:"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown user \"ghost\""), std::string::npos) << all;
  EXPECT_NE(all.find("vigied.yaml:6:"), std::string::npos) << all;
  EXPECT_NE(all.find("vigied.yaml:7:"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown kind \"pager\""), std::string::npos) << all;
  EXPECT_NE(all.find("vigied.yaml:8:"), std::string::npos) << all;
  EXPECT_NE(all.find("defined twice"), std::string::npos) << all;
  ASSERT_TRUE(policies.contains("ops"));
  EXPECT_EQ(policies["ops"].repeat, 2);
  EXPECT_EQ(policies["ops"].steps[0].escalate_after, minutes(5));
}

TEST(EscalationTest, ContactRulesNeedKnownReceivers) {
  ConfigErrors errors("vigied.yaml");
  auto rules = ParseContactRules(YAML::Load("- {receiver: mail}\n- {receiver: fax, after: 5m}\n"),
                                 {"mail"}, errors);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].after, minutes(5));
  ASSERT_EQ(errors.errors().size(), 1u);
  EXPECT_NE(std::string(errors.ToStatus().message()).find("vigied.yaml:2:"), std::string::npos)
      << std::string(errors.ToStatus().message());
}

}  // namespace
}  // namespace vigie::daemon::incidents
