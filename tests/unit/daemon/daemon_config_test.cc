#include "daemon/config/daemon_config.h"

#include <gtest/gtest.h>

namespace vigie::daemon {
namespace {

std::string Errors(const std::string& yaml) {
  auto cfg = ParseDaemonConfig(yaml, "vigied.yaml");
  return cfg.ok() ? "" : std::string(cfg.status().message());
}

TEST(DaemonConfigTest, EmptyFileGivesDefaults) {
  auto cfg = ParseDaemonConfig("", "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "127.0.0.1:9470");
  EXPECT_EQ(cfg->http_listen, "127.0.0.1:9471");
  EXPECT_EQ(cfg->data_dir, "./vigie-data");
  EXPECT_EQ(cfg->retention, std::chrono::hours(1));
  EXPECT_EQ(cfg->stale_after_intervals, 3u);
}

TEST(DaemonConfigTest, ReadsEveryKey) {
  auto cfg = ParseDaemonConfig(R"(
listen:
  grpc: 0.0.0.0:19470
  http: 127.0.0.1:19471
storage:
  path: /var/lib/vigie
ingest:
  max_message_size: 8MiB
  max_samples_per_batch: 500
  max_series_per_host: 1000
  max_labels_per_sample: 16
  max_label_value_length: 256
  max_inflight_batches: 8
series:
  retention: 2h
hosts:
  default_interval: 30s
  stale_after_intervals: 5
log:
  level: debug
)",
                               "vigied.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen, "0.0.0.0:19470");
  EXPECT_EQ(cfg->data_dir, "/var/lib/vigie");
  EXPECT_EQ(cfg->max_message_bytes, 8u << 20);
  EXPECT_EQ(cfg->max_samples_per_batch, 500u);
  EXPECT_EQ(cfg->max_series_per_host, 1000u);
  EXPECT_EQ(cfg->max_labels_per_sample, 16u);
  EXPECT_EQ(cfg->max_label_value_length, 256u);
  EXPECT_EQ(cfg->max_inflight_batches, 8u);
  EXPECT_EQ(cfg->retention, std::chrono::hours(2));
  EXPECT_EQ(cfg->default_interval, std::chrono::seconds(30));
  EXPECT_EQ(cfg->stale_after_intervals, 5u);
  EXPECT_EQ(cfg->log_level, "debug");
}

TEST(DaemonConfigTest, ErrorsNameFileAndLine) {
  EXPECT_EQ(Errors("listen:\n  grpc: 127.0.0.1:9470\n  htp: x\n"),
            "vigied.yaml:3: unknown key \"listen.htp\"");
  EXPECT_EQ(Errors("series:\n  retention: 1 hour\n"),
            "vigied.yaml:2: \"series.retention\": invalid duration \"1 hour\" (expected e.g. "
            "500ms, 15s, 1h30m)");
  EXPECT_EQ(Errors("listen:\n  http: 127.0.0.1:99999\n"),
            "vigied.yaml:2: \"listen.http\": listen address \"127.0.0.1:99999\" has an invalid "
            "port \"99999\"");
  EXPECT_EQ(Errors("log:\n  level: loud\n"),
            "vigied.yaml:2: \"log.level\" must be one of trace, debug, info, warn, error, off; "
            "not \"loud\"");
  EXPECT_EQ(Errors("ingest:\n  max_samples_per_batch: 0\n"),
            "vigied.yaml:2: \"ingest.max_samples_per_batch\" must be between 1 and 1000000, "
            "not 0");
  EXPECT_EQ(Errors("- a\n- b\n"),
            "vigied.yaml:1: the top level must be a mapping of keys to values");
}

TEST(DaemonConfigTest, ReportsEveryErrorAtOnce) {
  std::string e = Errors("storage: 3\nseries:\n  retention: 10s\nbogus: 1\n");
  EXPECT_NE(e.find("vigied.yaml:1: \"storage\" must be a mapping"), std::string::npos) << e;
  EXPECT_NE(e.find("vigied.yaml:3: \"series.retention\" must be at least 1m, not 10s"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("vigied.yaml:4: unknown key \"bogus\""), std::string::npos) << e;
}

TEST(DaemonConfigTest, SyntaxErrorHasLineAndColumn) {
  std::string e = Errors("listen:\n  grpc: [unclosed\n");
  EXPECT_EQ(e.rfind("vigied.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("vigied.yaml:3:1: "), std::string::npos) << e;
}

TEST(DaemonConfigTest, MissingFile) {
  auto cfg = LoadDaemonConfig("/nonexistent/vigied.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("/nonexistent/vigied.yaml: cannot read"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace vigie::daemon
