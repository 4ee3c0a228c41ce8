#include "daemon/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <future>
#include <limits>

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
  EXPECT_EQ(sqlite3_column_int64(st, 0), 2);
  sqlite3_finalize(st);
  sqlite3_close(db);
  // Reopening an up-to-date database changes nothing.
  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto audit = store->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 1u);
}

}  // namespace
}  // namespace vigie::daemon
