// Helpers for the collector tests: fixture roots under
// tests/fixtures/linux/<case>, contexts pointing at them, scratch directories.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "agent/collector/collector.h"
#include "agent/collector/filesystem.h"
#include "agent/collector/sample_buffer.h"
#include "common/file.h"
#include "common/strings.h"
#include "gtest/gtest.h"

namespace vigie::agent::testing {

inline std::string FixtureRoot(std::string_view name) {
  return StrCat(VIGIE_FIXTURES_DIR, "/linux/", name);
}

// Content of a fixture file, e.g. ReadFixture("kvm-swap", "proc/stat").
inline std::string ReadFixture(std::string_view name, std::string_view rel) {
  absl::StatusOr<std::string> content = ReadFile(JoinPath(FixtureRoot(name), rel));
  EXPECT_TRUE(content.ok()) << content.status();
  return content.ok() ? *content : std::string();
}

// A context on a fixture root with node_exporter's default exclusions. The
// caller sets stat_fs and clock when the collector needs them.
inline CollectorContext FixtureContext(std::string_view name) {
  CollectorContext ctx;
  ctx.root = FixtureRoot(name);
  ctx.proc_root = JoinPath(ctx.root, "proc");
  ctx.sys_root = JoinPath(ctx.root, "sys");
  ctx.fs_exclude_types = DefaultFsExcludeTypes();
  ctx.fs_exclude_mounts = std::string(kDefaultFsExcludeMounts);
  return ctx;
}

// One Collect that must succeed; returns what it emitted.
inline SampleBuffer CollectOk(Collector& collector) {
  SampleBuffer sink;
  absl::Status st = collector.Collect(sink);
  EXPECT_TRUE(st.ok()) << collector.name() << ": " << st;
  return sink;
}

// A fresh empty directory under the test temp dir.
inline std::string MakeScratchDir(std::string_view name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir =
      StrCat(::testing::TempDir(), "vigie_", info->test_suite_name(), "_", info->name(), "_", name);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  EXPECT_TRUE(MakeDirs(dir).ok());
  return dir;
}

// Writes `content` to root/rel, creating parent directories.
inline void WriteScratchFile(const std::string& root, std::string_view rel,
                             std::string_view content) {
  const std::string path = JoinPath(root, rel);
  ASSERT_TRUE(MakeDirs(std::filesystem::path(path).parent_path().string()).ok());
  ASSERT_TRUE(WriteFileAtomically(path, content).ok()) << path;
}

}  // namespace vigie::agent::testing
