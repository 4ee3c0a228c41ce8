#include "daemon/incidents/report.h"

#include <sstream>

#include "common/matcher.h"
#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vigie::daemon::incidents {
namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
// 2026-02-01T00:00:00Z, a Sunday. In February, Europe/Paris is UTC+1 and
// America/New_York is UTC-5 (no DST change in the period).
constexpr int64_t kFrom = 1'769'904'000'000;
constexpr int64_t kTo = kFrom + 28 * kDay;  // 2026-03-01T00:00:00Z

// 2026-02-<day>T<h>:<m>:00Z
constexpr int64_t T(int day, int h, int m = 0) {
  return kFrom + (day - 1) * kDay + h * kHour + m * kMin;
}

struct Spec {
  int64_t id;
  std::string rule, host, team, cause, owner;
  int64_t opened;
  int tta_min;  // -1: never acknowledged
  int ttr_min;  // -1: still open
  std::string title = "";
};

// 12 incidents; times to acknowledge and resolve in whole minutes.
//   id rule      host  team cause        owner     TTA  TTR
//    1 HostDown  web1  ops  hardware     internal   2    30
//    2 HostDown  web1  ops  network      ovh        5   120
//    3 HostDown  db1   dba  hardware     internal   1    60
//    4 HighCPU   web1  ops  capacity     internal  10    40
//    5 HighCPU   web2  ops  capacity     internal   3    20
//    6 HighCPU   db1   dba  -            -          7    15
//    7 DiskFull  db1   dba  capacity     internal   -    90
//    8 DiskFull  web2  ops  -            -          -     - (open)
//    9 -         -     -    human-error  internal   4    10 (manual)
//   10 HighCPU   web2  ops  software     acme       6    50
//   11 HighCPU   web1  ops  software     acme       8     - (open)
//   12 HostDown  db1   dba  hardware     internal   9   180
std::vector<IncidentRecord> Incidents() {
  const std::vector<Spec> specs = {
      {1, "HostDown", "web1", "ops", "hardware", "internal", T(2, 10), 2, 30},
      {2, "HostDown", "web1", "ops", "network", "ovh", T(10, 3), 5, 120},
      {3, "HostDown", "db1", "dba", "hardware", "internal", T(5, 12), 1, 60},
      {4, "HighCPU", "web1", "ops", "capacity", "internal", T(3, 14), 10, 40},
      {5, "HighCPU", "web2", "ops", "capacity", "internal", T(4, 14), 3, 20},
      {6, "HighCPU", "db1", "dba", "", "", T(6, 9), 7, 15},
      {7, "DiskFull", "db1", "dba", "capacity", "internal", T(7, 8), -1, 90},
      {8, "DiskFull", "web2", "ops", "", "", T(8, 8), -1, -1, "Disk \"full\", web2"},
      {9, "", "", "", "human-error", "internal", T(9, 11), 4, 10},
      {10, "HighCPU", "web2", "ops", "software", "acme", T(11, 22), 6, 50},
      {11, "HighCPU", "web1", "ops", "software", "acme", T(12, 1), 8, -1,
       "<script>alert(1)</script>"},
      {12, "HostDown", "db1", "dba", "hardware", "internal", T(14, 1), 9, 180},
  };
  std::vector<IncidentRecord> out;
  for (const Spec& s : specs) {
    IncidentRecord r;
    r.id = s.id;
    r.rule = s.rule;
    r.host = s.host;
    r.title = s.title.empty() ? StrCat(s.rule, " on ", s.host) : s.title;
    r.source = s.rule.empty() ? "manual" : "alert";
    if (!s.host.empty()) r.labels.push_back({"host", s.host});
    if (!s.team.empty()) r.labels.push_back({"team", s.team});
    r.cause = s.cause;
    r.owner = s.owner;
    r.opened_ms = s.opened;
    if (s.tta_min >= 0) r.acked_ms = s.opened + s.tta_min * kMin;
    if (s.ttr_min >= 0) r.resolved_ms = s.opened + s.ttr_min * kMin;
    r.state = r.resolved_ms ? "resolved" : r.acked_ms ? "acknowledged" : "triggered";
    out.push_back(std::move(r));
  }
  return out;
}

TimelineRecord Line(int64_t id, int64_t at, std::string kind, std::string actor,
                    std::string detail = "") {
  return TimelineRecord{id, at, std::move(kind), std::move(actor), std::move(detail)};
}

// Builds a window (the fixture's are valid).
routing::MaintenanceWindow Window(std::string name, std::vector<Matcher> m, std::string zone,
                                  routing::MaintenanceSchedule s) {
  auto w = routing::MaintenanceWindow::Make(std::move(name), std::move(m), std::move(zone), s);
  EXPECT_TRUE(w.ok()) << w.status();
  return *w;
}

ReportInput Input() {
  ReportInput in;
  in.from_ms = kFrom;
  in.to_ms = kTo;
  in.now_ms = kTo;
  in.incidents = Incidents();
  in.users["alice"] = oncall::User{"alice", "", "", "", "Europe/Paris"};
  in.users["bob"] = oncall::User{"bob", "", "", "", "America/New_York"};
  in.users["carol"] = oncall::User{"carol", "", "", "", ""};  // default zone: UTC
  in.timelines = {
      // alice (Paris, UTC+1): 5 pages, 3 at night, 2 on weekends.
      Line(1, T(2, 10, 1), "paged", "alice", "step 1 via mail"),   // Mon 11:01
      Line(7, T(7, 22, 30), "paged", "alice", "step 1 via mail"),  // Sat 23:30
      Line(2, T(10, 5, 30), "paged", "alice", "step 1 via mail"),  // Tue 06:30
      Line(2, T(10, 6), "paged", "alice", "step 1 via sms"),       // Tue 07:00: day
      Line(12, T(14, 21), "paged", "alice", "step 1 via mail"),    // Sat 22:00
      // bob (New York, UTC-5): 4 pages, 2 at night, 2 on weekends.
      Line(8, T(8, 3), "paged", "bob", "step 1 via mail"),        // Sat 7th 22:00
      Line(9, T(9, 2), "paged", "bob", "step 1 via mail"),        // Sun 8th 21:00
      Line(10, T(11, 15), "paged", "bob", "step 1 via mail"),     // Wed 10:00
      Line(4, T(16, 11, 30), "paged", "bob", "step 2 via mail"),  // Mon 06:30
      // carol (UTC): 2 pages, 1 at night, 1 on weekends.
      Line(5, T(1, 12), "paged", "carol", "step 1 via mail"),  // Sun 12:00
      Line(6, T(4, 23), "paged", "carol", "step 1 via mail"),  // Wed 23:00
      // A channel page: a rule's page, nobody's load.
      Line(11, T(12, 1, 1), "paged", "ops-team", "step 2 via ops-chat"),
      // Not pages.
      Line(1, T(2, 10), "triggered", "vigied"),
      Line(1, T(2, 10), "notified", "vigied", "ops-mail"),
      Line(1, T(2, 10, 2), "acknowledged", "alice"),
      Line(2, T(10, 3, 5), "acknowledged", "alice (link)"),
      Line(4, T(3, 14, 10), "acknowledged", "bob (ipv4:127.0.0.1:5555)"),
      Line(5, T(4, 14, 3), "acknowledged", "dave"),  // not a known user
      Line(1, T(2, 10, 30), "resolved", "vigied"),
  };
  // web1: a 2 h one-off upgrade on the 10th, 02:00-04:00 UTC, which covers the
  // first hour of incident 2's downtime (03:00-05:00).
  auto web1 = Window(
      "web1-upgrade", {*Matcher::Parse("host=web1")}, "UTC",
      routing::MaintenanceSchedule{routing::MaintenanceSchedule::Kind::kOnce, T(10, 2), T(10, 4)});
  // db hosts: every day 03:00-04:00 Paris time (02:00-03:00 UTC), which covers
  // the second hour of incident 12's downtime (01:00-04:00 UTC on the 14th).
  routing::MaintenanceSchedule daily;
  daily.kind = routing::MaintenanceSchedule::Kind::kDaily;
  daily.minute_of_day = 3 * 60;
  daily.duration = std::chrono::hours(1);
  auto db = Window("db-backup", {*Matcher::Parse("host=~db.*")}, "Europe/Paris", daily);
  in.maintenance = {web1, db};
  in.hosts_monitored = {
      {"web1", {kFrom - 5 * kDay, kTo + kHour}},
      {"web2", {kFrom, kTo}},
      {"db1", {T(3, 0), kTo + 10 * kDay}},
      {"web3", {kFrom - 10 * kDay, kFrom - kDay}},  // gone before the period
  };
  return in;
}

const BreakdownRow* Row(const std::vector<BreakdownRow>& rows, std::string_view key) {
  for (const BreakdownRow& r : rows) {
    if (r.key == key) return &r;
  }
  return nullptr;
}

std::vector<std::string> Keys(const std::vector<BreakdownRow>& rows) {
  std::vector<std::string> out;
  for (const BreakdownRow& r : rows) out.push_back(r.key);
  return out;
}

// Expects count and the four figures, in minutes (-1: no figure).
void ExpectRow(const std::vector<BreakdownRow>& rows, std::string_view key, int64_t count,
               double tta_median, double tta_p90, double ttr_median, double ttr_p90) {
  SCOPED_TRACE(key);
  const BreakdownRow* r = Row(rows, key);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->count, count);
  auto expect = [](const std::optional<int64_t>& got, double minutes) {
    if (minutes < 0) {
      EXPECT_FALSE(got.has_value());
    } else {
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(*got, static_cast<int64_t>(minutes * kMin));
    }
  };
  expect(r->durations.mtta_median, tta_median);
  expect(r->durations.mtta_p90, tta_p90);
  expect(r->durations.mttr_median, ttr_median);
  expect(r->durations.mttr_p90, ttr_p90);
}

TEST(ReportTest, Totals) {
  const Report r = ComputeReport(Input());
  EXPECT_EQ(r.totals.count, 12);
  EXPECT_EQ(r.totals.acknowledged, 10);
  EXPECT_EQ(r.totals.resolved, 10);
  // TTA 1..10 min: median (5+6)/2, p90 = rank 9. TTR 10 15 20 30 40 50 60 90
  // 120 180: median (40+50)/2, p90 = rank 9.
  EXPECT_EQ(r.totals.durations.mtta_median, 5 * kMin + 30'000);
  EXPECT_EQ(r.totals.durations.mtta_p90, 9 * kMin);
  EXPECT_EQ(r.totals.durations.mttr_median, 45 * kMin);
  EXPECT_EQ(r.totals.durations.mttr_p90, 120 * kMin);
}

TEST(ReportTest, Breakdowns) {
  const Report r = ComputeReport(Input());
  EXPECT_THAT(Keys(r.by_cause), testing::ElementsAre("capacity", "hardware", "software",
                                                     "unrecorded", "human-error", "network"));
  ExpectRow(r.by_cause, "capacity", 3, 6.5, 10, 40, 90);
  ExpectRow(r.by_cause, "hardware", 3, 2, 9, 60, 180);
  ExpectRow(r.by_cause, "software", 2, 7, 8, 50, 50);
  ExpectRow(r.by_cause, "unrecorded", 2, 7, 7, 15, 15);
  ExpectRow(r.by_cause, "network", 1, 5, 5, 120, 120);

  EXPECT_THAT(Keys(r.by_team), testing::ElementsAre("ops", "dba", "-"));
  ExpectRow(r.by_team, "ops", 7, 5.5, 10, 40, 120);
  ExpectRow(r.by_team, "dba", 4, 7, 9, 75, 180);
  ExpectRow(r.by_team, "-", 1, 4, 4, 10, 10);

  EXPECT_THAT(Keys(r.by_owner), testing::ElementsAre("internal", "acme", "unrecorded", "ovh"));
  ExpectRow(r.by_owner, "internal", 7, 3.5, 10, 40, 180);
  ExpectRow(r.by_owner, "acme", 2, 7, 8, 50, 50);

  EXPECT_THAT(Keys(r.by_host), testing::ElementsAre("db1", "web1", "web2", "-"));
  ExpectRow(r.by_host, "db1", 4, 7, 9, 75, 180);
  ExpectRow(r.by_host, "web1", 4, 6.5, 10, 40, 120);
  ExpectRow(r.by_host, "web2", 3, 4.5, 6, 35, 50);

  EXPECT_THAT(Keys(r.by_rule), testing::ElementsAre("HighCPU", "HostDown", "DiskFull", "-"));
  ExpectRow(r.by_rule, "HighCPU", 5, 7, 10, 30, 50);
  ExpectRow(r.by_rule, "HostDown", 4, 3.5, 9, 90, 180);
  ExpectRow(r.by_rule, "DiskFull", 2, -1, -1, 90, 90);
}

TEST(ReportTest, NoisiestRules) {
  const Report r = ComputeReport(Input());
  ASSERT_EQ(r.noisiest_rules.size(), 4u);
  EXPECT_EQ(r.noisiest_rules[0].rule, "HighCPU");
  EXPECT_EQ(r.noisiest_rules[0].incidents, 5);
  EXPECT_EQ(r.noisiest_rules[0].pages, 5);  // bob 2, carol 2, the ops-team channel 1
  EXPECT_EQ(r.noisiest_rules[1].rule, "HostDown");
  EXPECT_EQ(r.noisiest_rules[1].pages, 4);
  EXPECT_EQ(r.noisiest_rules[2].rule, "DiskFull");
  EXPECT_EQ(r.noisiest_rules[2].pages, 2);
  EXPECT_EQ(r.noisiest_rules[3].rule, "-");
  EXPECT_EQ(r.noisiest_rules[3].pages, 1);
}

TEST(ReportTest, NoisiestRulesKeepsTen) {
  ReportInput in;
  in.from_ms = kFrom;
  in.to_ms = kTo;
  for (int i = 0; i < 15; ++i) {
    for (int n = 0; n <= i; ++n) {
      IncidentRecord r;
      r.id = static_cast<int64_t>(in.incidents.size()) + 1;
      r.rule = StrCat("R", i);
      r.opened_ms = kFrom;
      in.incidents.push_back(r);
    }
  }
  const Report r = ComputeReport(in);
  ASSERT_EQ(r.noisiest_rules.size(), 10u);
  EXPECT_EQ(r.noisiest_rules.front().rule, "R14");
  EXPECT_EQ(r.noisiest_rules.back().rule, "R5");
}

TEST(ReportTest, Availability) {
  const Report r = ComputeReport(Input());
  ASSERT_EQ(r.availability.size(), 4u);
  // Worst first; a host not monitored in the period last.
  const HostAvailability& db1 = r.availability[0];
  const HostAvailability& web1 = r.availability[1];
  const HostAvailability& web2 = r.availability[2];
  const HostAvailability& web3 = r.availability[3];
  EXPECT_EQ(db1.host, "db1");
  EXPECT_EQ(web1.host, "web1");
  EXPECT_EQ(web2.host, "web2");
  EXPECT_EQ(web3.host, "web3");

  // web1: 28 days, minus 2 h of maintenance; down 30 min (incident 1) + 120
  // min (incident 2) - the hour under maintenance = 90 min.
  EXPECT_EQ(web1.maintenance_ms, 2 * kHour);
  EXPECT_EQ(web1.monitored_ms, 28 * kDay - 2 * kHour);
  EXPECT_EQ(web1.down_ms, 90 * kMin);
  EXPECT_EQ(web1.incidents, 2);
  ASSERT_TRUE(web1.availability_percent.has_value());
  EXPECT_NEAR(*web1.availability_percent, 100.0 * (1.0 - 5400.0 / 2412000.0), 1e-9);  // 99.776

  // db1: from the 3rd (26 days), minus 26 daily hours of backup; down 60 min
  // (incident 3) + 180 min (incident 12) - 1 h of backup = 180 min.
  EXPECT_EQ(db1.maintenance_ms, 26 * kHour);
  EXPECT_EQ(db1.monitored_ms, 26 * kDay - 26 * kHour);
  EXPECT_EQ(db1.down_ms, 180 * kMin);
  EXPECT_EQ(db1.incidents, 2);
  EXPECT_NEAR(*db1.availability_percent, 100.0 * (1.0 - 10800.0 / 2152800.0), 1e-9);  // 99.498

  // web2: no downtime, listed at 100 %.
  EXPECT_EQ(web2.monitored_ms, 28 * kDay);
  EXPECT_EQ(web2.down_ms, 0);
  EXPECT_EQ(web2.availability_percent, 100.0);

  EXPECT_EQ(web3.monitored_ms, 0);
  EXPECT_FALSE(web3.availability_percent.has_value());
}

TEST(ReportTest, AvailabilityOfAnOpenOutage) {
  ReportInput in;
  in.from_ms = kFrom;
  in.to_ms = kTo;
  IncidentRecord r;
  r.id = 1;
  r.rule = "HostDown";
  r.host = "h";
  r.opened_ms = kTo - 7 * kDay;  // still open: down until the end of the period
  in.incidents = {r, r};         // overlapping outages count once
  in.incidents[1].id = 2;
  in.incidents[1].opened_ms = kTo - 2 * kDay;
  in.hosts_monitored["h"] = {kFrom, kTo};
  const Report rep = ComputeReport(in);
  ASSERT_EQ(rep.availability.size(), 1u);
  EXPECT_EQ(rep.availability[0].down_ms, 7 * kDay);
  EXPECT_EQ(*rep.availability[0].availability_percent, 75.0);
}

TEST(ReportTest, OnCallLoad) {
  const Report r = ComputeReport(Input());
  ASSERT_EQ(r.oncall_load.size(), 3u);
  const PersonLoad& alice = r.oncall_load[0];
  const PersonLoad& bob = r.oncall_load[1];
  const PersonLoad& carol = r.oncall_load[2];
  EXPECT_EQ(alice.user, "alice");
  EXPECT_EQ(alice.time_zone, "Europe/Paris");
  EXPECT_EQ(alice.pages, 5);
  EXPECT_EQ(alice.night_pages, 3);
  EXPECT_EQ(alice.weekend_pages, 2);
  EXPECT_EQ(alice.acknowledgements, 2);  // "alice" and "alice (link)"
  EXPECT_EQ(bob.user, "bob");
  EXPECT_EQ(bob.pages, 4);
  EXPECT_EQ(bob.night_pages, 2);
  EXPECT_EQ(bob.weekend_pages, 2);
  EXPECT_EQ(bob.acknowledgements, 1);
  EXPECT_EQ(carol.user, "carol");
  EXPECT_EQ(carol.time_zone, "UTC");
  EXPECT_EQ(carol.pages, 2);
  EXPECT_EQ(carol.night_pages, 1);
  EXPECT_EQ(carol.weekend_pages, 1);
  EXPECT_EQ(carol.acknowledgements, 0);
}

TEST(ReportTest, LongestIncidents) {
  const Report r = ComputeReport(Input());
  ASSERT_EQ(r.longest.size(), 10u);
  EXPECT_EQ(r.longest[0].id, 8);  // open since the 8th, 08:00
  EXPECT_TRUE(r.longest[0].open);
  EXPECT_EQ(r.longest[0].duration_ms, kTo - T(8, 8));
  EXPECT_EQ(r.longest[1].id, 11);
  EXPECT_EQ(r.longest[2].id, 12);
  EXPECT_EQ(r.longest[2].duration_ms, 180 * kMin);
  EXPECT_EQ(r.longest[9].id, 5);
}

TEST(ReportTest, FormatDuration) {
  EXPECT_EQ(FormatReportDuration(192'000), "3m12s");
  EXPECT_EQ(FormatReportDuration(3'900'000), "1h05m");
  EXPECT_EQ(FormatReportDuration(800), "0.8s");
  EXPECT_EQ(FormatReportDuration(42'000), "42s");
  EXPECT_EQ(FormatReportDuration(kDay + kHour + kMin), "1d01h");
}

std::vector<std::vector<std::string>> TableRows(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> row;
    std::string w;
    while (words >> w) row.push_back(w);
    out.push_back(std::move(row));
  }
  return out;
}

TEST(ReportTest, RenderTable) {
  auto text = RenderReport(ComputeReport(Input()), "table");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, testing::HasSubstr("Non-quality report 2026-02-01T00:00:00Z to "
                                        "2026-03-01T00:00:00Z"));
  for (const char* title :
       {"Totals", "By cause", "By team", "By owner", "By host", "By rule", "Noisiest rules",
        "Availability", "On-call load", "Longest incidents"}) {
    EXPECT_THAT(*text, testing::HasSubstr(StrCat("\n", title, "\n"))) << title;
  }
  const auto rows = TableRows(*text);
  using R = std::vector<std::string>;
  EXPECT_THAT(rows, testing::Contains(R{"12", "10", "10", "5m30s", "9m00s", "45m00s", "2h00m"}));
  EXPECT_THAT(rows, testing::Contains(R{"HighCPU", "5", "7m00s", "10m00s", "30m00s", "50m00s"}));
  EXPECT_THAT(rows, testing::Contains(R{"DiskFull", "2", "-", "-", "1h30m", "1h30m"}));
  EXPECT_THAT(rows, testing::Contains(R{"HighCPU", "5", "5"}));
  EXPECT_THAT(rows, testing::Contains(R{"web1", "99.776", "27d22h", "2h00m", "1h30m", "2"}));
  EXPECT_THAT(rows, testing::Contains(R{"web2", "100.000", "28d00h", "0s", "0s", "0"}));
  EXPECT_THAT(rows, testing::Contains(R{"bob", "America/New_York", "4", "2", "2", "1"}));
  // Columns are aligned: the `incidents` column of "By rule" ends at one place.
  const size_t header = text->find("rule      incidents");
  EXPECT_NE(header, std::string::npos);
}

// RFC 4180: quoted fields, "" for a quote.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r') {
    } else if (c == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(ReportTest, RenderCsv) {
  auto text = RenderReport(ComputeReport(Input()), "csv");
  ASSERT_TRUE(text.ok()) << text.status();
  const auto rows = ParseCsv(*text);
  // header, totals, 6 causes, 3 teams, 4 owners, 4 hosts, 4 rules, 4 noisy
  // rules, 4 hosts' availability, 3 people, 10 longest incidents.
  ASSERT_EQ(rows.size(), 1u + 1 + 6 + 3 + 4 + 4 + 4 + 4 + 4 + 3 + 10);
  for (const auto& row : rows) EXPECT_EQ(row.size(), rows[0].size());
  EXPECT_EQ(rows[0][0], "section");
  auto column = [&](std::string_view name) {
    return static_cast<size_t>(std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin());
  };
  auto find = [&](std::string_view section,
                  std::string_view key) -> const std::vector<std::string>* {
    for (const auto& row : rows) {
      if (row[0] == section && row[1] == key) return &row;
    }
    return nullptr;
  };
  const auto* totals = find("totals", "2026-02-01T00:00:00Z/2026-03-01T00:00:00Z");
  ASSERT_NE(totals, nullptr);
  EXPECT_EQ((*totals)[column("count")], "12");
  EXPECT_EQ((*totals)[column("mtta_median_s")], "330");
  EXPECT_EQ((*totals)[column("mttr_p90_s")], "7200");
  const auto* disk = find("rule", "DiskFull");
  ASSERT_NE(disk, nullptr);
  EXPECT_EQ((*disk)[column("mtta_median_s")], "");
  EXPECT_EQ((*disk)[column("mttr_median_s")], "5400");
  const auto* db1 = find("availability", "db1");
  ASSERT_NE(db1, nullptr);
  EXPECT_EQ((*db1)[column("availability_percent")], "99.498");
  EXPECT_EQ((*db1)[column("down_s")], "10800");
  const auto* alice = find("oncall_load", "alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ((*alice)[column("night_pages")], "3");
  const auto* eight = find("longest_incident", "8");
  ASSERT_NE(eight, nullptr);
  EXPECT_EQ((*eight)[column("title")], "Disk \"full\", web2");
  EXPECT_EQ((*eight)[column("open")], "true");
}

TEST(ReportTest, RenderJson) {
  auto text = RenderReport(ComputeReport(Input()), "json");
  ASSERT_TRUE(text.ok()) << text.status();
  const auto j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["from"], "2026-02-01T00:00:00Z");
  EXPECT_EQ(j["totals"]["count"], 12);
  EXPECT_EQ(j["totals"]["acknowledged"], 10);
  EXPECT_EQ(j["totals"]["mtta_median_s"], 330.0);
  EXPECT_EQ(j["totals"]["mtta_p90_s"], 540.0);
  EXPECT_EQ(j["totals"]["mttr_median_s"], 2700.0);
  EXPECT_EQ(j["totals"]["mttr_p90_s"], 7200.0);
  EXPECT_EQ(j["by_rule"][0]["key"], "HighCPU");
  EXPECT_EQ(j["by_rule"][0]["mttr_median_s"], 1800.0);
  EXPECT_EQ(j["by_rule"][2]["key"], "DiskFull");
  EXPECT_TRUE(j["by_rule"][2]["mtta_median_s"].is_null());
  EXPECT_EQ(j["by_cause"][0]["key"], "capacity");
  EXPECT_EQ(j["by_cause"][0]["mtta_median_s"], 390.0);
  EXPECT_EQ(j["noisiest_rules"][0]["pages"], 5);
  EXPECT_EQ(j["availability"][0]["host"], "db1");
  EXPECT_EQ(j["availability"][0]["availability_percent"], 99.498);
  EXPECT_EQ(j["availability"][1]["availability_percent"], 99.776);
  EXPECT_EQ(j["availability"][1]["down_s"], 5400.0);
  EXPECT_EQ(j["availability"][2]["availability_percent"], 100.0);
  EXPECT_TRUE(j["availability"][3]["availability_percent"].is_null());
  EXPECT_EQ(j["oncall_load"][1]["user"], "bob");
  EXPECT_EQ(j["oncall_load"][1]["weekend_pages"], 2);
  EXPECT_EQ(j["longest_incidents"][1]["title"], "<script>alert(1)</script>");
  // Stable: rendering twice gives the same text.
  EXPECT_EQ(*text, *RenderReport(ComputeReport(Input()), "json"));
}

TEST(ReportTest, RenderHtmlEscapes) {
  auto text = RenderReport(ComputeReport(Input()), "html");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, testing::StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(*text, testing::HasSubstr("</html>"));
  EXPECT_THAT(*text, testing::HasSubstr("<style>"));
  EXPECT_THAT(*text, testing::Not(testing::HasSubstr("<script")));
  EXPECT_THAT(*text, testing::HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(*text, testing::HasSubstr("Disk &quot;full&quot;, web2"));
  EXPECT_THAT(*text, testing::HasSubstr("<td>HighCPU</td><td class=\"n\">5</td>"));
  EXPECT_THAT(*text, testing::HasSubstr("<td>web1</td><td class=\"n\">99.776</td>"));
}

TEST(ReportTest, UnknownFormat) {
  auto text = RenderReport(ComputeReport(Input()), "xml");
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), testing::HasSubstr("xml"));
}

TEST(ReportTest, Empty) {
  ReportInput in;
  in.from_ms = kFrom;
  in.to_ms = kTo;
  const Report r = ComputeReport(in);
  EXPECT_EQ(r.totals.count, 0);
  EXPECT_FALSE(r.totals.durations.mtta_median.has_value());
  for (const char* format : {"table", "csv", "json", "html"}) {
    EXPECT_TRUE(RenderReport(r, format).ok()) << format;
  }
}

}  // namespace
}  // namespace vigie::daemon::incidents
