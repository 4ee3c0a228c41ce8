#include "daemon/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <future>
#include <limits>

#include "common/strings.h"
#include "daemon/store/durable_writer.h"
#include "prometheus/registry.h"

namespace vigie::daemon {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigie-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "vigie.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static HostRecord Record(const std::string& name, uint64_t seq) {
    HostRecord r;
    r.name = name;
    r.first_seen_ms = 1000;
    r.last_seen_ms = 2000 + static_cast<int64_t>(seq);
    r.agent_version = "0.1.0";
    r.labels = {{"env", "prod"}, {"team", "ops"}};
    r.inventory = std::string("\x0a\x03web\x00\xff", 7);  // binary-safe
    r.interval_ms = 15000;
    r.last_applied_seq = seq;
    r.config_hash = "abc";
    return r;
  }

  std::unique_ptr<SqliteStore> OpenStore() {
    auto store = SqliteStore::Open(path_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Runs `sql` on the database file through a connection of its own.
  void RawExec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  static Alert MakeAlert(const std::string& rule, Labels labels, uint64_t fingerprint) {
    Alert a;
    a.rule = rule;
    a.labels = std::move(labels);
    a.annotations = {{"summary", "disk \"/\" is full"}, {"description", "héhé ✓ 日本"}};
    a.state = AlertState::kFiring;
    a.value = 97.5;
    a.active_at_ms = 1000;
    a.fired_at_ms = 2000;
    a.resolved_at_ms = 0;
    a.last_eval_ms = 3000;
    a.flapping = false;
    a.fingerprint = fingerprint;
    return a;
  }

  static OutboxRecord Outbox(const std::string& group_key, const std::string& kind,
                             int64_t created_ms) {
    OutboxRecord r;
    r.receiver = "ops";
    r.notifier_index = 1;
    r.channel = "webhook";
    r.group_key = group_key;
    r.kind = kind;
    r.payload = std::string("{\"a\":1}\x00\xff", 9);  // opaque, binary-safe
    r.created_ms = created_ms;
    return r;
  }

  static DispatchGroupRecord Group(const std::string& key, const std::string& receiver,
                                   uint64_t sequence) {
    DispatchGroupRecord g;
    g.group_key = key;
    g.receiver = receiver;
    g.sequence = sequence;
    return g;
  }

  static AuditRecord Audit(int64_t at_ms, const std::string& action, const std::string& object) {
    AuditRecord a;
    a.at_ms = at_ms;
    a.actor = "alice (ipv4:127.0.0.1:51234)";
    a.action = action;
    a.object = object;
    a.detail = "matchers: env=\"prod\"";
    return a;
  }

  // An incident with every field set (and distinct from its neighbours').
  static IncidentRecord Incident(int64_t id, int64_t opened_ms) {
    IncidentRecord r;
    r.id = id;
    r.group_key = StrCat("{}:{alertname=\"Disk\",host=\"web", id, "\"}");
    r.title = StrCat("Disk full on web", id, " — \"/\" ✓");
    r.source = "alert";
    r.reported_by = "bob";
    r.service = "storefront";
    r.severity = "critical";
    r.host = StrCat("web", id);
    r.rule = "Disk";
    r.labels = {{"alertname", "Disk"}, {"env", "prod"}, {"host", StrCat("web", id)}};
    r.state = "triggered";
    r.opened_ms = opened_ms;
    r.acked_ms = opened_ms + 1;
    r.acked_by = "alice";
    r.resolved_ms = opened_ms + 2;
    r.resolved_by = "carol";
    r.assignee = "dave";
    r.cause = "capacity";
    r.owner = "internal";
    r.policy = "default";
    r.step = 2;
    r.round = 1;
    r.next_step_ms = opened_ms + 300000;
    r.escalation_json = R"({"delayed":[{"contact":"eve","at_ms":12}]})";
    return r;
  }

  static TimelineRecord Line(int64_t incident_id, int64_t at_ms, const std::string& kind,
                             const std::string& detail = "") {
    TimelineRecord t;
    t.incident_id = incident_id;
    t.at_ms = at_ms;
    t.kind = kind;
    t.actor = "vigied";
    t.detail = detail;
    return t;
  }

  // Commits only incident changes.
  absl::Status CommitIncidents(SqliteStore& store, const IncidentChanges& changes) {
    std::vector<OutboxRecord> none;
    return store.CommitDispatch({}, {}, none, changes);
  }

  std::filesystem::path dir_;
  std::string path_;
};

// The version 1 schema (hosts only), as shipped.
constexpr const char* kSchemaV1 = R"sql(
    CREATE TABLE hosts (
      name TEXT PRIMARY KEY,
      first_seen_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      agent_version TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      inventory BLOB NOT NULL,
      interval_ms INTEGER NOT NULL,
      last_applied_seq INTEGER NOT NULL,
      config_hash TEXT NOT NULL
    ) STRICT;
    PRAGMA user_version=1;
    )sql";

// The version 2 schema (migrations 1 and 2), as shipped.
constexpr const char* kSchemaV2 = R"sql(
    CREATE TABLE hosts (
      name TEXT PRIMARY KEY,
      first_seen_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      agent_version TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      inventory BLOB NOT NULL,
      interval_ms INTEGER NOT NULL,
      last_applied_seq INTEGER NOT NULL,
      config_hash TEXT NOT NULL
    ) STRICT;
    CREATE TABLE alerts (
      rule_group TEXT NOT NULL,
      fingerprint INTEGER NOT NULL,
      rule TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      annotations_json TEXT NOT NULL,
      state TEXT NOT NULL,
      value REAL,
      active_at_ms INTEGER NOT NULL,
      fired_at_ms INTEGER NOT NULL,
      resolved_at_ms INTEGER NOT NULL,
      last_eval_ms INTEGER NOT NULL,
      flapping INTEGER NOT NULL,
      PRIMARY KEY (rule_group, fingerprint)
    ) STRICT;
    CREATE TABLE silences (
      id TEXT PRIMARY KEY,
      matchers_json TEXT NOT NULL,
      starts_at_ms INTEGER NOT NULL,
      ends_at_ms INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      comment TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE dispatch_groups (
      group_key TEXT PRIMARY KEY,
      receiver TEXT NOT NULL,
      notified INTEGER NOT NULL,
      last_notify_ms INTEGER NOT NULL,
      sequence INTEGER NOT NULL,
      last_firing_json TEXT NOT NULL,
      last_flapping_json TEXT NOT NULL
    ) STRICT;
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      receiver TEXT NOT NULL,
      notifier_index INTEGER NOT NULL,
      channel TEXT NOT NULL,
      group_key TEXT NOT NULL,
      kind TEXT NOT NULL,
      payload BLOB NOT NULL,
      created_ms INTEGER NOT NULL,
      state TEXT NOT NULL,
      finished_ms INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      error TEXT NOT NULL
    ) STRICT;
    CREATE INDEX outbox_by_state ON outbox (state);
    CREATE INDEX outbox_by_finished ON outbox (finished_ms);
    CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY,
      at_ms INTEGER NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      object TEXT NOT NULL,
      detail TEXT NOT NULL
    ) STRICT;
    PRAGMA user_version=2;
    )sql";

// What version 3 added to the version 2 schema (the incident tables), as
// shipped: run kSchemaV2 then this for a version 3 database.
constexpr const char* kSchemaV3FromV2 = R"sql(
    CREATE TABLE incidents (
      id INTEGER PRIMARY KEY,
      group_key TEXT NOT NULL,
      title TEXT NOT NULL,
      source TEXT NOT NULL,
      reported_by TEXT NOT NULL,
      service TEXT NOT NULL,
      severity TEXT NOT NULL,
      host TEXT NOT NULL,
      rule TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      state TEXT NOT NULL,
      opened_ms INTEGER NOT NULL,
      acked_ms INTEGER NOT NULL,
      acked_by TEXT NOT NULL,
      resolved_ms INTEGER NOT NULL,
      resolved_by TEXT NOT NULL,
      assignee TEXT NOT NULL,
      cause TEXT NOT NULL,
      owner TEXT NOT NULL,
      policy TEXT NOT NULL,
      step INTEGER NOT NULL,
      round INTEGER NOT NULL,
      next_step_ms INTEGER NOT NULL,
      escalation_json TEXT NOT NULL
    ) STRICT;
    CREATE INDEX incidents_by_opened ON incidents (opened_ms);
    CREATE INDEX incidents_by_state ON incidents (state);
    CREATE TABLE incident_timeline (
      incident_id INTEGER NOT NULL REFERENCES incidents(id),
      at_ms INTEGER NOT NULL,
      kind TEXT NOT NULL,
      actor TEXT NOT NULL,
      detail TEXT NOT NULL
    ) STRICT;
    CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id);
    CREATE TABLE ack_tokens_used (
      token_id TEXT PRIMARY KEY,
      used_ms INTEGER NOT NULL
    ) STRICT;
    PRAGMA user_version=3;
    )sql";

// The schema version the store migrates to.
constexpr int64_t kLatestSchemaVersion = 4;

int64_t UserVersion(const std::string& path) {
  sqlite3* db = nullptr;
  int64_t version = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      version = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return version;
}

void ExpectSameIncident(const IncidentRecord& got, const IncidentRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.group_key, want.group_key);
  EXPECT_EQ(got.title, want.title);
  EXPECT_EQ(got.source, want.source);
  EXPECT_EQ(got.reported_by, want.reported_by);
  EXPECT_EQ(got.service, want.service);
  EXPECT_EQ(got.severity, want.severity);
  EXPECT_EQ(got.host, want.host);
  EXPECT_EQ(got.rule, want.rule);
  EXPECT_EQ(got.labels, want.labels);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.opened_ms, want.opened_ms);
  EXPECT_EQ(got.acked_ms, want.acked_ms);
  EXPECT_EQ(got.acked_by, want.acked_by);
  EXPECT_EQ(got.resolved_ms, want.resolved_ms);
  EXPECT_EQ(got.resolved_by, want.resolved_by);
  EXPECT_EQ(got.assignee, want.assignee);
  EXPECT_EQ(got.cause, want.cause);
  EXPECT_EQ(got.owner, want.owner);
  EXPECT_EQ(got.policy, want.policy);
  EXPECT_EQ(got.step, want.step);
  EXPECT_EQ(got.round, want.round);
  EXPECT_EQ(got.next_step_ms, want.next_step_ms);
  EXPECT_EQ(got.escalation_json, want.escalation_json);
}

void ExpectSameLine(const TimelineRecord& got, const TimelineRecord& want) {
  EXPECT_EQ(got.incident_id, want.incident_id);
  EXPECT_EQ(got.at_ms, want.at_ms);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.actor, want.actor);
  EXPECT_EQ(got.detail, want.detail);
}

std::vector<int64_t> Ids(const std::vector<IncidentRecord>& incidents) {
  std::vector<int64_t> ids;
  for (const IncidentRecord& r : incidents) ids.push_back(r.id);
  return ids;
}

std::vector<std::string> Kinds(const std::vector<TimelineRecord>& lines) {
  std::vector<std::string> kinds;
  for (const TimelineRecord& t : lines) kinds.push_back(t.kind);
  return kinds;
}

void ExpectSameAlert(const Alert& got, const Alert& want) {
  EXPECT_EQ(got.rule, want.rule);
  EXPECT_EQ(got.group, want.group);
  EXPECT_EQ(got.labels, want.labels);
  EXPECT_EQ(got.annotations, want.annotations);
  EXPECT_EQ(got.state, want.state);
  if (std::isnan(want.value)) {
    EXPECT_TRUE(std::isnan(got.value));
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

TEST_F(SqliteStoreTest, HostsSurviveReopen) {
  {
    auto store = SqliteStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->SaveHosts({Record("web1", 5), Record("db1", 9)}).ok());
    ASSERT_TRUE((*store)->SaveHosts({Record("web1", 6)}).ok());  // upsert
  }
  auto store = SqliteStore::Open(path_);
  ASSERT_TRUE(store.ok());
  auto hosts = (*store)->LoadHosts();
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 2u);
  EXPECT_EQ((*hosts)[0].name, "db1");
  const HostRecord& web = (*hosts)[1];
  EXPECT_EQ(web.name, "web1");
  EXPECT_EQ(web.last_applied_seq, 6u);
  EXPECT_EQ(web.labels, (Labels{{"env", "prod"}, {"team", "ops"}}));
  EXPECT_EQ(web.inventory, std::string("\x0a\x03web\x00\xff", 7));
  EXPECT_EQ(web.interval_ms, 15000);
  EXPECT_EQ(web.config_hash, "abc");
}

TEST_F(SqliteStoreTest, RefusesNewerSchema) {
  {
    auto store = SqliteStore::Open(path_);
    ASSERT_TRUE(store.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer"), absl::string_view::npos);
}

TEST_F(SqliteStoreTest, UnwritableLocationIsAClearError) {
  auto store = SqliteStore::Open((dir_ / "missing-dir" / "vigie.db").string());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("cannot open database"), absl::string_view::npos);
}

TEST_F(SqliteStoreTest, DurableWriterCommitsBeforeCallingBack) {
  auto store = SqliteStore::Open(path_);
  ASSERT_TRUE(store.ok());
  prometheus::Registry registry;
  DurableWriter writer(**store, registry);
  writer.Start();
  std::vector<std::future<absl::Status>> done;
  for (uint64_t seq = 1; seq <= 50; ++seq) {
    auto p = std::make_shared<std::promise<absl::Status>>();
    done.push_back(p->get_future());
    writer.SaveHost(Record(seq % 2 ? "a" : "b", seq),
                    [p](const absl::Status& st) { p->set_value(st); });
  }
  for (auto& f : done) EXPECT_TRUE(f.get().ok());
  // Every callback ran after its record was committed: the highest seq of
  // each host is in the database now.
  auto hosts = (*store)->LoadHosts();
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 2u);
  EXPECT_EQ((*hosts)[0].last_applied_seq, 49u);
  EXPECT_EQ((*hosts)[1].last_applied_seq, 50u);
  writer.Stop();
  absl::Status after;
  writer.SaveHost(Record("a", 51), [&](const absl::Status& st) { after = st; });
  EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable);
}

TEST(ParseAlertStateTest, InvertsAlertStateName) {
  for (AlertState s :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
    EXPECT_EQ(ParseAlertState(AlertStateName(s)), s);
  }
  EXPECT_EQ(ParseAlertState("Firing"), std::nullopt);
  EXPECT_EQ(ParseAlertState(""), std::nullopt);
}

TEST(OutboxStateNameTest, Names) {
  EXPECT_STREQ(OutboxStateName(OutboxState::kPending), "pending");
  EXPECT_STREQ(OutboxStateName(OutboxState::kSent), "sent");
  EXPECT_STREQ(OutboxStateName(OutboxState::kFailed), "failed");
}

TEST_F(SqliteStoreTest, AlertsRoundTrip) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  // Fingerprints above 2^63 do not fit an int64: they must come back intact.
  Alert a = MakeAlert("DiskFull", {{"alertname", "DiskFull"}, {"host", "web \"1\""}},
                      0xFFFFFFFFFFFFFFFFull);
  Alert b = MakeAlert("DiskFull", {{"alertname", "DiskFull"}, {"host", "wéb-2 ✓"}},
                      (uint64_t{1} << 63) + 12345);
  b.state = AlertState::kResolved;
  b.resolved_at_ms = 4000;
  b.flapping = true;
  b.value = std::numeric_limits<double>::quiet_NaN();  // SQLite would store NULL
  Alert c = MakeAlert("Down", {{"alertname", "Down"}}, 7);
  c.state = AlertState::kPending;
  c.value = -std::numeric_limits<double>::infinity();
  c.annotations.clear();
  ASSERT_TRUE(store->SaveGroupAlerts("node", {b, a}).ok());
  ASSERT_TRUE(store->SaveGroupAlerts("avail", {c}).ok());

  auto alerts = store->LoadAlerts();
  ASSERT_TRUE(alerts.ok()) << alerts.status();
  ASSERT_EQ(alerts->size(), 3u);
  // By group, then labels.
  c.group = "avail";
  a.group = "node";
  b.group = "node";
  ExpectSameAlert((*alerts)[0], c);
  ExpectSameAlert((*alerts)[1], a);
  ExpectSameAlert((*alerts)[2], b);
}

TEST_F(SqliteStoreTest, SaveGroupAlertsReplacesTheGroup) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  Alert a1 = MakeAlert("A", {{"alertname", "A"}, {"i", "1"}}, 1);
  Alert a2 = MakeAlert("A", {{"alertname", "A"}, {"i", "2"}}, 2);
  Alert a3 = MakeAlert("A", {{"alertname", "A"}, {"i", "3"}}, 3);
  Alert b1 = MakeAlert("B", {{"alertname", "B"}}, 1);  // same fingerprint, other group
  ASSERT_TRUE(store->SaveGroupAlerts("g1", {a1, a2}).ok());
  ASSERT_TRUE(store->SaveGroupAlerts("g2", {b1}).ok());

  a2.state = AlertState::kResolved;
  ASSERT_TRUE(store->SaveGroupAlerts("g1", {a2, a3}).ok());
  auto alerts = store->LoadAlerts();
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 3u);
  EXPECT_EQ((*alerts)[0].group, "g1");
  EXPECT_EQ((*alerts)[0].fingerprint, 2u);
  EXPECT_EQ((*alerts)[0].state, AlertState::kResolved);
  EXPECT_EQ((*alerts)[1].fingerprint, 3u);
  EXPECT_EQ((*alerts)[2].group, "g2");
  EXPECT_EQ((*alerts)[2].rule, "B");

  ASSERT_TRUE(store->SaveGroupAlerts("g1", {}).ok());  // empty: deletes the group's alerts
  alerts = store->LoadAlerts();
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].group, "g2");
}

TEST_F(SqliteStoreTest, SilencesRoundTripWithAudit) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  routing::SilenceRecord s1;
  s1.id = "0123456789abcdef0123456789abcdef";
  s1.matchers = {R"(env="prod")", R"(host=~"web-\d+")", R"(msg!="say \"hi\" ✓")"};
  s1.starts_at_ms = 1000;
  s1.ends_at_ms = 5000;
  s1.created_by = "alice";
  s1.comment = "maintenance — 日本";
  s1.created_at_ms = 900;
  s1.updated_at_ms = 900;
  routing::SilenceRecord s2 = s1;
  s2.id = "ffffffffffffffffffffffffffffffff";
  s2.matchers = {R"(team="db")"};
  ASSERT_TRUE(store->SaveSilence(s1, Audit(900, "silence.add", s1.id)).ok());
  ASSERT_TRUE(store->SaveSilence(s2, Audit(901, "silence.add", s2.id)).ok());
  // Expire s1: an upsert of the same id.
  s1.ends_at_ms = 2000;
  s1.updated_at_ms = 2000;
  ASSERT_TRUE(store->SaveSilence(s1, Audit(2000, "silence.expire", s1.id)).ok());

  auto silences = store->LoadSilences();
  ASSERT_TRUE(silences.ok()) << silences.status();
  ASSERT_EQ(silences->size(), 2u);
  const routing::SilenceRecord& got = (*silences)[0];
  EXPECT_EQ(got.id, s1.id);
  EXPECT_EQ(got.matchers, s1.matchers);
  EXPECT_EQ(got.starts_at_ms, 1000);
  EXPECT_EQ(got.ends_at_ms, 2000);
  EXPECT_EQ(got.created_by, "alice");
  EXPECT_EQ(got.comment, s1.comment);
  EXPECT_EQ(got.created_at_ms, 900);
  EXPECT_EQ(got.updated_at_ms, 2000);
  EXPECT_EQ((*silences)[1].id, s2.id);
  EXPECT_EQ((*silences)[1].matchers, s2.matchers);

  // Each save appended its audit row in the same transaction.
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[0].action, "silence.expire");
  EXPECT_EQ((*audit)[0].object, s1.id);
  EXPECT_EQ((*audit)[2].action, "silence.add");

  ASSERT_TRUE(store->DeleteSilences({s1.id, "unknown"}).ok());
  silences = store->LoadSilences();
  ASSERT_TRUE(silences.ok());
  ASSERT_EQ(silences->size(), 1u);
  EXPECT_EQ((*silences)[0].id, s2.id);
}

TEST_F(SqliteStoreTest, CommitDispatchUpsertsRemovesAndAssignsIds) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  DispatchGroupRecord g1 = Group("{}:{alertname=\"A\"}", "ops", 3);
  g1.notified = true;
  g1.last_notify_ms = 1000;
  g1.last_firing = {1, uint64_t{1} << 63, 0xFFFFFFFFFFFFFFFFull};
  g1.last_flapping = {0xFFFFFFFFFFFFFFFFull};
  DispatchGroupRecord g2 = Group("{}:{alertname=\"B\"}", "dev", 0);
  std::vector<OutboxRecord> outbox = {Outbox(g1.group_key, "firing", 1000),
                                      Outbox(g1.group_key, "firing", 1000)};
  outbox[1].notifier_index = 2;
  outbox[1].channel = "email";
  ASSERT_TRUE(store->CommitDispatch({g1, g2}, {}, outbox).ok());
  EXPECT_GT(outbox[0].id, 0);
  EXPECT_GT(outbox[1].id, outbox[0].id);

  auto groups = store->LoadDispatchGroups();
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  const DispatchGroupRecord& got = (*groups)[0];
  EXPECT_EQ(got.group_key, g1.group_key);
  EXPECT_EQ(got.receiver, "ops");
  EXPECT_TRUE(got.notified);
  EXPECT_EQ(got.last_notify_ms, 1000);
  EXPECT_EQ(got.sequence, 3u);
  EXPECT_EQ(got.last_firing, g1.last_firing);
  EXPECT_EQ(got.last_flapping, g1.last_flapping);
  EXPECT_EQ((*groups)[1].group_key, g2.group_key);
  EXPECT_FALSE((*groups)[1].notified);
  EXPECT_TRUE((*groups)[1].last_firing.empty());

  // Update g1, remove g2, one more notification.
  g1.sequence = 4;
  g1.last_notify_ms = 2000;
  g1.last_firing = {};
  g1.last_flapping = {};
  std::vector<OutboxRecord> more = {Outbox(g1.group_key, "resolved", 2000)};
  ASSERT_TRUE(store->CommitDispatch({g1}, {g2.group_key}, more).ok());
  EXPECT_GT(more[0].id, outbox[1].id);
  groups = store->LoadDispatchGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].sequence, 4u);
  EXPECT_EQ((*groups)[0].last_notify_ms, 2000);
  EXPECT_TRUE((*groups)[0].last_firing.empty());
  EXPECT_TRUE((*groups)[0].last_flapping.empty());

  auto pending = store->LoadPendingOutbox();
  ASSERT_TRUE(pending.ok()) << pending.status();
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].id, outbox[0].id);
  EXPECT_EQ((*pending)[1].id, outbox[1].id);
  EXPECT_EQ((*pending)[2].id, more[0].id);
  const OutboxRecord& r = (*pending)[1];
  EXPECT_EQ(r.receiver, "ops");
  EXPECT_EQ(r.notifier_index, 2);
  EXPECT_EQ(r.channel, "email");
  EXPECT_EQ(r.group_key, g1.group_key);
  EXPECT_EQ(r.kind, "firing");
  EXPECT_EQ(r.payload, outbox[1].payload);
  EXPECT_EQ(r.created_ms, 1000);
  EXPECT_EQ(r.state, OutboxState::kPending);
  EXPECT_EQ(r.finished_ms, 0);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.error, "");
}

TEST_F(SqliteStoreTest, CommitDispatchIsAllOrNothing) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  DispatchGroupRecord g1 = Group("g1", "ops", 1);
  DispatchGroupRecord g2 = Group("g2", "ops", 1);
  std::vector<OutboxRecord> first = {Outbox("g1", "firing", 1)};
  ASSERT_TRUE(store->CommitDispatch({g1, g2}, {}, first).ok());

  // Make the second outbox insert fail, after the group writes and the first
  // insert of the same transaction.
  RawExec(
      "CREATE TRIGGER boom BEFORE INSERT ON outbox WHEN NEW.kind = 'boom' "
      "BEGIN SELECT RAISE(ABORT, 'boom'); END;");
  g1.sequence = 2;
  std::vector<OutboxRecord> outbox = {Outbox("g1", "firing", 2), Outbox("g1", "boom", 2)};
  absl::Status st = store->CommitDispatch({g1}, {"g2"}, outbox);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("boom"), absl::string_view::npos) << st;
  EXPECT_EQ(outbox[0].id, 0);  // nothing committed: no id handed out
  EXPECT_EQ(outbox[1].id, 0);

  auto groups = store->LoadDispatchGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);  // g2 not removed
  EXPECT_EQ((*groups)[0].sequence, 1u);
  auto pending = store->LoadPendingOutbox();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, first[0].id);

  // The store is usable afterwards (no transaction left open).
  std::vector<OutboxRecord> ok = {Outbox("g1", "firing", 3)};
  ASSERT_TRUE(store->CommitDispatch({g1}, {"g2"}, ok).ok());
  EXPECT_GT(ok[0].id, first[0].id);
}

TEST_F(SqliteStoreTest, FinishedOutboxRowsLeaveThePendingQueueForTheLog) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  std::vector<OutboxRecord> outbox = {Outbox("g", "firing", 1), Outbox("g", "firing", 2),
                                      Outbox("g", "resolved", 3)};
  ASSERT_TRUE(store->CommitDispatch({}, {}, outbox).ok());
  ASSERT_TRUE(store->FinishOutbox(outbox[0].id, OutboxState::kSent, 1, "", 10).ok());
  ASSERT_TRUE(
      store->FinishOutbox(outbox[1].id, OutboxState::kFailed, 5, "HTTP 503: \"busy\"", 20).ok());

  auto pending = store->LoadPendingOutbox();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, outbox[2].id);

  auto log = store->ListNotifications(10);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 2u);  // finished rows, newest first
  EXPECT_EQ((*log)[0].id, outbox[1].id);
  EXPECT_EQ((*log)[0].state, OutboxState::kFailed);
  EXPECT_EQ((*log)[0].attempts, 5);
  EXPECT_EQ((*log)[0].error, "HTTP 503: \"busy\"");
  EXPECT_EQ((*log)[0].finished_ms, 20);
  EXPECT_EQ((*log)[1].id, outbox[0].id);
  EXPECT_EQ((*log)[1].state, OutboxState::kSent);
  EXPECT_EQ((*log)[1].attempts, 1);
  EXPECT_EQ((*log)[1].finished_ms, 10);
  EXPECT_EQ((*log)[1].payload, outbox[0].payload);

  log = store->ListNotifications(1);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].id, outbox[1].id);

  EXPECT_EQ(store->FinishOutbox(9999, OutboxState::kSent, 1, "", 30).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->FinishOutbox(outbox[2].id, OutboxState::kPending, 1, "", 30).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, PruneNotificationsKeepsPendingRows) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  std::vector<OutboxRecord> outbox = {Outbox("g", "firing", 1), Outbox("g", "firing", 2),
                                      Outbox("g", "firing", 3)};
  ASSERT_TRUE(store->CommitDispatch({}, {}, outbox).ok());
  ASSERT_TRUE(store->FinishOutbox(outbox[0].id, OutboxState::kSent, 1, "", 100).ok());
  ASSERT_TRUE(store->FinishOutbox(outbox[1].id, OutboxState::kFailed, 3, "x", 200).ok());

  auto pruned = store->PruneNotifications(150);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1u);
  pruned = store->PruneNotifications(200);  // strictly before
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 0u);
  pruned = store->PruneNotifications(1'000'000);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1u);

  auto log = store->ListNotifications(10);
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(log->empty());
  auto pending = store->LoadPendingOutbox();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);  // finished_ms 0 but pending: kept
  EXPECT_EQ((*pending)[0].id, outbox[2].id);

  // Ids are never reused, even once the newest rows are pruned.
  ASSERT_TRUE(store->FinishOutbox(outbox[2].id, OutboxState::kSent, 1, "", 300).ok());
  ASSERT_TRUE(store->PruneNotifications(1'000'000).ok());
  std::vector<OutboxRecord> next = {Outbox("g", "firing", 4)};
  ASSERT_TRUE(store->CommitDispatch({}, {}, next).ok());
  EXPECT_GT(next[0].id, outbox[2].id);
}

TEST_F(SqliteStoreTest, AuditNewestFirstWithLimit) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(store->AppendAudit(Audit(i * 10, "config.reload", "vigied.yml")).ok());
  }
  auto audit = store->ListAudit(3);
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[0].at_ms, 50);
  EXPECT_EQ((*audit)[1].at_ms, 40);
  EXPECT_EQ((*audit)[2].at_ms, 30);
  EXPECT_GT((*audit)[0].id, (*audit)[1].id);
  EXPECT_EQ((*audit)[0].actor, "alice (ipv4:127.0.0.1:51234)");
  EXPECT_EQ((*audit)[0].action, "config.reload");
  EXPECT_EQ((*audit)[0].object, "vigied.yml");
  EXPECT_EQ((*audit)[0].detail, "matchers: env=\"prod\"");
  audit = store->ListAudit(100);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 5u);
  audit = store->ListAudit(0);
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->empty());
}

TEST_F(SqliteStoreTest, EverythingSurvivesReopen) {
  const uint64_t big = (uint64_t{1} << 63) + 42;
  std::vector<OutboxRecord> outbox = {Outbox("g", "firing", 1), Outbox("g", "firing", 2)};
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveHosts({Record("web1", 5)}).ok());
    ASSERT_TRUE(store->SaveGroupAlerts("node", {MakeAlert("A", {{"alertname", "A"}}, big)}).ok());
    routing::SilenceRecord s;
    s.id = "abc";
    s.matchers = {R"(env="prod")"};
    s.ends_at_ms = 10;
    ASSERT_TRUE(store->SaveSilence(s, Audit(1, "silence.add", "abc")).ok());
    DispatchGroupRecord g = Group("g", "ops", 2);
    g.last_firing = {big};
    g.last_flapping = {big};
    ASSERT_TRUE(store->CommitDispatch({g}, {}, outbox).ok());
    ASSERT_TRUE(store->FinishOutbox(outbox[0].id, OutboxState::kSent, 1, "", 5).ok());
    IncidentChanges changes;
    changes.upserts = {Incident(7, 100)};
    changes.timeline = {Line(7, 100, "triggered"), Line(7, 110, "acknowledged", "via link")};
    changes.used_tokens = {"tok-1"};
    ASSERT_TRUE(CommitIncidents(*store, changes).ok());
  }
  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto hosts = store->LoadHosts();
  ASSERT_TRUE(hosts.ok());
  EXPECT_EQ(hosts->size(), 1u);
  auto alerts = store->LoadAlerts();
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].fingerprint, big);
  EXPECT_EQ((*alerts)[0].group, "node");
  auto silences = store->LoadSilences();
  ASSERT_TRUE(silences.ok());
  ASSERT_EQ(silences->size(), 1u);
  EXPECT_EQ((*silences)[0].matchers, std::vector<std::string>{R"(env="prod")"});
  auto groups = store->LoadDispatchGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].last_firing, std::vector<uint64_t>{big});
  EXPECT_EQ((*groups)[0].last_flapping, std::vector<uint64_t>{big});
  EXPECT_EQ((*groups)[0].sequence, 2u);
  auto pending = store->LoadPendingOutbox();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, outbox[1].id);
  auto log = store->ListNotifications(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].id, outbox[0].id);
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "silence.add");
  auto incident = store->GetIncident(7);
  ASSERT_TRUE(incident.ok()) << incident.status();
  ExpectSameIncident(*incident, Incident(7, 100));
  auto max_id = store->MaxIncidentId();
  ASSERT_TRUE(max_id.ok());
  EXPECT_EQ(*max_id, 7);
  auto timeline = store->ListTimeline(7);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 2u);
  ExpectSameLine((*timeline)[1], Line(7, 110, "acknowledged", "via link"));
  // Used tokens are remembered across restarts too.
  IncidentChanges again;
  again.used_tokens = {"tok-1"};
  EXPECT_EQ(CommitIncidents(*store, again).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(SqliteStoreTest, MigratesAVersion1Database) {
  RawExec(kSchemaV1);
  RawExec(
      "INSERT INTO hosts VALUES ('old', 1, 2, '0.0.9', '{\"env\":\"prod\"}', x'0a00', 15000, "
      "7, 'h')");
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    auto hosts = store->LoadHosts();
    ASSERT_TRUE(hosts.ok());
    ASSERT_EQ(hosts->size(), 1u);
    EXPECT_EQ((*hosts)[0].name, "old");
    EXPECT_EQ((*hosts)[0].labels, (Labels{{"env", "prod"}}));
    EXPECT_EQ((*hosts)[0].last_applied_seq, 7u);
    // The new tables exist and work.
    ASSERT_TRUE(store->AppendAudit(Audit(1, "config.reload", "vigied.yml")).ok());
    auto alerts = store->LoadAlerts();
    ASSERT_TRUE(alerts.ok());
    EXPECT_TRUE(alerts->empty());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), kLatestSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(db);
  // Reopening an up-to-date database changes nothing.
  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 1u);
}

TEST_F(SqliteStoreTest, IncidentsRoundTripEveryField) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto max_id = store->MaxIncidentId();
  ASSERT_TRUE(max_id.ok()) << max_id.status();
  EXPECT_EQ(*max_id, 0);
  auto missing = store->GetIncident(1);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "no incident 1");

  IncidentRecord a = Incident(1, 1000);
  IncidentRecord b = Incident(2, 2000);  // an incident opened by hand: empty fields too
  b.group_key = "";
  b.source = "manual";
  b.host = "";
  b.rule = "";
  b.labels = {};
  b.acked_ms = 0;
  b.acked_by = "";
  b.escalation_json = "";
  b.step = 0;
  b.round = 0;
  b.next_step_ms = 0;
  IncidentChanges changes;
  changes.upserts = {a, b};
  ASSERT_TRUE(CommitIncidents(*store, changes).ok());

  auto got = store->GetIncident(1);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameIncident(*got, a);
  got = store->GetIncident(2);
  ASSERT_TRUE(got.ok());
  ExpectSameIncident(*got, b);
  max_id = store->MaxIncidentId();
  ASSERT_TRUE(max_id.ok());
  EXPECT_EQ(*max_id, 2);
  auto all = store->ListIncidents({});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  ExpectSameIncident((*all)[0], b);  // newest first
  ExpectSameIncident((*all)[1], a);
  auto timeline = store->ListTimeline(1);
  ASSERT_TRUE(timeline.ok());
  EXPECT_TRUE(timeline->empty());
}

TEST_F(SqliteStoreTest, IncidentUpsertReplacesByIdAndKeepsTheTimeline) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  IncidentRecord r = Incident(5, 1000);
  r.state = "triggered";
  r.acked_ms = 0;
  r.acked_by = "";
  IncidentChanges first;
  first.upserts = {r};
  first.timeline = {Line(5, 1000, "triggered")};
  ASSERT_TRUE(CommitIncidents(*store, first).ok());

  r.state = "acknowledged";
  r.acked_ms = 1500;
  r.acked_by = "alice";
  r.labels = {{"env", "staging"}};
  r.step = 3;
  r.escalation_json = "{}";
  IncidentChanges second;
  second.upserts = {r};
  second.timeline = {Line(5, 1500, "acknowledged")};
  ASSERT_TRUE(CommitIncidents(*store, second).ok());

  auto got = store->GetIncident(5);
  ASSERT_TRUE(got.ok());
  ExpectSameIncident(*got, r);
  auto all = store->ListIncidents({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  auto timeline = store->ListTimeline(5);
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(Kinds(*timeline), (std::vector<std::string>{"triggered", "acknowledged"}));
}

TEST_F(SqliteStoreTest, TimelineIsOldestFirstThenInInsertionOrder) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  // A new incident and its first lines in one commit; out of time order, with ties.
  IncidentChanges changes;
  changes.upserts = {Incident(1, 100), Incident(2, 100)};
  changes.timeline = {Line(1, 300, "c"), Line(1, 100, "a"), Line(2, 100, "other"),
                      Line(1, 200, "b1"), Line(1, 200, "b2")};
  ASSERT_TRUE(CommitIncidents(*store, changes).ok());
  IncidentChanges more;
  more.timeline = {Line(1, 200, "b3", "later commit, same time"), Line(1, 50, "early")};
  ASSERT_TRUE(CommitIncidents(*store, more).ok());

  auto timeline = store->ListTimeline(1);
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  EXPECT_EQ(Kinds(*timeline), (std::vector<std::string>{"early", "a", "b1", "b2", "b3", "c"}));
  ExpectSameLine((*timeline)[4], Line(1, 200, "b3", "later commit, same time"));
  timeline = store->ListTimeline(2);
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(Kinds(*timeline), std::vector<std::string>{"other"});
  timeline = store->ListTimeline(99);
  ASSERT_TRUE(timeline.ok());
  EXPECT_TRUE(timeline->empty());

  // A line for an unknown incident fails the commit (foreign key), which writes nothing.
  IncidentChanges bad;
  bad.upserts = {Incident(3, 100)};
  bad.timeline = {Line(3, 100, "triggered"), Line(42, 100, "orphan")};
  EXPECT_FALSE(CommitIncidents(*store, bad).ok());
  EXPECT_EQ(store->GetIncident(3).status().code(), absl::StatusCode::kNotFound);
  timeline = store->ListTimeline(3);
  ASSERT_TRUE(timeline.ok());
  EXPECT_TRUE(timeline->empty());
}

TEST_F(SqliteStoreTest, AcknowledgementTokensAreSingleUse) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  DispatchGroupRecord g1 = Group("g1", "ops", 1);
  DispatchGroupRecord g2 = Group("g2", "ops", 1);
  std::vector<OutboxRecord> first = {Outbox("g1", "firing", 1)};
  IncidentChanges opened;
  opened.upserts = {Incident(1, 1000)};
  opened.timeline = {Line(1, 1000, "triggered")};
  opened.used_tokens = {"tok-a"};
  ASSERT_TRUE(store->CommitDispatch({g1, g2}, {}, first, opened).ok());
  ASSERT_GT(first[0].id, 0);

  // Everything a commit can write, with a token already used: nothing is written.
  g1.sequence = 2;
  IncidentRecord changed = Incident(1, 1000);
  changed.state = "acknowledged";
  changed.title = "changed";
  IncidentChanges reuse;
  reuse.upserts = {changed, Incident(2, 2000)};
  reuse.timeline = {Line(1, 1100, "acknowledged"), Line(2, 2000, "triggered")};
  reuse.used_tokens = {"tok-b", "tok-a"};
  std::vector<OutboxRecord> outbox = {Outbox("g1", "firing", 2)};
  absl::Status st = store->CommitDispatch({g1}, {"g2"}, outbox, reuse);
  EXPECT_EQ(st.code(), absl::StatusCode::kAlreadyExists) << st;
  EXPECT_EQ(st.message(), "acknowledgement link already used");
  EXPECT_EQ(outbox[0].id, 0);  // no id handed out

  auto incident = store->GetIncident(1);  // incidents unchanged
  ASSERT_TRUE(incident.ok());
  ExpectSameIncident(*incident, Incident(1, 1000));
  EXPECT_EQ(store->GetIncident(2).status().code(), absl::StatusCode::kNotFound);
  auto max_id = store->MaxIncidentId();
  ASSERT_TRUE(max_id.ok());
  EXPECT_EQ(*max_id, 1);
  auto timeline = store->ListTimelines(0, std::numeric_limits<int64_t>::max());  // timeline
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 1u);
  ExpectSameLine((*timeline)[0], Line(1, 1000, "triggered"));
  auto pending = store->LoadPendingOutbox();  // outbox
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, first[0].id);
  auto groups = store->LoadDispatchGroups();  // groups: g1 not updated, g2 not removed
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].group_key, "g1");
  EXPECT_EQ((*groups)[0].sequence, 1u);
  EXPECT_EQ((*groups)[1].group_key, "g2");

  // tok-b was rolled back with the rest: still usable. The same token twice in
  // one commit is a reuse too.
  IncidentChanges twice;
  twice.used_tokens = {"tok-c", "tok-c"};
  EXPECT_EQ(CommitIncidents(*store, twice).code(), absl::StatusCode::kAlreadyExists);
  IncidentChanges fresh;
  fresh.used_tokens = {"tok-b", "tok-c"};
  fresh.upserts = {changed};
  std::vector<OutboxRecord> next = {Outbox("g1", "firing", 3)};
  ASSERT_TRUE(store->CommitDispatch({g1}, {"g2"}, next, fresh).ok());
  EXPECT_GT(next[0].id, first[0].id);
  incident = store->GetIncident(1);
  ASSERT_TRUE(incident.ok());
  EXPECT_EQ(incident->state, "acknowledged");
}

TEST_F(SqliteStoreTest, ListIncidentsFiltersAndLimits) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  IncidentChanges changes;
  for (int64_t id = 1; id <= 6; ++id) {
    IncidentRecord r = Incident(id, id * 100);  // opened at 100, 200, ... 600
    r.state = id % 2 == 0 ? "resolved" : (id == 3 ? "acknowledged" : "triggered");
    changes.upserts.push_back(r);
  }
  // Ids, not opening times, order the list.
  changes.upserts.push_back(Incident(7, 150));
  ASSERT_TRUE(CommitIncidents(*store, changes).ok());

  auto list = [&](IncidentQuery q) {
    auto got = store->ListIncidents(q);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? Ids(*got) : std::vector<int64_t>{};
  };
  EXPECT_EQ(list({}), (std::vector<int64_t>{7, 6, 5, 4, 3, 2, 1}));
  IncidentQuery q;
  q.from_ms = 200;  // inclusive
  q.to_ms = 500;    // exclusive
  EXPECT_EQ(list(q), (std::vector<int64_t>{4, 3, 2}));
  q.open_only = true;
  EXPECT_EQ(list(q), (std::vector<int64_t>{3}));
  q = {};
  q.open_only = true;
  EXPECT_EQ(list(q), (std::vector<int64_t>{7, 5, 3, 1}));
  q.limit = 2;
  EXPECT_EQ(list(q), (std::vector<int64_t>{7, 5}));
  q = {};
  q.limit = 1;
  EXPECT_EQ(list(q), (std::vector<int64_t>{7}));
  q.limit = std::numeric_limits<size_t>::max();
  EXPECT_EQ(list(q).size(), 7u);
  q = {};
  q.from_ms = 600;
  q.to_ms = 600;
  EXPECT_TRUE(list(q).empty());
}

TEST_F(SqliteStoreTest, ListTimelinesByOpeningTimeThenIncidentAndTime) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  IncidentChanges changes;
  changes.upserts = {Incident(1, 100), Incident(2, 200), Incident(3, 300), Incident(4, 50)};
  changes.timeline = {Line(3, 350, "3b"), Line(2, 900, "2c"), Line(1, 100, "1a"),
                      Line(2, 200, "2a"), Line(3, 300, "3a"), Line(4, 50, "4a"),
                      Line(2, 900, "2d"), Line(2, 500, "2b")};
  ASSERT_TRUE(CommitIncidents(*store, changes).ok());

  auto lines = store->ListTimelines(100, 300);  // incidents 1 and 2; line times do not matter
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(Kinds(*lines), (std::vector<std::string>{"1a", "2a", "2b", "2c", "2d"}));
  ExpectSameLine((*lines)[3], Line(2, 900, "2c"));
  lines = store->ListTimelines(0, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(Kinds(*lines),
            (std::vector<std::string>{"1a", "2a", "2b", "2c", "2d", "3a", "3b", "4a"}));
  lines = store->ListTimelines(301, 1000);
  ASSERT_TRUE(lines.ok());
  EXPECT_TRUE(lines->empty());
}

TEST_F(SqliteStoreTest, MigratesAVersion2Database) {
  RawExec(kSchemaV2);
  RawExec(
      "INSERT INTO hosts VALUES ('old', 1, 2, '0.0.9', '{\"env\":\"prod\"}', x'0a00', 15000, "
      "7, 'h')");
  RawExec(
      "INSERT INTO outbox (receiver, notifier_index, channel, group_key, kind, payload, "
      "created_ms, state, finished_ms, attempts, error) "
      "VALUES ('ops', 0, 'webhook', 'g', 'firing', x'00', 5, 'pending', 0, 0, '')");
  RawExec(
      "INSERT INTO audit_log (at_ms, actor, action, object, detail) "
      "VALUES (1, 'alice', 'config.reload', 'vigied.yml', '')");
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    // The old rows are intact.
    auto hosts = store->LoadHosts();
    ASSERT_TRUE(hosts.ok());
    ASSERT_EQ(hosts->size(), 1u);
    EXPECT_EQ((*hosts)[0].name, "old");
    auto pending = store->LoadPendingOutbox();
    ASSERT_TRUE(pending.ok());
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ((*pending)[0].created_ms, 5);
    auto audit = store->ListAudit(10);
    ASSERT_TRUE(audit.ok());
    EXPECT_EQ(audit->size(), 1u);
    // The new tables exist and work.
    auto max_id = store->MaxIncidentId();
    ASSERT_TRUE(max_id.ok()) << max_id.status();
    EXPECT_EQ(*max_id, 0);
    IncidentChanges changes;
    changes.upserts = {Incident(1, 10)};
    changes.timeline = {Line(1, 10, "triggered")};
    changes.used_tokens = {"tok"};
    ASSERT_TRUE(CommitIncidents(*store, changes).ok());
  }
  EXPECT_EQ(UserVersion(path_), kLatestSchemaVersion);
  auto store = OpenStore();  // reopening an up-to-date database changes nothing
  ASSERT_TRUE(store);
  auto incidents = store->ListIncidents({});
  ASSERT_TRUE(incidents.ok());
  ASSERT_EQ(incidents->size(), 1u);
  ExpectSameIncident((*incidents)[0], Incident(1, 10));
  auto lines = store->ListTimeline(1);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(lines->size(), 1u);
}

oncall::Override MakeOverride(const std::string& id, const std::string& schedule,
                              int64_t start_ms) {
  oncall::Override o;
  o.id = id;
  o.schedule = schedule;
  o.user = "bob";
  o.start_ms = start_ms;
  o.end_ms = start_ms + 3600000;
  o.created_by = "alice (ipv4:127.0.0.1:51234)";
  o.reason = "swap — dentist ✓";
  o.created_at_ms = start_ms - 100;
  return o;
}

void ExpectSameOverride(const oncall::Override& got, const oncall::Override& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.schedule, want.schedule);
  EXPECT_EQ(got.user, want.user);
  EXPECT_EQ(got.start_ms, want.start_ms);
  EXPECT_EQ(got.end_ms, want.end_ms);
  EXPECT_EQ(got.created_by, want.created_by);
  EXPECT_EQ(got.reason, want.reason);
  EXPECT_EQ(got.created_at_ms, want.created_at_ms);
}

std::vector<std::string> OverrideIds(const std::vector<oncall::Override>& overrides) {
  std::vector<std::string> ids;
  for (const oncall::Override& o : overrides) ids.push_back(o.id);
  return ids;
}

TEST_F(SqliteStoreTest, OverridesRoundTripEveryFieldInScheduleAndStartOrder) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto none = store->LoadOverrides();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  const oncall::Override late = MakeOverride("o1", "primary", 5000);
  oncall::Override early = MakeOverride("o2", "primary", 1000);
  early.user = "carol";
  early.end_ms = 2000;
  early.reason = "";
  const oncall::Override other = MakeOverride("o0", "secondary", 0);
  const oncall::Override tie = MakeOverride("o3", "primary", 5000);  // same start as o1
  for (const oncall::Override& o : {late, other, tie, early}) {
    ASSERT_TRUE(store->SaveOverride(o, Audit(o.created_at_ms, "override.add", o.id)).ok());
  }
  auto overrides = store->LoadOverrides();
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  EXPECT_EQ(OverrideIds(*overrides), (std::vector<std::string>{"o2", "o1", "o3", "o0"}));
  ASSERT_EQ(overrides->size(), 4u);
  ExpectSameOverride((*overrides)[0], early);
  ExpectSameOverride((*overrides)[1], late);
  ExpectSameOverride((*overrides)[3], other);
}

TEST_F(SqliteStoreTest, SaveOverrideRefusesATakenIdAndWritesNothing) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  const oncall::Override o = MakeOverride("o1", "primary", 1000);
  ASSERT_TRUE(store->SaveOverride(o, Audit(1, "override.add", "o1")).ok());
  oncall::Override again = o;
  again.user = "mallory";
  EXPECT_EQ(store->SaveOverride(again, Audit(2, "override.add", "o1")).code(),
            absl::StatusCode::kAlreadyExists);
  auto overrides = store->LoadOverrides();
  ASSERT_TRUE(overrides.ok());
  ASSERT_EQ(overrides->size(), 1u);
  EXPECT_EQ((*overrides)[0].user, "bob");
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 1u);
}

TEST_F(SqliteStoreTest, DeleteOverrideRemovesOnlyThatOne) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SaveOverride(MakeOverride("o1", "primary", 1000), Audit(1, "a", "o1")).ok());
  ASSERT_TRUE(store->SaveOverride(MakeOverride("o2", "primary", 2000), Audit(2, "a", "o2")).ok());
  ASSERT_TRUE(store->DeleteOverride("o1", Audit(3, "override.delete", "o1")).ok());
  auto overrides = store->LoadOverrides();
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  EXPECT_EQ(OverrideIds(*overrides), std::vector<std::string>{"o2"});
  // Deleting it again: it is gone.
  EXPECT_EQ(store->DeleteOverride("o1", Audit(4, "override.delete", "o1")).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, DeleteUnknownOverrideIsNotFoundAndWritesNoAudit) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SaveOverride(MakeOverride("o1", "primary", 1000), Audit(1, "a", "o1")).ok());
  absl::Status st = store->DeleteOverride("nope", Audit(2, "override.delete", "nope"));
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "no override nope");
  auto overrides = store->LoadOverrides();
  ASSERT_TRUE(overrides.ok());
  EXPECT_EQ(overrides->size(), 1u);
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].object, "o1");
}

TEST_F(SqliteStoreTest, OverrideChangesWriteTheirAuditRowsWithThem) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(
      store->SaveOverride(MakeOverride("o1", "primary", 1000), Audit(10, "override.add", "o1"))
          .ok());
  ASSERT_TRUE(store->DeleteOverride("o1", Audit(20, "override.delete", "o1")).ok());
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].at_ms, 20);
  EXPECT_EQ((*audit)[0].action, "override.delete");
  EXPECT_EQ((*audit)[0].object, "o1");
  EXPECT_EQ((*audit)[0].actor, "alice (ipv4:127.0.0.1:51234)");
  EXPECT_EQ((*audit)[0].detail, "matchers: env=\"prod\"");
  EXPECT_EQ((*audit)[1].at_ms, 10);
  EXPECT_EQ((*audit)[1].action, "override.add");
}

TEST_F(SqliteStoreTest, OverrideIsNotSavedWhenItsAuditRowCannotBe) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SaveOverride(MakeOverride("o1", "primary", 1000), Audit(1, "a", "o1")).ok());
  // Make every audit insert fail: the override writes must roll back with it.
  RawExec(
      "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
      "BEGIN SELECT RAISE(ABORT, 'audit refused'); END");
  EXPECT_FALSE(store->SaveOverride(MakeOverride("o2", "primary", 2000), Audit(2, "a", "o2")).ok());
  EXPECT_FALSE(store->DeleteOverride("o1", Audit(3, "override.delete", "o1")).ok());
  auto overrides = store->LoadOverrides();
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  EXPECT_EQ(OverrideIds(*overrides), std::vector<std::string>{"o1"});
}

TEST_F(SqliteStoreTest, OverridesSurviveReopen) {
  const oncall::Override o = MakeOverride("o1", "primary", 1000);
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->SaveOverride(o, Audit(1, "override.add", "o1")).ok());
    ASSERT_TRUE(store->SaveOverride(MakeOverride("o2", "primary", 2000), Audit(2, "a", "o2")).ok());
    ASSERT_TRUE(store->DeleteOverride("o2", Audit(3, "override.delete", "o2")).ok());
  }
  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto overrides = store->LoadOverrides();
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  ASSERT_EQ(overrides->size(), 1u);
  ExpectSameOverride((*overrides)[0], o);
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 3u);
}

TEST_F(SqliteStoreTest, MigratesAVersion3Database) {
  RawExec(kSchemaV2);
  RawExec(kSchemaV3FromV2);
  ASSERT_EQ(UserVersion(path_), 3);
  RawExec(
      "INSERT INTO incidents VALUES (1, 'g', 't', 'alert', '', 'svc', 'critical', 'web1', 'A', "
      "'{}', 'triggered', 10, 0, '', 0, '', '', '', '', '', 0, 0, 0, '{}')");
  RawExec(
      "INSERT INTO audit_log (at_ms, actor, action, object, detail) "
      "VALUES (1, 'alice', 'config.reload', 'vigied.yml', '')");
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    // The old rows are intact.
    auto incident = store->GetIncident(1);
    ASSERT_TRUE(incident.ok()) << incident.status();
    EXPECT_EQ(incident->title, "t");
    // The new table exists and works.
    auto overrides = store->LoadOverrides();
    ASSERT_TRUE(overrides.ok()) << overrides.status();
    EXPECT_TRUE(overrides->empty());
    ASSERT_TRUE(
        store->SaveOverride(MakeOverride("o1", "primary", 1000), Audit(2, "override.add", "o1"))
            .ok());
  }
  EXPECT_EQ(UserVersion(path_), kLatestSchemaVersion);
  auto store = OpenStore();  // reopening an up-to-date database changes nothing
  ASSERT_TRUE(store);
  auto overrides = store->LoadOverrides();
  ASSERT_TRUE(overrides.ok());
  EXPECT_EQ(OverrideIds(*overrides), std::vector<std::string>{"o1"});
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 2u);
}

}  // namespace
}  // namespace vigie::daemon
