#include "agent/collector/filesystem.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::CollectOk;
using ::vigie::agent::testing::FixtureContext;
using ::vigie::agent::testing::FixtureRoot;
using ::vigie::agent::testing::ReadFixture;

TEST(UnescapeMountFieldTest, OctalEscapes) {
  EXPECT_EQ(UnescapeMountField(R"(/srv/backup\040disk)"), "/srv/backup disk");
  EXPECT_EQ(UnescapeMountField(R"(a\011b\012c\134d)"), "a\tb\nc\\d");
  EXPECT_EQ(UnescapeMountField(R"(bad\04)"), R"(bad\04)");
  EXPECT_EQ(UnescapeMountField(R"(bad\999x)"), R"(bad\999x)");
}

TEST(ParseMountsTest, HandEditedHost) {
  std::vector<MountEntry> mounts;
  ASSERT_TRUE(ParseMounts(ReadFixture("kvm-swap", "proc/mounts"), mounts).ok());
  ASSERT_EQ(mounts.size(), 12u);
  EXPECT_EQ(mounts[4].device, "/dev/mapper/vg0-root");
  EXPECT_EQ(mounts[4].mountpoint, "/");
  EXPECT_EQ(mounts[4].fstype, "ext4");
  EXPECT_FALSE(mounts[4].read_only);
  EXPECT_TRUE(mounts[6].read_only);  // /boot ... ro,relatime
  EXPECT_EQ(mounts[7].mountpoint, "/srv/backup disk");
}

TEST(ParseMountsTest, TruncatedLineIsAnError) {
  std::vector<MountEntry> mounts;
  EXPECT_TRUE(absl::IsInvalidArgument(ParseMounts("/dev/sda1 /boot ext4\n", mounts)));
  EXPECT_TRUE(ParseMounts("\n", mounts).ok());
}

TEST(DefaultFsExcludeTypesTest, NodeExporterList) {
  const std::vector<std::string> types = DefaultFsExcludeTypes();
  EXPECT_EQ(types.size(), 24u);
  const std::set<std::string> set(types.begin(), types.end());
  for (const char* t : {"overlay", "proc", "sysfs", "cgroup2", "tracefs", "squashfs"}) {
    EXPECT_TRUE(set.count(t)) << t;
  }
  EXPECT_FALSE(set.count("tmpfs"));
  EXPECT_FALSE(set.count("ext4"));
}

// Records the paths asked for; fails for paths ending in /mnt/nfs.
struct FakeStatFs {
  std::vector<std::string>* calls;
  absl::StatusOr<FsStats> operator()(const std::string& path) const {
    calls->push_back(path);
    if (path.ends_with("/mnt/nfs")) return absl::UnavailableError("stale NFS handle");
    FsStats s;
    s.size_bytes = 1000;
    s.free_bytes = 400;
    s.avail_bytes = 300;
    s.files = 50;
    s.files_free = 20;
    s.read_only = path.ends_with("/run");  // read-only per statvfs, rw per mount options
    return s;
  }
};

// One round of the filesystem collector on `ctx` with FakeStatFs; the paths
// given to stat_fs are appended to `calls`.
SampleBuffer CollectWithFakeStatFs(CollectorContext ctx, std::vector<std::string>* calls) {
  ctx.stat_fs = FakeStatFs{calls};
  FilesystemCollector collector(ctx);
  return CollectOk(collector);
}

Labels FsLabels(std::string device, std::string fstype, std::string mountpoint) {
  return {{"device", std::move(device)},
          {"fstype", std::move(fstype)},
          {"mountpoint", std::move(mountpoint)}};
}

TEST(FilesystemCollectorTest, ExclusionsDedupAndDeviceErrors) {
  std::vector<std::string> calls;
  SampleBuffer sink = CollectWithFakeStatFs(FixtureContext("kvm-swap"), &calls);

  // Kept: /run (tmpfs), /, /boot, "/srv/backup disk" (listed twice), /mnt/nfs.
  // Dropped: sysfs, proc, devtmpfs, cgroup2 and overlay by type,
  // /run/credentials/... by mount point.
  const std::string root = FixtureRoot("kvm-swap");
  EXPECT_EQ(calls, (std::vector<std::string>{root + "/run", root, root + "/boot",
                                             root + "/srv/backup disk", root + "/mnt/nfs"}));
  EXPECT_EQ(sink.Count("node_filesystem_device_error"), 5u);
  EXPECT_EQ(sink.Count("node_filesystem_size_bytes"), 4u);
  EXPECT_EQ(sink.samples().size(), 5u + 4u * 6u);

  EXPECT_EQ(sink.Find("node_filesystem_device_error",
                      FsLabels("nfs.example.com:/export", "nfs4", "/mnt/nfs"))
                .value(),
            1);
  EXPECT_FALSE(sink.Find("node_filesystem_size_bytes",
                         FsLabels("nfs.example.com:/export", "nfs4", "/mnt/nfs"))
                   .has_value());
  const Labels backup = FsLabels("/dev/sdb1", "xfs", "/srv/backup disk");
  EXPECT_EQ(sink.Find("node_filesystem_device_error", backup).value(), 0);
  EXPECT_EQ(sink.Find("node_filesystem_size_bytes", backup).value(), 1000);
  EXPECT_EQ(sink.Find("node_filesystem_free_bytes", backup).value(), 400);
  EXPECT_EQ(sink.Find("node_filesystem_avail_bytes", backup).value(), 300);
  EXPECT_EQ(sink.Find("node_filesystem_files", backup).value(), 50);
  EXPECT_EQ(sink.Find("node_filesystem_files_free", backup).value(), 20);
  EXPECT_EQ(sink.Find("node_filesystem_readonly", backup).value(), 0);
  EXPECT_EQ(sink.Find("node_filesystem_readonly", FsLabels("/dev/sda1", "ext4", "/boot")).value(),
            1);
  EXPECT_EQ(sink.Find("node_filesystem_readonly", FsLabels("tmpfs", "tmpfs", "/run")).value(), 1);
  EXPECT_EQ(
      sink.Find("node_filesystem_readonly", FsLabels("/dev/mapper/vg0-root", "ext4", "/")).value(),
      0);
}

TEST(FilesystemCollectorTest, RealContainerMounts) {
  std::vector<std::string> calls;
  SampleBuffer sink = CollectWithFakeStatFs(FixtureContext("debian-docker"), &calls);
  // Everything under /dev and /sys, and proc, devpts, cgroup... are excluded.
  std::set<std::string> mountpoints;
  for (const Sample& s : sink.samples()) mountpoints.insert(s.labels[2].value);
  EXPECT_EQ(mountpoints, (std::set<std::string>{"/", "/mnt/sandboxing/model_tools_env/v1/python"}));
}

TEST(FilesystemCollectorTest, NoExclusionsReportsEveryMountOnce) {
  std::vector<std::string> calls;
  CollectorContext ctx = FixtureContext("kvm-swap");
  ctx.fs_exclude_types.clear();
  ctx.fs_exclude_mounts.clear();
  SampleBuffer sink = CollectWithFakeStatFs(ctx, &calls);
  EXPECT_EQ(sink.Count("node_filesystem_device_error"), 11u);  // 12 lines, one duplicate
}

TEST(FilesystemCollectorTest, BadConfigurationIsAnError) {
  std::vector<std::string> calls;
  CollectorContext ctx = FixtureContext("kvm-swap");
  SampleBuffer sink;
  EXPECT_TRUE(absl::IsFailedPrecondition(FilesystemCollector(ctx).Collect(sink)));
  ctx.stat_fs = FakeStatFs{&calls};
  ctx.fs_exclude_mounts = "^/(dev";
  EXPECT_TRUE(absl::IsInvalidArgument(FilesystemCollector(ctx).Collect(sink)));
  EXPECT_TRUE(sink.samples().empty());
}

TEST(StatFsLinuxTest, RootAndMissingPath) {
  absl::StatusOr<FsStats> root = StatFsLinux("/");
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_GT(root->size_bytes, 0u);
  EXPECT_LE(root->avail_bytes, root->size_bytes);
  EXPECT_FALSE(StatFsLinux("/nonexistent/vigie/path").ok());
}

}  // namespace
}  // namespace vigie::agent
