#include "cli/output.h"

#include <cstdlib>
#include <ctime>
#include <optional>
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

TEST(FormatAgeTest, LargestWholeUnitWithoutAgo) {
  EXPECT_EQ(FormatAge(0, kNow), "-");
  EXPECT_EQ(FormatAge(kNow - 400, kNow), "0s");
  EXPECT_EQ(FormatAge(kNow + 5'000, kNow), "0s");
  EXPECT_EQ(FormatAge(kNow - 12'000, kNow), "12s");
  EXPECT_EQ(FormatAge(kNow - 5 * 60'000, kNow), "5m");
  EXPECT_EQ(FormatAge(kNow - 2 * 3'600'000 - 59 * 60'000, kNow), "2h");
  EXPECT_EQ(FormatAge(kNow - 3 * 86'400'000, kNow), "3d");
}

TEST(FormatRelativeTest, PastAndFuture) {
  EXPECT_EQ(FormatRelative(0, kNow), "never");
  EXPECT_EQ(FormatRelative(kNow + 300, kNow), "now");
  EXPECT_EQ(FormatRelative(kNow - 300, kNow), "now");
  EXPECT_EQ(FormatRelative(kNow + 2 * 3'600'000, kNow), "in 2h");
  EXPECT_EQ(FormatRelative(kNow - 5 * 60'000, kNow), "5m ago");
}

vigie::v1::Alert MakeAlert(const std::string& name, const std::string& state,
                           const std::string& host, int64_t since_ms) {
  vigie::v1::Alert a;
  a.set_name(name);
  a.set_group("node");
  for (auto [k, v] : {std::pair<std::string, std::string>{"alertname", name},
                      {"host", host},
                      {"severity", "warning"}}) {
    auto* l = a.add_labels();
    l->set_name(k);
    l->set_value(v);
  }
  (*a.mutable_annotations())["summary"] = name + " on " + host;
  (*a.mutable_annotations())["description"] = "details";
  a.set_state(state);
  a.set_value(93.5);
  a.set_active_at_ms(since_ms - 60'000);
  if (state == "firing" || state == "resolved") a.set_fired_at_ms(since_ms);
  if (state == "resolved") a.set_resolved_at_ms(since_ms + 30'000);
  a.set_fingerprint("0dac1e79653571b3");
  return a;
}

std::vector<vigie::v1::Alert> SomeAlerts() {
  vigie::v1::Alert pending = MakeAlert("HostDown", "pending", "web-1", kNow - 30'000);
  vigie::v1::Alert silenced = MakeAlert("DiskFull", "firing", "db-1", kNow - 2 * 3'600'000);
  silenced.set_muted_by_kind("silence");
  silenced.set_muted_by_id("0123456789abcdef0123456789abcdef");
  silenced.set_muted_detail("disk swap");
  vigie::v1::Alert flapping = MakeAlert("CpuHigh", "firing", "app-1", kNow - 5 * 60'000);
  flapping.set_flapping(true);
  flapping.set_muted_by_kind("maintenance");
  flapping.set_muted_by_id("saturday");
  vigie::v1::Alert no_host = MakeAlert("RuleFailed", "firing", "", kNow - 12'000);
  no_host.clear_annotations();
  return {pending, silenced, flapping, no_host};
}

TEST(RenderAlertsTest, TableFiringFirstWithAgeMutedAndSummary) {
  EXPECT_EQ(RenderAlerts(SomeAlerts(), OutputFormat::kTable, kNow),
            "STATE              ALERT       HOST   SEVERITY  SINCE  VALUE  MUTED                 "
            "SUMMARY\n"
            "firing (flapping)  CpuHigh     app-1  warning   5m     93.5   maintenance:saturday  "
            "CpuHigh on app-1\n"
            "firing             DiskFull    db-1   warning   2h     93.5   silence:01234567      "
            "DiskFull on db-1\n"
            "firing             RuleFailed  -      warning   12s    93.5   -\n"
            "pending            HostDown    web-1  warning   1m     93.5   -                     "
            "HostDown on web-1\n");
}

TEST(RenderAlertsTest, ResolvedCountsFromResolution) {
  std::vector<vigie::v1::Alert> alerts = {
      MakeAlert("HostDown", "resolved", "web-1", kNow - 3 * 3'600'000)};
  EXPECT_THAT(RenderAlerts(alerts, OutputFormat::kTable, kNow),
              testing::HasSubstr("resolved  HostDown  web-1  warning   2h "));
}

TEST(RenderAlertsTest, CsvHasFullIdsAndAbsoluteTimes) {
  std::vector<vigie::v1::Alert> alerts = SomeAlerts();
  alerts.resize(2);  // pending HostDown, silenced DiskFull
  EXPECT_EQ(
      RenderAlerts(alerts, OutputFormat::kCsv, kNow),
      "state,flapping,alert,host,severity,since,value,muted,summary\r\n"
      "firing,false,DiskFull,db-1,warning,2023-11-14T20:13:20Z,93.5,"
      "silence:0123456789abcdef0123456789abcdef,DiskFull on db-1\r\n"
      "pending,false,HostDown,web-1,warning,2023-11-14T22:11:50Z,93.5,-,HostDown on web-1\r\n");
}

TEST(RenderAlertsTest, JsonCarriesEveryField) {
  auto json = nlohmann::json::parse(RenderAlerts(SomeAlerts(), OutputFormat::kJson, kNow));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 4u);
  const auto& cpu = json[0];
  EXPECT_EQ(cpu["name"], "CpuHigh");
  EXPECT_EQ(cpu["group"], "node");
  EXPECT_EQ(cpu["state"], "firing");
  EXPECT_EQ(cpu["flapping"], true);
  EXPECT_EQ(cpu["labels"]["host"], "app-1");
  EXPECT_EQ(cpu["annotations"],
            nlohmann::json({{"description", "details"}, {"summary", "CpuHigh on app-1"}}));
  EXPECT_EQ(cpu["value"], 93.5);
  EXPECT_EQ(cpu["fired_at"], "2023-11-14T22:08:20Z");
  EXPECT_EQ(cpu["fired_at_ms"], kNow - 5 * 60'000);
  EXPECT_EQ(cpu["resolved_at"], "");
  EXPECT_EQ(cpu["resolved_at_ms"], 0);
  EXPECT_EQ(cpu["fingerprint"], "0dac1e79653571b3");
  EXPECT_EQ(cpu["muted"],
            nlohmann::json({{"kind", "maintenance"}, {"id", "saturday"}, {"detail", ""}}));
  EXPECT_EQ(json[1]["muted"]["id"], "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(json[2]["muted"].is_null());
  EXPECT_EQ(json[3]["state"], "pending");
}

TEST(RenderAlertsTest, EmptyListRendersHeaderOrEmptyArray) {
  EXPECT_EQ(RenderAlerts({}, OutputFormat::kTable, kNow),
            "STATE  ALERT  HOST  SEVERITY  SINCE  VALUE  MUTED  SUMMARY\n");
  EXPECT_EQ(RenderAlerts({}, OutputFormat::kJson, kNow), "[]\n");
}

std::vector<vigie::v1::Silence> SomeSilences() {
  vigie::v1::Silence active;
  active.set_id("0123456789abcdef0123456789abcdef");
  active.add_matchers("host=\"db1\"");
  active.add_matchers("alertname=~\"Disk.*\"");
  active.set_starts_at_ms(kNow - 10 * 60'000);
  active.set_ends_at_ms(kNow + 2 * 3'600'000);
  active.set_created_by("alice@laptop (ipv4:127.0.0.1:5000)");
  active.set_comment("disk swap, \"urgent\"");
  active.set_created_at_ms(kNow - 10 * 60'000);
  active.set_updated_at_ms(kNow - 10 * 60'000);
  active.set_state("active");
  vigie::v1::Silence expired = active;
  expired.set_id("fedcba9876543210fedcba9876543210");
  expired.clear_matchers();
  expired.add_matchers("env!=\"prod\"");
  expired.set_ends_at_ms(kNow - 60'000);
  expired.set_comment("done");
  expired.set_state("expired");
  return {active, expired};
}

TEST(RenderSilencesTest, TableWithRelativeTimes) {
  EXPECT_EQ(
      RenderSilences(SomeSilences(), OutputFormat::kTable, kNow),
      "ID                                STATE    MATCHERS                        STARTS   "
      "ENDS    CREATED BY                          COMMENT\n"
      "0123456789abcdef0123456789abcdef  active   host=\"db1\" alertname=~\"Disk.*\"  10m ago  "
      "in 2h   alice@laptop (ipv4:127.0.0.1:5000)  disk swap, \"urgent\"\n"
      "fedcba9876543210fedcba9876543210  expired  env!=\"prod\"                     10m ago  "
      "1m ago  alice@laptop (ipv4:127.0.0.1:5000)  done\n");
}

TEST(RenderSilencesTest, CsvQuotesAndJsonShape) {
  std::vector<vigie::v1::Silence> silences = SomeSilences();
  silences.resize(1);
  EXPECT_EQ(
      RenderSilences(silences, OutputFormat::kCsv, kNow),
      "id,state,matchers,starts,ends,created_by,comment\r\n"
      "0123456789abcdef0123456789abcdef,active,\"host=\"\"db1\"\" alertname=~\"\"Disk.*\"\"\","
      "2023-11-14T22:03:20Z,2023-11-15T00:13:20Z,alice@laptop (ipv4:127.0.0.1:5000),"
      "\"disk swap, \"\"urgent\"\"\"\r\n");
  auto json = nlohmann::json::parse(RenderSilences(SomeSilences(), OutputFormat::kJson, kNow));
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(json[0]["state"], "active");
  EXPECT_EQ(json[0]["matchers"], nlohmann::json({"host=\"db1\"", "alertname=~\"Disk.*\""}));
  EXPECT_EQ(json[0]["ends_at"], "2023-11-15T00:13:20Z");
  EXPECT_EQ(json[0]["ends_at_ms"], kNow + 2 * 3'600'000);
  EXPECT_EQ(json[0]["created_by"], "alice@laptop (ipv4:127.0.0.1:5000)");
  EXPECT_EQ(json[1]["comment"], "done");
}

TEST(RenderSilenceIdTest, PlainLineOrJson) {
  EXPECT_EQ(RenderSilenceId("abc", OutputFormat::kTable), "abc\n");
  EXPECT_EQ(nlohmann::json::parse(RenderSilenceId("abc", OutputFormat::kJson)),
            nlohmann::json({{"id", "abc"}}));
}

TEST(RenderReloadTest, SaysWhatWasLoaded) {
  vigie::v1::ReloadResponse r;
  r.set_config_file("/etc/vigie/vigied.yml");
  r.set_rules(42);
  r.set_receivers(1);
  EXPECT_EQ(RenderReload(r, OutputFormat::kTable),
            "reloaded /etc/vigie/vigied.yml: 42 alerting rules, 1 receiver\n");
  r.clear_config_file();
  EXPECT_EQ(RenderReload(r, OutputFormat::kTable),
            "reloaded the embedded defaults: 42 alerting rules, 1 receiver\n");
  r.set_config_file("/etc/vigie/vigied.yml");
  EXPECT_EQ(nlohmann::json::parse(RenderReload(r, OutputFormat::kJson)),
            nlohmann::json::parse(
                R"({"config_file": "/etc/vigie/vigied.yml", "rules": 42, "receivers": 1})"));
}

std::vector<vigie::v1::AuditEntry> SomeAudit() {
  vigie::v1::AuditEntry expire;
  expire.set_at_ms(kNow - 12'000);
  expire.set_actor("bob@ops (ipv4:10.0.0.2:1)");
  expire.set_action("silence.expire");
  expire.set_object("0123456789abcdef0123456789abcdef");
  vigie::v1::AuditEntry add = expire;
  add.set_at_ms(kNow - 3 * 3'600'000);
  add.set_actor("alice@laptop (ipv4:127.0.0.1:5000)");
  add.set_action("silence.add");
  add.set_detail("host=\"db1\" for 2h: disk swap");
  return {expire, add};
}

TEST(RenderAuditTest, TableNewestFirst) {
  EXPECT_EQ(RenderAudit(SomeAudit(), OutputFormat::kTable, kNow),
            "AT       ACTOR                               ACTION          OBJECT                   "
            "         DETAIL\n"
            "12s ago  bob@ops (ipv4:10.0.0.2:1)           silence.expire  "
            "0123456789abcdef0123456789abcdef\n"
            "3h ago   alice@laptop (ipv4:127.0.0.1:5000)  silence.add     "
            "0123456789abcdef0123456789abcdef  host=\"db1\" for 2h: disk swap\n");
}

TEST(RenderAuditTest, JsonAndCsvCarryAbsoluteTimes) {
  auto json = nlohmann::json::parse(RenderAudit(SomeAudit(), OutputFormat::kJson, kNow));
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["at"], "2023-11-14T22:13:08Z");
  EXPECT_EQ(json[0]["at_ms"], kNow - 12'000);
  EXPECT_EQ(json[0]["actor"], "bob@ops (ipv4:10.0.0.2:1)");
  EXPECT_EQ(json[0]["action"], "silence.expire");
  EXPECT_EQ(json[0]["object"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(json[1]["detail"], "host=\"db1\" for 2h: disk swap");
  EXPECT_THAT(RenderAudit(SomeAudit(), OutputFormat::kCsv, kNow),
              testing::StartsWith("at,actor,action,object,detail\r\n"
                                  "2023-11-14T22:13:08Z,bob@ops (ipv4:10.0.0.2:1),silence.expire,"
                                  "0123456789abcdef0123456789abcdef,\r\n"));
}

// Sets TZ for the test's lifetime (local times in tables), then restores it.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST(FormatLocalTimeTest, InTheLocalTimeZone) {
  {
    ScopedTz tz("UTC0");
    EXPECT_EQ(FormatLocalTime(kNow), "2023-11-14 22:13:20");
    EXPECT_EQ(FormatLocalTime(kNow + 999), "2023-11-14 22:13:20");
    EXPECT_EQ(FormatLocalTime(0), "");
  }
  ScopedTz tz("CET-1");  // POSIX form: UTC+1, no tzdata needed
  EXPECT_EQ(FormatLocalTime(kNow), "2023-11-14 23:13:20");
}

TEST(FormatSpanTest, WholeSecondsOrDash) {
  EXPECT_EQ(FormatSpan(kNow, kNow + 192'400), "3m12s");
  EXPECT_EQ(FormatSpan(kNow, kNow + 45'000), "45s");
  EXPECT_EQ(FormatSpan(kNow, kNow + 3'605'000), "1h5s");
  EXPECT_EQ(FormatSpan(kNow, kNow + 500), "0s");
  EXPECT_EQ(FormatSpan(kNow, kNow - 5'000), "0s");  // clock skew
  EXPECT_EQ(FormatSpan(kNow, 0), "-");
  EXPECT_EQ(FormatSpan(0, kNow), "-");
}

vigie::v1::Incident AckedIncident() {
  vigie::v1::Incident i;
  i.set_id(42);
  i.set_group_key("{}:{alertname=\"DiskFull\"}");
  i.set_title("DiskFull on db-1");
  i.set_source("alert");
  i.set_severity("critical");
  i.set_host("db-1");
  i.set_rule("DiskFull");
  for (auto [k, v] :
       {std::pair<std::string, std::string>{"alertname", "DiskFull"}, {"host", "db-1"}}) {
    auto* l = i.add_labels();
    l->set_name(k);
    l->set_value(v);
  }
  i.set_state("acknowledged");
  i.set_opened_ms(kNow - 600'000);
  i.set_acked_ms(kNow - 408'000);  // 3m12s later
  i.set_acked_by("alice");
  i.set_assignee("alice");
  i.set_policy("storage-oncall");
  i.set_step(1);
  i.set_next_step_ms(kNow + 300'000);
  return i;
}

std::vector<vigie::v1::Incident> SomeIncidents() {
  vigie::v1::Incident resolved;
  resolved.set_id(41);
  resolved.set_title("HostDown on web-1, web-2");
  resolved.set_source("alert");
  resolved.set_severity("warning");
  resolved.set_state("resolved");
  resolved.set_opened_ms(kNow - 2 * 3'600'000 - 5'000);
  resolved.set_resolved_ms(kNow - 3'600'000);  // 1h5s later, never acknowledged
  resolved.set_resolved_by("bob");
  resolved.set_cause("network");
  resolved.set_owner("internal");
  return {AckedIncident(), resolved};
}

TEST(RenderIncidentsTest, TableWithLocalTimesAndSpans) {
  ScopedTz tz("UTC0");
  EXPECT_EQ(RenderIncidents(SomeIncidents(), OutputFormat::kTable),
            "ID  STATE         SEVERITY  TITLE                     HOST  OPENED               "
            "ACK BY  TTA    TTR\n"
            "42  acknowledged  critical  DiskFull on db-1          db-1  2023-11-14 22:03:20  "
            "alice   3m12s  -\n"
            "41  resolved      warning   HostDown on web-1, web-2  -     2023-11-14 20:13:15  "
            "-       -      1h5s\n");
  EXPECT_EQ(RenderIncidents({}, OutputFormat::kTable),
            "ID  STATE  SEVERITY  TITLE  HOST  OPENED  ACK BY  TTA  TTR\n");
}

TEST(RenderIncidentsTest, OpenedIsLocalTime) {
  ScopedTz tz("CET-1");
  EXPECT_THAT(RenderIncidents(SomeIncidents(), OutputFormat::kTable),
              testing::HasSubstr("db-1  2023-11-14 23:03:20  alice"));
}

TEST(RenderIncidentsTest, CsvHasRfc3339AndSeconds) {
  EXPECT_EQ(RenderIncidents(SomeIncidents(), OutputFormat::kCsv),
            "id,state,severity,title,host,opened,acked_by,tta_s,ttr_s\r\n"
            "42,acknowledged,critical,DiskFull on db-1,db-1,2023-11-14T22:03:20Z,alice,192,\r\n"
            "41,resolved,warning,\"HostDown on web-1, web-2\",,2023-11-14T20:13:15Z,,,3605\r\n");
}

TEST(RenderIncidentsTest, JsonCarriesEveryField) {
  const nlohmann::json expected = nlohmann::json::parse(R"([
    {"id": 42, "group_key": "{}:{alertname=\"DiskFull\"}", "title": "DiskFull on db-1",
     "source": "alert", "reported_by": "", "service": "", "severity": "critical",
     "host": "db-1", "rule": "DiskFull", "labels": {"alertname": "DiskFull", "host": "db-1"},
     "state": "acknowledged",
     "opened": "2023-11-14T22:03:20Z", "opened_ms": 1699999400000,
     "acked": "2023-11-14T22:06:32Z", "acked_ms": 1699999592000, "acked_by": "alice",
     "resolved": "", "resolved_ms": 0, "resolved_by": "", "assignee": "alice",
     "cause": "", "owner": "", "policy": "storage-oncall", "step": 1, "round": 0,
     "next_step": "2023-11-14T22:18:20Z", "next_step_ms": 1700000300000},
    {"id": 41, "group_key": "", "title": "HostDown on web-1, web-2",
     "source": "alert", "reported_by": "", "service": "", "severity": "warning",
     "host": "", "rule": "", "labels": {}, "state": "resolved",
     "opened": "2023-11-14T20:13:15Z", "opened_ms": 1699992795000,
     "acked": "", "acked_ms": 0, "acked_by": "",
     "resolved": "2023-11-14T21:13:20Z", "resolved_ms": 1699996400000, "resolved_by": "bob",
     "assignee": "", "cause": "network", "owner": "internal", "policy": "", "step": 0,
     "round": 0, "next_step": "", "next_step_ms": 0}
  ])");
  const std::string out = RenderIncidents(SomeIncidents(), OutputFormat::kJson);
  EXPECT_EQ(nlohmann::json::parse(out), expected);
  EXPECT_THAT(out, testing::StartsWith("[\n  {\n    \"id\": 42,\n    \"group_key\""));  // in order
  EXPECT_EQ(RenderIncidents({}, OutputFormat::kJson), "[]\n");
}

vigie::v1::IncidentDetail SomeDetail() {
  vigie::v1::IncidentDetail d;
  *d.mutable_incident() = AckedIncident();
  auto* t = d.add_timeline();
  t->set_at_ms(kNow - 600'000);
  t->set_kind("triggered");
  t->set_actor("vigied");
  t->set_detail("DiskFull on db-1");
  t = d.add_timeline();
  t->set_at_ms(kNow - 408'000);
  t->set_kind("acknowledged");
  t->set_actor("alice@laptop (ipv4:127.0.0.1:1)");
  t->set_detail("on it");
  return d;
}

TEST(RenderIncidentDetailTest, KeyValuesThenTheTimeline) {
  ScopedTz tz("UTC0");
  EXPECT_EQ(RenderIncidentDetail(SomeDetail(), OutputFormat::kTable, kNow),
            "id:           42\n"
            "title:        DiskFull on db-1\n"
            "state:        acknowledged\n"
            "severity:     critical\n"
            "service:      -\n"
            "host:         db-1\n"
            "rule:         DiskFull\n"
            "labels:       alertname=DiskFull,host=db-1\n"
            "source:       alert\n"
            "reported by:  -\n"
            "group key:    {}:{alertname=\"DiskFull\"}\n"
            "opened:       2023-11-14 22:03:20 (10m ago)\n"
            "acknowledged: 2023-11-14 22:06:32 by alice, after 3m12s\n"
            "resolved:     -\n"
            "assignee:     alice\n"
            "cause:        -\n"
            "owner:        -\n"
            "policy:       storage-oncall\n"
            "step:         1\n"
            "round:        0\n"
            "next step:    2023-11-14 22:18:20 (in 5m)\n"
            "\n"
            "TIME                 KIND          ACTOR                            DETAIL\n"
            "2023-11-14 22:03:20  triggered     vigied                           DiskFull on db-1\n"
            "2023-11-14 22:06:32  acknowledged  alice@laptop (ipv4:127.0.0.1:1)  on it\n");
}

TEST(RenderIncidentDetailTest, ResolvedWithoutTimeline) {
  ScopedTz tz("UTC0");
  vigie::v1::IncidentDetail d;
  *d.mutable_incident() = SomeIncidents()[1];
  const std::string out = RenderIncidentDetail(d, OutputFormat::kTable, kNow);
  EXPECT_THAT(out, testing::HasSubstr("\nacknowledged: -\n"
                                      "resolved:     2023-11-14 21:13:20 by bob, after 1h5s\n"));
  EXPECT_THAT(out, testing::HasSubstr("\ncause:        network\nowner:        internal\n"));
  EXPECT_THAT(out, testing::HasSubstr("\nnext step:    -\n\nTIME  KIND  ACTOR  DETAIL\n"));
}

TEST(RenderIncidentDetailTest, JsonHasTheIncidentAndTheTimeline) {
  const nlohmann::json json =
      nlohmann::json::parse(RenderIncidentDetail(SomeDetail(), OutputFormat::kJson, kNow));
  EXPECT_EQ(json["incident"],
            nlohmann::json::parse(RenderIncidents({AckedIncident()}, OutputFormat::kJson))[0]);
  EXPECT_EQ(json["timeline"], nlohmann::json::parse(R"json([
    {"at": "2023-11-14T22:03:20Z", "at_ms": 1699999400000, "kind": "triggered",
     "actor": "vigied", "detail": "DiskFull on db-1"},
    {"at": "2023-11-14T22:06:32Z", "at_ms": 1699999592000, "kind": "acknowledged",
     "actor": "alice@laptop (ipv4:127.0.0.1:1)", "detail": "on it"}
  ])json"));
}

TEST(RenderIncidentActionTest, SaysWhatWasDoneOrPrintsTheIncident) {
  using V1 = vigie::v1::IncidentActionRequest;
  auto render = [](V1::Action action, OutputFormat format) {
    V1 request;
    request.set_id(42);
    request.set_action(action);
    request.set_user("bob");
    return RenderIncidentAction(request, AckedIncident(), format);
  };
  EXPECT_EQ(render(V1::ACK, OutputFormat::kTable), "incident 42 acknowledged\n");
  EXPECT_EQ(render(V1::UNACK, OutputFormat::kTable), "incident 42 unacknowledged\n");
  EXPECT_EQ(render(V1::RESOLVE, OutputFormat::kCsv), "incident 42 resolved\n");
  EXPECT_EQ(render(V1::REASSIGN, OutputFormat::kTable), "incident 42 reassigned to bob\n");
  EXPECT_EQ(render(V1::COMMENT, OutputFormat::kTable), "incident 42 commented\n");
  EXPECT_EQ(nlohmann::json::parse(render(V1::ACK, OutputFormat::kJson)),
            nlohmann::json::parse(RenderIncidents({AckedIncident()}, OutputFormat::kJson))[0]);
}

TEST(RenderIncidentOpenedTest, SaysTheIdOrPrintsTheIncident) {
  EXPECT_EQ(RenderIncidentOpened(AckedIncident(), OutputFormat::kTable), "incident 42 opened\n");
  EXPECT_EQ(RenderIncidentOpened(AckedIncident(), OutputFormat::kCsv), "incident 42 opened\n");
  EXPECT_EQ(nlohmann::json::parse(RenderIncidentOpened(AckedIncident(), OutputFormat::kJson)),
            nlohmann::json::parse(RenderIncidents({AckedIncident()}, OutputFormat::kJson))[0]);
}

std::vector<vigie::v1::OnCall> SomeOnCall() {
  vigie::v1::OnCall ops;
  ops.set_schedule("ops");
  ops.set_user("alice");
  ops.set_until_ms(kNow + 3'600'000);
  vigie::v1::OnCall dba;  // a gap
  dba.set_schedule("dba");
  return {ops, dba};
}

TEST(RenderOnCallTest, TableWithLocalTimesAndDashesInAGap) {
  ScopedTz tz("UTC0");
  EXPECT_EQ(RenderOnCall(SomeOnCall(), OutputFormat::kTable),
            "SCHEDULE  ON CALL  UNTIL\n"
            "ops       alice    2023-11-14 23:13:20\n"
            "dba       -        -\n");
  EXPECT_EQ(RenderOnCall({}, OutputFormat::kTable), "SCHEDULE  ON CALL  UNTIL\n");
  ScopedTz cet("CET-1");
  EXPECT_THAT(RenderOnCall(SomeOnCall(), OutputFormat::kTable),
              testing::HasSubstr("alice    2023-11-15 00:13:20\n"));
}

TEST(RenderOnCallTest, CsvAndJson) {
  EXPECT_EQ(RenderOnCall(SomeOnCall(), OutputFormat::kCsv),
            "schedule,on_call,until\r\n"
            "ops,alice,2023-11-14T23:13:20Z\r\n"
            "dba,,\r\n");
  EXPECT_EQ(nlohmann::json::parse(RenderOnCall(SomeOnCall(), OutputFormat::kJson)),
            nlohmann::json::parse(R"json([
    {"schedule": "ops", "user": "alice", "until": "2023-11-14T23:13:20Z",
     "until_ms": 1700003600000},
    {"schedule": "dba", "user": null, "until": "", "until_ms": 0}
  ])json"));
}

constexpr int64_t kWeekMinusAnHour = 7 * 86'400'000 - 3'600'000;  // 6d23h: spring forward

std::vector<vigie::v1::Shift> SomeShifts() {
  vigie::v1::Shift alice;
  alice.set_user("alice");
  alice.set_start_ms(kNow);
  alice.set_end_ms(kNow + kWeekMinusAnHour);
  alice.set_source("layer:primary");
  vigie::v1::Shift bob;
  bob.set_user("bob");
  bob.set_start_ms(kNow + kWeekMinusAnHour);
  bob.set_end_ms(kNow + kWeekMinusAnHour + 12 * 3'600'000);
  bob.set_source("override:ov-1");
  return {alice, bob};
}

TEST(RenderShiftsTest, TableWithLocalTimesAndDurations) {
  ScopedTz tz("UTC0");
  EXPECT_EQ(RenderShifts(SomeShifts(), OutputFormat::kTable),
            "USER   FROM                 TO                   DURATION  SOURCE\n"
            "alice  2023-11-14 22:13:20  2023-11-21 21:13:20  6d23h     layer:primary\n"
            "bob    2023-11-21 21:13:20  2023-11-22 09:13:20  12h       override:ov-1\n");
  EXPECT_EQ(RenderShifts({}, OutputFormat::kTable), "USER  FROM  TO  DURATION  SOURCE\n");
  ScopedTz cet("CET-1");
  EXPECT_THAT(RenderShifts(SomeShifts(), OutputFormat::kTable),
              testing::HasSubstr("alice  2023-11-14 23:13:20  2023-11-21 22:13:20  6d23h"));
}

TEST(RenderShiftsTest, CsvAndJsonCarryAbsoluteTimesAndSeconds) {
  EXPECT_EQ(RenderShifts(SomeShifts(), OutputFormat::kCsv),
            "user,from,to,duration_s,source\r\n"
            "alice,2023-11-14T22:13:20Z,2023-11-21T21:13:20Z,601200,layer:primary\r\n"
            "bob,2023-11-21T21:13:20Z,2023-11-22T09:13:20Z,43200,override:ov-1\r\n");
  EXPECT_EQ(nlohmann::json::parse(RenderShifts(SomeShifts(), OutputFormat::kJson)),
            nlohmann::json::parse(R"json([
    {"user": "alice", "start": "2023-11-14T22:13:20Z", "start_ms": 1700000000000,
     "end": "2023-11-21T21:13:20Z", "end_ms": 1700601200000, "duration_s": 601200,
     "source": "layer:primary"},
    {"user": "bob", "start": "2023-11-21T21:13:20Z", "start_ms": 1700601200000,
     "end": "2023-11-22T09:13:20Z", "end_ms": 1700644400000, "duration_s": 43200,
     "source": "override:ov-1"}
  ])json"));
  EXPECT_EQ(RenderShifts({}, OutputFormat::kJson), "[]\n");
}

std::vector<vigie::v1::Override> SomeOverrides() {
  vigie::v1::Override swap;
  swap.set_id("ov-1");
  swap.set_schedule("ops");
  swap.set_user("bob");
  swap.set_start_ms(kNow + kWeekMinusAnHour);
  swap.set_end_ms(kNow + kWeekMinusAnHour + 12 * 3'600'000);
  swap.set_created_by("alice@laptop (ipv4:127.0.0.1:5)");
  swap.set_reason("swap, see #12");
  swap.set_created_at_ms(kNow);
  vigie::v1::Override bare;  // no reason, no author
  bare.set_id("ov-2");
  bare.set_schedule("ops");
  bare.set_user("carol");
  bare.set_start_ms(kNow + 86'400'000);
  bare.set_end_ms(kNow + 86'400'000 + 2 * 3'600'000);
  return {swap, bare};
}

TEST(RenderOverridesTest, TableWithLocalTimesAndDashes) {
  ScopedTz tz("UTC0");
  EXPECT_EQ(RenderOverrides(SomeOverrides(), OutputFormat::kTable),
            "ID    SCHEDULE  USER   FROM                 TO                   REASON         "
            "CREATED BY\n"
            "ov-1  ops       bob    2023-11-21 21:13:20  2023-11-22 09:13:20  swap, see #12  "
            "alice@laptop (ipv4:127.0.0.1:5)\n"
            "ov-2  ops       carol  2023-11-15 22:13:20  2023-11-16 00:13:20  -              -\n");
  EXPECT_EQ(RenderOverrides({}, OutputFormat::kTable),
            "ID  SCHEDULE  USER  FROM  TO  REASON  CREATED BY\n");
}

TEST(RenderOverridesTest, CsvAndJsonCarryEveryField) {
  EXPECT_EQ(RenderOverrides(SomeOverrides(), OutputFormat::kCsv),
            "id,schedule,user,from,to,reason,created_by,created_at\r\n"
            "ov-1,ops,bob,2023-11-21T21:13:20Z,2023-11-22T09:13:20Z,\"swap, see #12\","
            "alice@laptop (ipv4:127.0.0.1:5),2023-11-14T22:13:20Z\r\n"
            "ov-2,ops,carol,2023-11-15T22:13:20Z,2023-11-16T00:13:20Z,,,\r\n");
  EXPECT_EQ(nlohmann::json::parse(RenderOverrides({SomeOverrides()[0]}, OutputFormat::kJson)),
            nlohmann::json::parse(R"json([
    {"id": "ov-1", "schedule": "ops", "user": "bob",
     "start": "2023-11-21T21:13:20Z", "start_ms": 1700601200000,
     "end": "2023-11-22T09:13:20Z", "end_ms": 1700644400000,
     "created_by": "alice@laptop (ipv4:127.0.0.1:5)", "reason": "swap, see #12",
     "created_at": "2023-11-14T22:13:20Z", "created_at_ms": 1700000000000}
  ])json"));
}

TEST(RenderOverrideIdTest, PlainLineOrJson) {
  EXPECT_EQ(RenderOverrideId("ov-1", OutputFormat::kTable), "ov-1\n");
  EXPECT_EQ(RenderOverrideId("ov-1", OutputFormat::kJson), "{\n  \"id\": \"ov-1\"\n}\n");
}

}  // namespace
}  // namespace vigie::cli
