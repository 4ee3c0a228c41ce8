#include "daemon/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>

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

  std::filesystem::path dir_;
  std::string path_;
};

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

}  // namespace
}  // namespace vigie::daemon
