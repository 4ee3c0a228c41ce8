#include "agent/collector/meminfo.h"

#include <string>
#include <vector>

#include "agent/collector/sample_buffer.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::CollectOk;
using ::vigie::agent::testing::FixtureContext;
using ::vigie::agent::testing::ReadFixture;

std::string NameOf(const MeminfoField& f) {
  std::string name;
  MeminfoMetricName(f, name);
  return name;
}

TEST(ParseMeminfoTest, RealHost) {
  const std::string content = ReadFixture("debian-docker", "proc/meminfo");
  std::vector<MeminfoField> fields;
  ASSERT_TRUE(ParseMeminfo(content, fields).ok());
  ASSERT_EQ(fields.size(), 54u);  // one per line
  EXPECT_EQ(fields[0].key, "MemTotal");
  EXPECT_EQ(fields[0].value, 24684092ull * 1024);
  EXPECT_TRUE(fields[0].has_unit);
  EXPECT_EQ(FindMeminfoField(fields, "Active(anon)"), 1520ull * 1024);
  EXPECT_EQ(FindMeminfoField(fields, "HugePages_Total"), 0u);
  EXPECT_FALSE(FindMeminfoField(fields, "NoSuchField").has_value());
}

TEST(ParseMeminfoTest, MetricNamesAreNodeExportersInSnakeCase) {
  EXPECT_EQ(NameOf({"MemTotal", 1, true}), "node_memory_mem_total_bytes");
  EXPECT_EQ(NameOf({"Active(anon)", 1, true}), "node_memory_active_anon_bytes");
  EXPECT_EQ(NameOf({"HugePages_Total", 4, false}), "node_memory_huge_pages_pool");
  EXPECT_EQ(NameOf({"HugePages_Free", 4, false}), "node_memory_huge_pages_free");
  EXPECT_EQ(NameOf({"SReclaimable", 1, true}), "node_memory_sreclaimable_bytes");
  EXPECT_EQ(NameOf({"SUnreclaim", 1, true}), "node_memory_sunreclaim_bytes");
  EXPECT_EQ(NameOf({"SecPageTables", 1, true}), "node_memory_secondary_page_tables_bytes");
  EXPECT_EQ(NameOf({"Committed_AS", 1, true}), "node_memory_committed_as_bytes");
  EXPECT_EQ(NameOf({"NFS_Unstable", 1, true}), "node_memory_nfs_unstable_bytes");
  EXPECT_EQ(NameOf({"DirectMap4k", 1, true}), "node_memory_direct_map_4k_bytes");
  EXPECT_EQ(NameOf({"DirectMap1G", 1, true}), "node_memory_direct_map_1g_bytes");
  EXPECT_EQ(NameOf({"ShmemPmdMapped", 1, true}), "node_memory_shmem_pmd_mapped_bytes");
  EXPECT_EQ(NameOf({"Hugepagesize", 1, true}), "node_memory_hugepagesize_bytes");
}

TEST(ParseMeminfoTest, MalformedLinesAreErrors) {
  std::vector<MeminfoField> fields;
  EXPECT_TRUE(absl::IsInvalidArgument(ParseMeminfo("MemTotal 12 kB\n", fields)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseMeminfo("MemTotal: lots kB\n", fields)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseMeminfo("MemTotal: 12 MB\n", fields)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseMeminfo("MemFree: 1 kB\nMemTotal:\n", fields)));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseMeminfo(":\n", fields)));
  EXPECT_TRUE(ParseMeminfo("\n\n", fields).ok());
  EXPECT_TRUE(fields.empty());
}

TEST(MeminfoCollectorTest, HostWithSwapAndHugePages) {
  MeminfoCollector collector(FixtureContext("kvm-swap"));
  SampleBuffer sink = CollectOk(collector);
  EXPECT_EQ(sink.samples().size(), 13u);
  EXPECT_EQ(sink.Find("node_memory_swap_total_bytes").value(), 2097148.0 * 1024);
  EXPECT_EQ(sink.Find("node_memory_swap_free_bytes").value(), 1048576.0 * 1024);
  EXPECT_EQ(sink.Find("node_memory_active_anon_bytes").value(), 1024000.0 * 1024);
  EXPECT_EQ(sink.Find("node_memory_inactive_file_bytes").value(), 2048000.0 * 1024);
  EXPECT_EQ(sink.Find("node_memory_huge_pages_pool").value(), 4);
  EXPECT_EQ(sink.samples()[0].type, MetricType::kGauge);
}

}  // namespace
}  // namespace vigie::agent
