#include "daemon/routing/maintenance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/routing/test_util.h"

namespace vigie::daemon::routing {
namespace {

using testing::ConfigErrorCase;
using testing::ConfigErrorText;
using testing::ErrorText;
using ::testing::HasSubstr;
using testing::L;

constexpr int64_t kMin = 60'000;

// RFC 3339 -> ms; the tests state instants in UTC to make offsets visible.
int64_t T(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.value_or(0);
}

std::vector<MaintenanceWindow> ParseOk(const std::string& yaml) {
  ConfigErrors errors("vigied.yml");
  YAML::Node doc = LoadYamlString(yaml, errors);
  auto windows = ParseMaintenanceWindows(doc["maintenance_windows"], errors);
  EXPECT_TRUE(errors.empty()) << ErrorText(errors);
  return windows;
}

MaintenanceWindow Recurring(const std::string& zone, const std::string& every,
                            const std::string& at, const std::string& duration) {
  auto windows = ParseOk(
      "maintenance_windows:\n  - name: w\n    matchers: ['host=\"db1\"']\n"
      "    time_zone: " +
      zone + "\n    schedule:\n      every: " + every + "\n      at: \"" + at +
      "\"\n      duration: " + duration + "\n");
  EXPECT_EQ(windows.size(), 1u);
  return windows.at(0);
}

TEST(Rfc3339Test, ParsesOffsetsAndFractions) {
  EXPECT_EQ(T("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(T("2026-01-01T00:00:00Z"), 1'767'225'600'000);
  EXPECT_EQ(T("2026-03-29T03:00:00+02:00"), T("2026-03-29T01:00:00Z"));
  EXPECT_EQ(T("2026-03-29T00:00:00-05:30"), T("2026-03-29T05:30:00Z"));
  EXPECT_EQ(T("2026-03-29T01:00:00.25Z"), T("2026-03-29T01:00:00Z") + 250);
  EXPECT_EQ(FormatRfc3339(T("2026-03-29T03:00:00+02:00")), "2026-03-29T01:00:00Z");
  for (const char* bad : {"2026-03-29", "2026-03-29T01:00:00", "2026-02-30T01:00:00Z",
                          "2026-03-29T24:00:00Z", "2026-03-29T01:00:00+0200", "x"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

// Europe/Paris, 2026: CET (+01) -> CEST (+02) on Sunday March 29 at 02:00
// local; back to CET on Sunday October 25 at 03:00 local.
TEST(MaintenanceParisTest, WeeklySundayTwoHoursAcrossBothChanges) {
  MaintenanceWindow w = Recurring("Europe/Paris", "sunday", "02:00", "2h");
  // Winter: 02:00 CET = 01:00 UTC.
  EXPECT_EQ(w.NextStart(T("2026-03-20T12:00:00Z")), T("2026-03-22T01:00:00Z"));
  // Spring forward: 02:00 does not exist; the window starts at the first valid
  // local time after the gap, 03:00 CEST = 01:00 UTC, and lasts 2h.
  EXPECT_EQ(w.NextStart(T("2026-03-28T12:00:00Z")), T("2026-03-29T01:00:00Z"));
  EXPECT_FALSE(w.Active(T("2026-03-29T00:59:59Z")));
  EXPECT_TRUE(w.Active(T("2026-03-29T01:00:00Z")));
  EXPECT_TRUE(w.Active(T("2026-03-29T02:59:59Z")));
  EXPECT_FALSE(w.Active(T("2026-03-29T03:00:00Z")));
  // Summer: 02:00 CEST = 00:00 UTC.
  EXPECT_EQ(w.NextStart(T("2026-03-29T01:00:00Z")), T("2026-04-05T00:00:00Z"));
  EXPECT_TRUE(w.Active(T("2026-04-05T01:59:00Z")));
  EXPECT_FALSE(w.Active(T("2026-04-05T02:00:00Z")));
  // Fall back: 02:00 exists twice; the first (CEST, 00:00 UTC) is chosen and
  // the window lasts 2 hours of elapsed time (to 03:00 CET local).
  EXPECT_EQ(w.NextStart(T("2026-10-24T12:00:00Z")), T("2026-10-25T00:00:00Z"));
  EXPECT_TRUE(w.Active(T("2026-10-25T01:30:00Z")));  // 02:30 CET, second pass
  EXPECT_FALSE(w.Active(T("2026-10-25T02:00:00Z")));
  // Winter again: 01:00 UTC.
  EXPECT_EQ(w.NextStart(T("2026-10-25T00:00:00Z")), T("2026-11-01T01:00:00Z"));
  EXPECT_FALSE(w.Active(T("2026-10-28T01:30:00Z")));  // a Wednesday
}

TEST(MaintenanceParisTest, TimeInsideTheGapStartsWhenTheGapEnds) {
  MaintenanceWindow w = Recurring("Europe/Paris", "day", "02:30", "1h");
  EXPECT_EQ(w.NextStart(T("2026-03-27T12:00:00Z")), T("2026-03-28T01:30:00Z"));  // CET
  EXPECT_EQ(w.NextStart(T("2026-03-28T12:00:00Z")), T("2026-03-29T01:00:00Z"));  // 03:00 CEST
  EXPECT_EQ(w.Current(T("2026-03-29T01:10:00Z"))->end_ms, T("2026-03-29T02:00:00Z"));
  EXPECT_EQ(w.NextStart(T("2026-03-29T12:00:00Z")), T("2026-03-30T00:30:00Z"));  // CEST
  // Fall back: 02:30 CEST (00:30 UTC), not 02:30 CET.
  EXPECT_EQ(w.NextStart(T("2026-10-24T12:00:00Z")), T("2026-10-25T00:30:00Z"));
  EXPECT_FALSE(w.Active(T("2026-10-25T01:30:00Z")));
}

// America/New_York, 2026: EST (-05) -> EDT (-04) on Sunday March 8 at 02:00;
// back on Sunday November 1 at 02:00 EDT (01:00-02:00 happens twice).
TEST(MaintenanceNewYorkTest, SpringForwardAndFallBack) {
  MaintenanceWindow w = Recurring("America/New_York", "[sun]", "02:30", "1h");
  EXPECT_EQ(w.NextStart(T("2026-03-01T00:00:00Z")), T("2026-03-01T07:30:00Z"));  // EST
  EXPECT_EQ(w.NextStart(T("2026-03-07T12:00:00Z")), T("2026-03-08T07:00:00Z"));  // 03:00 EDT
  EXPECT_EQ(w.NextStart(T("2026-03-08T12:00:00Z")), T("2026-03-15T06:30:00Z"));  // 02:30 EDT

  MaintenanceWindow early = Recurring("America/New_York", "daily", "01:30", "30m");
  EXPECT_EQ(early.NextStart(T("2026-10-31T12:00:00Z")), T("2026-11-01T05:30:00Z"));  // EDT
  EXPECT_TRUE(early.Active(T("2026-11-01T05:45:00Z")));
  EXPECT_FALSE(early.Active(T("2026-11-01T06:45:00Z")));  // 01:45 EST, second pass
  EXPECT_EQ(early.NextStart(T("2026-11-01T05:30:00Z")), T("2026-11-02T06:30:00Z"));  // EST
}

TEST(MaintenanceTest, WindowSpanningMidnight) {
  MaintenanceWindow daily = Recurring("Europe/Paris", "day", "23:00", "3h");
  EXPECT_TRUE(daily.Active(T("2026-01-10T22:00:00Z")));   // 23:00 local
  EXPECT_TRUE(daily.Active(T("2026-01-11T00:30:00Z")));   // 01:30 local, next day
  EXPECT_FALSE(daily.Active(T("2026-01-11T01:00:00Z")));  // 02:00 local
  EXPECT_FALSE(daily.Active(T("2026-01-11T21:59:00Z")));

  // Friday 22:00 for 4h: still active early on Saturday, not on Sunday.
  MaintenanceWindow friday = Recurring("Europe/Paris", "friday", "22:00", "4h");
  EXPECT_TRUE(friday.Active(T("2026-01-10T00:59:00Z")));   // Sat 01:59 local
  EXPECT_FALSE(friday.Active(T("2026-01-10T01:00:00Z")));  // Sat 02:00 local
  EXPECT_FALSE(friday.Active(T("2026-01-11T00:00:00Z")));  // Sun 01:00 local
  EXPECT_EQ(friday.Current(T("2026-01-10T00:00:00Z"))->start_ms, T("2026-01-09T21:00:00Z"));
}

TEST(MaintenanceTest, SeveralDaysAndLongDurations) {
  MaintenanceWindow w = Recurring("UTC", "[mon, Wednesday]", "10:00", "30h");
  // 2026-01-05 is a Monday.
  EXPECT_TRUE(w.Active(T("2026-01-06T15:59:00Z")));
  EXPECT_FALSE(w.Active(T("2026-01-06T16:00:00Z")));
  EXPECT_EQ(w.NextStart(T("2026-01-06T16:00:00Z")), T("2026-01-07T10:00:00Z"));
}

TEST(MaintenanceTest, OneOffWindowAndMuter) {
  auto windows = ParseOk(R"(maintenance_windows:
  - name: db-migration
    matchers: ['host=~"db.*"']
    schedule:
      start: "2026-03-29T03:00:00+02:00"
      end: 2026-03-29T05:00:00+02:00
  - name: nightly
    matchers: ['job="backup"']
    time_zone: Europe/Paris
    schedule: {every: day, at: "01:00", duration: 1h}
)");
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].NextStart(T("2026-03-29T00:00:00Z")), T("2026-03-29T01:00:00Z"));
  EXPECT_EQ(windows[0].NextStart(T("2026-03-29T01:00:00Z")), std::nullopt);
  MaintenanceWindows muter(std::move(windows));
  const Labels db = L({{"alertname", "DiskFull"}, {"host", "db1"}});
  EXPECT_FALSE(muter.Mutes(db, T("2026-03-29T00:59:59Z")));
  EXPECT_TRUE(muter.Mutes(db, T("2026-03-29T01:00:00Z")));
  EXPECT_FALSE(muter.Mutes(L({{"host", "web1"}}), T("2026-03-29T01:00:00Z")));
  EXPECT_FALSE(muter.Mutes(db, T("2026-03-29T03:00:00Z")));
  auto reason = muter.Reason(db, T("2026-03-29T02:00:00Z"));
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->kind, MuteReason::Kind::kMaintenance);
  EXPECT_EQ(reason->id, "db-migration");
  EXPECT_EQ(reason->detail, "until 2026-03-29T03:00:00Z");
  EXPECT_TRUE(muter.Mutes(L({{"job", "backup"}}), T("2026-01-15T00:30:00Z")));
}

class MaintenanceConfigErrorTest : public ::testing::TestWithParam<ConfigErrorCase> {};

TEST_P(MaintenanceConfigErrorTest, ReportsFileAndLine) {
  EXPECT_THAT(ConfigErrorText(GetParam().yaml,
                              [](const YAML::Node& doc, ConfigErrors& errors) {
                                auto windows =
                                    ParseMaintenanceWindows(doc["maintenance_windows"], errors);
                                EXPECT_TRUE(windows.empty());
                              }),
              HasSubstr(GetParam().expected));
}

#define WINDOW "maintenance_windows:\n  - name: w\n    matchers: ['host=\"a\"']\n"

INSTANTIATE_TEST_SUITE_P(
    Errors, MaintenanceConfigErrorTest,
    ::testing::Values(
        ConfigErrorCase{WINDOW "    time_zone: Europe/Pariss\n"
                               "    schedule: {every: day, at: \"02:00\", duration: 1h}\n",
                        "vigied.yml:4: \"maintenance_windows[0].time_zone\": unknown time zone "
                        "\"Europe/Pariss\""},
        ConfigErrorCase{
            WINDOW "    schedule:\n      every: day\n      at: \"25:00\"\n"
                   "      duration: 1h\n",
            "vigied.yml:6: \"maintenance_windows[0].schedule.at\": invalid time \"25:00\""},
        ConfigErrorCase{WINDOW "    schedule:\n      every: [monday, funday]\n      at: \"02:00\"\n"
                               "      duration: 1h\n",
                        "vigied.yml:5: \"maintenance_windows[0].schedule.every\": invalid day "
                        "\"funday\""},
        ConfigErrorCase{
            WINDOW "    schedule:\n      every: sunday\n      at: \"02:00\"\n"
                   "      duration: 0s\n",
            "vigied.yml:7: \"maintenance_windows[0].schedule.duration\" must be greater "
            "than 0"},
        ConfigErrorCase{WINDOW "    schedule:\n      every: sunday\n      at: \"02:00\"\n"
                               "      duration: -1h\n",
                        "vigied.yml:7: \"maintenance_windows[0].schedule.duration\": "},
        ConfigErrorCase{
            WINDOW "    schedule:\n      start: 2026-03-29T05:00:00Z\n"
                   "      end: 2026-03-29T04:00:00Z\n",
            "vigied.yml:6: \"maintenance_windows[0].schedule.end\" must be after the start"},
        ConfigErrorCase{
            WINDOW "    schedule:\n      start: 2026-03-29 05:00\n"
                   "      end: 2026-03-29T06:00:00Z\n",
            "vigied.yml:5: \"maintenance_windows[0].schedule.start\": invalid RFC 3339"},
        ConfigErrorCase{
            WINDOW "    schedule:\n      start: 2026-03-29T05:00:00Z\n"
                   "      every: day\n",
            "vigied.yml:5: \"maintenance_windows[0].schedule\" needs either start and end"},
        ConfigErrorCase{WINDOW, "vigied.yml:2: \"maintenance_windows[0].schedule\" is required"},
        ConfigErrorCase{
            "maintenance_windows:\n  - name: w\n    matchers: ['host=~\".*\"']\n"
            "    schedule: {every: day, at: \"02:00\", duration: 1h}\n",
            "vigied.yml:3: \"maintenance_windows[0].matchers\": at least one matcher must "
            "not match the empty string"},
        ConfigErrorCase{"maintenance_windows:\n  - matchers: ['host=\"a\"']\n"
                        "    schedule: {every: day, at: \"02:00\", duration: 1h}\n",
                        "vigied.yml:2: \"maintenance_windows[0].name\" is required"}));

#undef WINDOW

}  // namespace
}  // namespace vigie::daemon::routing
