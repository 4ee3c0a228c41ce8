#include "cli/output.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vigie::cli {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

vigie::v1::Host MakeHost(const std::string& name, bool up, int64_t last_seen_ms) {
  vigie::v1::Host h;
  h.set_name(name);
  h.set_up(up);
  h.set_connected(up);
  h.set_last_seen_ms(last_seen_ms);
  h.set_agent_version("0.1.0");
  auto* label = h.add_labels();
  label->set_name("env");
  label->set_value("prod");
  auto* inv = h.mutable_inventory();
  inv->set_os_name("Debian GNU/Linux 12 (bookworm)");
  inv->set_fqdn(name + ".example.com");
  inv->set_cpu_model("Xeon, \"Gold\"");
  inv->set_cpu_count(8);
  inv->set_memory_bytes(16ULL << 30);
  auto* eth0 = inv->add_interfaces();
  eth0->set_name("eth0");
  eth0->set_mac("52:54:00:12:34:56");
  eth0->set_up(true);
  eth0->add_addresses("10.0.0.5/24");
  eth0->add_addresses("fe80::1/64");
  auto* lo = inv->add_interfaces();
  lo->set_name("lo");
  lo->set_mac("00:00:00:00:00:00");
  lo->add_addresses("127.0.0.1/8");
  return h;
}

TEST(RenderTableTest, AlignsColumnsOnTheWidestCell) {
  Table t{{"host", "last_seen"}, {{"a", "12s ago"}, {"web-long", "never"}}};
  EXPECT_EQ(RenderTable(t),
            "HOST      LAST SEEN\n"
            "a         12s ago\n"
            "web-long  never\n");
}

TEST(RenderTableTest, CountsUtf8CodePointsAndDropsTrailingSpaces) {
  Table t{{"a", "b"}, {{"été", ""}, {"x", "y"}}};
  EXPECT_EQ(RenderTable(t),
            "A    B\n"
            "été\n"
            "x    y\n");
}

TEST(RenderTableTest, EmptyTableHasItsHeader) {
  EXPECT_EQ(RenderTable(Table{{"host", "status"}, {}}), "HOST  STATUS\n");
}

TEST(CsvTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
}

TEST(CsvTest, RowsEndWithCrlf) {
  Table t{{"k", "v"}, {{"a,b", "x"}}};
  EXPECT_EQ(RenderCsv(t), "k,v\r\n\"a,b\",x\r\n");
}

TEST(FormatAgoTest, LargestWholeUnit) {
  EXPECT_EQ(FormatAgo(0, kNow), "never");
  EXPECT_EQ(FormatAgo(kNow - 400, kNow), "just now");
  EXPECT_EQ(FormatAgo(kNow + 5'000, kNow), "just now");
  EXPECT_EQ(FormatAgo(kNow - 12'000, kNow), "12s ago");
  EXPECT_EQ(FormatAgo(kNow - 59'999, kNow), "59s ago");
  EXPECT_EQ(FormatAgo(kNow - 3 * 60'000 - 59'000, kNow), "3m ago");
  EXPECT_EQ(FormatAgo(kNow - 2 * 3'600'000, kNow), "2h ago");
  EXPECT_EQ(FormatAgo(kNow - 3 * 86'400'000, kNow), "3d ago");
}

TEST(FormatRfc3339Test, UtcSeconds) {
  EXPECT_EQ(FormatRfc3339(kNow), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339(kNow + 999), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339(951'782'400'000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(0), "");
}

TEST(FormatTest, LabelsAndGiB) {
  vigie::v1::Host h = MakeHost("a", true, kNow);
  auto* l = h.add_labels();
  l->set_name("role");
  l->set_value("web");
  EXPECT_EQ(FormatLabels(h.labels()), "env=prod,role=web");
  EXPECT_EQ(FormatGiB(16ULL << 30), "16.0 GiB");
  EXPECT_EQ(FormatGiB(1536ULL << 20), "1.5 GiB");
}

TEST(RenderHostsTest, TableIsSortedWithRelativeTimes) {
  std::vector<vigie::v1::Host> hosts = {MakeHost("web-2", false, kNow - 3 * 3'600'000),
                                        MakeHost("db-1", true, kNow - 12'000)};
  EXPECT_EQ(
      RenderHosts(hosts, OutputFormat::kTable, kNow),
      "HOST   STATUS  CONNECTED  LAST SEEN  OS                              AGENT  LABELS\n"
      "db-1   up      yes        12s ago    Debian GNU/Linux 12 (bookworm)  0.1.0  env=prod\n"
      "web-2  down    no         3h ago     Debian GNU/Linux 12 (bookworm)  0.1.0  env=prod\n");
}

TEST(RenderHostsTest, CsvAndJsonCarryAbsoluteTimes) {
  std::vector<vigie::v1::Host> hosts = {MakeHost("db-1", true, kNow), MakeHost("x", false, 0)};
  EXPECT_EQ(RenderHosts(hosts, OutputFormat::kCsv, kNow),
            "host,status,connected,last_seen,os,agent,labels\r\n"
            "db-1,up,yes,2023-11-14T22:13:20Z,Debian GNU/Linux 12 (bookworm),0.1.0,env=prod\r\n"
            "x,down,no,,Debian GNU/Linux 12 (bookworm),0.1.0,env=prod\r\n");
  auto json = nlohmann::json::parse(RenderHosts(hosts, OutputFormat::kJson, kNow));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["host"], "db-1");
  EXPECT_EQ(json[0]["status"], "up");
  EXPECT_EQ(json[0]["connected"], true);
  EXPECT_EQ(json[0]["last_seen"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(json[0]["last_seen_ms"], kNow);
  EXPECT_EQ(json[0]["labels"], nlohmann::json({{"env", "prod"}}));
}

TEST(RenderHostDetailTest, KeyValueBlockWithInventory) {
  vigie::v1::Host h = MakeHost("db-1", true, kNow - 12'000);
  h.set_first_seen_ms(kNow - 2 * 86'400'000);
  h.set_interval_ms(15'000);
  h.set_series_count(42);
  const std::string text = RenderHostDetail(h, OutputFormat::kTable, kNow);
  EXPECT_THAT(text, testing::HasSubstr("name:             db-1\n"));
  EXPECT_THAT(text, testing::HasSubstr("last seen:        2023-11-14T22:13:08Z (12s ago)\n"));
  EXPECT_THAT(text, testing::HasSubstr("interval:         15s\n"));
  EXPECT_THAT(text, testing::HasSubstr("series count:     42\n"));
  EXPECT_THAT(text, testing::HasSubstr("memory:           16.0 GiB\n"));
  EXPECT_THAT(text, testing::HasSubstr("cpu:              Xeon, \"Gold\" x 8\n"));
  EXPECT_THAT(
      text, testing::HasSubstr("interface eth0:   52:54:00:12:34:56 up 10.0.0.5/24 fe80::1/64\n"));
  EXPECT_THAT(text, testing::HasSubstr("boot time:        never\n"));
  EXPECT_THAT(text, testing::HasSubstr("\nkernel:\n"));  // empty: no trailing spaces
}

TEST(RenderHostDetailTest, JsonIsTheHostMessage) {
  vigie::v1::Host h = MakeHost("db-1", true, kNow);
  auto json = nlohmann::json::parse(RenderHostDetail(h, OutputFormat::kJson, kNow));
  EXPECT_EQ(json["name"], "db-1");
  EXPECT_EQ(json["inventory"]["cpu_count"], 8);
  EXPECT_EQ(json["inventory"]["interfaces"][0]["mac"], "52:54:00:12:34:56");
}

TEST(RenderInventoryTest, CsvQuotesAndSkipsLoopback) {
  std::vector<vigie::v1::Host> hosts = {MakeHost("db-1", true, kNow)};
  EXPECT_EQ(RenderInventory(hosts, OutputFormat::kCsv),
            "host,fqdn,os,kernel,arch,cpu_model,cpus,memory_bytes,virtualization,ips,macs,"
            "agent_version\r\n"
            "db-1,db-1.example.com,Debian GNU/Linux 12 (bookworm),,,\"Xeon, \"\"Gold\"\"\",8,"
            "17179869184,,10.0.0.5 fe80::1,52:54:00:12:34:56,0.1.0\r\n");
}

TEST(RenderInventoryTest, JsonArrayOfObjects) {
  std::vector<vigie::v1::Host> hosts = {MakeHost("b", true, kNow), MakeHost("a", true, kNow)};
  auto json = nlohmann::json::parse(RenderInventory(hosts, OutputFormat::kJson));
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["host"], "a");
  EXPECT_EQ(json[0]["cpus"], 8);
  EXPECT_EQ(json[0]["memory_bytes"], 16ULL << 30);
  EXPECT_EQ(json[0]["ips"], nlohmann::json({"10.0.0.5", "fe80::1"}));
  EXPECT_EQ(json[0]["macs"], nlohmann::json({"52:54:00:12:34:56"}));
}

std::vector<vigie::v1::SeriesData> SomeSeries() {
  vigie::v1::SeriesData s;
  for (auto [name, value] : {std::pair{"__name__", "node_load1"}, std::pair{"host", "db-1"}}) {
    auto* l = s.add_labels();
    l->set_name(name);
    l->set_value(value);
  }
  auto* p = s.add_points();
  p->set_timestamp_ms(kNow);
  p->set_value(0.5);
  p = s.add_points();
  p->set_timestamp_ms(kNow + 15'000);
  p->set_value(2);
  return {s, s};
}

TEST(RenderSeriesTest, TextListsPointsUnderEachSeries) {
  EXPECT_EQ(RenderSeries(SomeSeries(), OutputFormat::kTable),
            "node_load1{host=\"db-1\"}\n"
            "1700000000000 0.5\n"
            "1700000015000 2\n"
            "\n"
            "node_load1{host=\"db-1\"}\n"
            "1700000000000 0.5\n"
            "1700000015000 2\n");
}

TEST(RenderSeriesTest, JsonShape) {
  auto json = nlohmann::json::parse(RenderSeries(SomeSeries(), OutputFormat::kJson));
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["labels"], nlohmann::json({{"__name__", "node_load1"}, {"host", "db-1"}}));
  EXPECT_EQ(json[0]["points"],
            nlohmann::json::parse("[[1700000000000, 0.5], [1700000015000, 2.0]]"));
}

TEST(FormatErrorTest, NamesTheServerWhenUnreachable) {
  EXPECT_EQ(FormatError(absl::UnavailableError("connection refused"), "127.0.0.1:9470"),
            "vigiectl: cannot reach vigied at 127.0.0.1:9470: connection refused");
  EXPECT_EQ(FormatError(absl::DeadlineExceededError("Deadline Exceeded"), "h:1"),
            "vigiectl: cannot reach vigied at h:1: Deadline Exceeded");
  EXPECT_EQ(FormatError(absl::NotFoundError("no host named \"x\""), "h:1"),
            "vigiectl: no host named \"x\"");
}

}  // namespace
}  // namespace vigie::cli
