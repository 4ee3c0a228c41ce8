#include "daemon/oncall/schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/oncall/test_util.h"

namespace vigie::daemon::oncall {
namespace {

using std::chrono::hours;
using ::testing::ElementsAre;
using testing::kHourMs;
using testing::MakeLayer;
using testing::S;
using testing::Utc;

constexpr auto kWeek = hours(168);
constexpr auto kDay = hours(24);

Schedule OneLayer(const char* zone, Layer layer) {
  Schedule s;
  s.name = "primary";
  s.time_zone = zone;
  s.layers.push_back(std::move(layer));
  return s;
}

Restriction Weekdays(int from_minute, int to_minute) {
  Restriction r;
  r.days = 0b0111110;  // Monday..Friday
  r.from_minute = from_minute;
  r.to_minute = to_minute;
  return r;
}

// Europe/Paris, 2026: CET (+01) -> CEST (+02) on Sunday March 29 at 02:00
// local; back to CET on Sunday October 25 at 03:00 local. Weekly hand-offs on
// Mondays at 09:00 local stay at 09:00 local: 167 h across the first change,
// 169 h across the second.
TEST(RotationTest, WeeklyParisAcrossBothDstChanges) {
  const Schedule s = OneLayer(
      "Europe/Paris", MakeLayer("weekly", {"alice", "bob", "carol"}, "2026-01-05T09:00", kWeek));
  // 2026-01-05 + 11 weeks = Monday 2026-03-23: carol (11 % 3 == 2).
  auto spring = Render(s, {}, {}, Utc("2026-03-23T00:00"), Utc("2026-04-07T00:00"));
  EXPECT_THAT(spring,
              ElementsAre(S("bob", "2026-03-23T00:00", "2026-03-23T08:00", "layer:weekly"),
                          S("carol", "2026-03-23T08:00", "2026-03-30T07:00", "layer:weekly"),
                          S("alice", "2026-03-30T07:00", "2026-04-06T07:00", "layer:weekly"),
                          S("bob", "2026-04-06T07:00", "2026-04-07T00:00", "layer:weekly")));
  ASSERT_EQ(spring.size(), 4u);
  EXPECT_EQ(spring[1].end_ms - spring[1].start_ms, 167 * kHourMs);
  EXPECT_EQ(spring[2].end_ms - spring[2].start_ms, 168 * kHourMs);

  // Monday 2026-10-19 is week 41: carol again, 09:00 CEST = 07:00 UTC, until
  // 09:00 CET = 08:00 UTC on October 26.
  auto autumn = Render(s, {}, {}, Utc("2026-10-19T07:00"), Utc("2026-11-02T08:00"));
  EXPECT_THAT(autumn,
              ElementsAre(S("carol", "2026-10-19T07:00", "2026-10-26T08:00", "layer:weekly"),
                          S("alice", "2026-10-26T08:00", "2026-11-02T08:00", "layer:weekly")));
  ASSERT_EQ(autumn.size(), 2u);
  EXPECT_EQ(autumn[0].end_ms - autumn[0].start_ms, 169 * kHourMs);
}

// America/New_York, 2026: EST (-05) -> EDT (-04) on Sunday March 8 at 02:00;
// back on Sunday November 1 at 02:00 EDT.
TEST(RotationTest, WeeklyNewYorkAcrossBothDstChanges) {
  const Schedule s = OneLayer("America/New_York",
                              MakeLayer("weekly", {"dave", "erin"}, "2026-01-05T09:00", kWeek));
  // Monday 2026-03-02 is week 8 (dave): 09:00 EST = 14:00 UTC, then 09:00 EDT
  // = 13:00 UTC on March 9.
  auto spring = Render(s, {}, {}, Utc("2026-03-02T14:00"), Utc("2026-03-16T13:00"));
  EXPECT_THAT(spring,
              ElementsAre(S("dave", "2026-03-02T14:00", "2026-03-09T13:00", "layer:weekly"),
                          S("erin", "2026-03-09T13:00", "2026-03-16T13:00", "layer:weekly")));
  ASSERT_EQ(spring.size(), 2u);
  EXPECT_EQ(spring[0].end_ms - spring[0].start_ms, 167 * kHourMs);

  // Monday 2026-10-26 is week 42 (dave): 09:00 EDT = 13:00 UTC, then 09:00 EST
  // = 14:00 UTC on November 2.
  auto autumn = Render(s, {}, {}, Utc("2026-10-26T13:00"), Utc("2026-11-09T14:00"));
  EXPECT_THAT(autumn,
              ElementsAre(S("dave", "2026-10-26T13:00", "2026-11-02T14:00", "layer:weekly"),
                          S("erin", "2026-11-02T14:00", "2026-11-09T14:00", "layer:weekly")));
  ASSERT_EQ(autumn.size(), 2u);
  EXPECT_EQ(autumn[0].end_ms - autumn[0].start_ms, 169 * kHourMs);
}

// A daily hand-off at 02:30 local: on 2026-03-29 in Paris 02:30 does not
// exist, the hand-off happens at 03:00 CEST (01:00 UTC); the next day it is
// back at 02:30 (CEST).
TEST(RotationTest, DailyHandoffInTheSpringForwardGap) {
  const Schedule s =
      OneLayer("Europe/Paris", MakeLayer("daily", {"alice", "bob"}, "2026-03-27T02:30", kDay));
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-03-27T00:00"), Utc("2026-03-31T00:30")),
              ElementsAre(S("alice", "2026-03-27T01:30", "2026-03-28T01:30", "layer:daily"),
                          S("bob", "2026-03-28T01:30", "2026-03-29T01:00", "layer:daily"),
                          S("alice", "2026-03-29T01:00", "2026-03-30T00:30", "layer:daily"),
                          S("bob", "2026-03-30T00:30", "2026-03-31T00:30", "layer:daily")));
}

// On 2026-10-25 in Paris 02:30 exists twice: the hand-off takes the first
// (02:30 CEST = 00:30 UTC), so that day's shift lasts 25 hours.
TEST(RotationTest, DailyHandoffInTheFallBackRepeatedHour) {
  const Schedule s =
      OneLayer("Europe/Paris", MakeLayer("daily", {"alice", "bob"}, "2026-10-24T02:30", kDay));
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-10-24T00:30"), Utc("2026-10-27T01:30")),
              ElementsAre(S("alice", "2026-10-24T00:30", "2026-10-25T00:30", "layer:daily"),
                          S("bob", "2026-10-25T00:30", "2026-10-26T01:30", "layer:daily"),
                          S("alice", "2026-10-26T01:30", "2026-10-27T01:30", "layer:daily")));
}

// Lengths that are not whole days are elapsed time: 12 h from 08:00 CET on
// 2026-03-28 hands off at 07:00 and 19:00 UTC, i.e. 09:00 CEST after the change.
TEST(RotationTest, SubDayShiftsAreElapsedTime) {
  const Schedule s = OneLayer("Europe/Paris",
                              MakeLayer("halves", {"alice", "bob"}, "2026-03-28T08:00", hours(12)));
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-03-28T00:00"), Utc("2026-03-29T19:00")),
              ElementsAre(S("alice", "2026-03-28T07:00", "2026-03-28T19:00", "layer:halves"),
                          S("bob", "2026-03-28T19:00", "2026-03-29T07:00", "layer:halves"),
                          S("alice", "2026-03-29T07:00", "2026-03-29T19:00", "layer:halves")));
}

TEST(RotationTest, SingleMemberShiftsMergeAndNothingBeforeTheStart) {
  const Schedule s = OneLayer("UTC", MakeLayer("solo", {"alice"}, "2026-01-05T09:00", kDay));
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-01-01T00:00"), Utc("2026-01-10T00:00")),
              ElementsAre(S("alice", "2026-01-05T09:00", "2026-01-10T00:00", "layer:solo")));
  EXPECT_EQ(OnCallAt(s, {}, {}, Utc("2026-01-05T08:59")), std::nullopt);
  EXPECT_EQ(OnCallAt(s, {}, {}, Utc("2026-01-05T09:00")), "alice");
}

// Base: weekly 24/7 (alice, bob). Business: weekly (carol, dave), weekdays
// 08:00-18:00 only, over it. Both hand off on Mondays at 09:00 (UTC).
Schedule BaseAndBusiness() {
  Schedule s;
  s.name = "primary";
  s.time_zone = "UTC";
  s.layers.push_back(MakeLayer("base", {"alice", "bob"}, "2026-01-05T09:00", kWeek));
  Layer business = MakeLayer("business", {"carol", "dave"}, "2026-01-05T09:00", kWeek);
  business.restrictions.push_back(Weekdays(8 * 60, 18 * 60));
  s.layers.push_back(business);
  return s;
}

TEST(LayersTest, RestrictedLayerOverridesTheBaseDuringBusinessHours) {
  const Schedule s = BaseAndBusiness();
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-01-12T00:00"), Utc("2026-01-14T00:00")),
              ElementsAre(S("alice", "2026-01-12T00:00", "2026-01-12T08:00", "layer:base"),
                          S("carol", "2026-01-12T08:00", "2026-01-12T09:00", "layer:business"),
                          S("dave", "2026-01-12T09:00", "2026-01-12T18:00", "layer:business"),
                          S("bob", "2026-01-12T18:00", "2026-01-13T08:00", "layer:base"),
                          S("dave", "2026-01-13T08:00", "2026-01-13T18:00", "layer:business"),
                          S("bob", "2026-01-13T18:00", "2026-01-14T00:00", "layer:base")));
  // The weekend belongs to the base layer.
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-01-16T17:00"), Utc("2026-01-19T10:00")),
              ElementsAre(S("dave", "2026-01-16T17:00", "2026-01-16T18:00", "layer:business"),
                          S("bob", "2026-01-16T18:00", "2026-01-19T08:00", "layer:base"),
                          S("dave", "2026-01-19T08:00", "2026-01-19T09:00", "layer:business"),
                          S("carol", "2026-01-19T09:00", "2026-01-19T10:00", "layer:business")));
}

TEST(LayersTest, RestrictionSpanningMidnight) {
  Schedule s = OneLayer("UTC", MakeLayer("nights", {"alice"}, "2026-01-05T00:00", kWeek));
  Restriction nights;
  nights.days = 1u << 5;  // Friday night only
  nights.from_minute = 22 * 60;
  nights.to_minute = 6 * 60;
  s.layers[0].restrictions.push_back(nights);
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-01-05T00:00"), Utc("2026-01-12T00:00")),
              ElementsAre(S("alice", "2026-01-09T22:00", "2026-01-10T06:00", "layer:nights")));
}

TEST(LayersTest, GapWhenNoLayerCovers) {
  Schedule s = BaseAndBusiness();
  s.layers.erase(s.layers.begin());  // business hours only
  // Friday 17:00 -> Monday 10:00: two pieces and a gap (omitted) between.
  EXPECT_THAT(Render(s, {}, {}, Utc("2026-01-16T17:00"), Utc("2026-01-19T10:00")),
              ElementsAre(S("dave", "2026-01-16T17:00", "2026-01-16T18:00", "layer:business"),
                          S("dave", "2026-01-19T08:00", "2026-01-19T09:00", "layer:business"),
                          S("carol", "2026-01-19T09:00", "2026-01-19T10:00", "layer:business")));
  EXPECT_EQ(OnCallAt(s, {}, {}, Utc("2026-01-17T12:00")), std::nullopt);
  EXPECT_EQ(OnCallAt(s, {}, {}, Utc("2026-01-19T08:00")), "dave");
  // The hand-off message on Saturday: dave takes over on Monday at 08:00.
  EXPECT_EQ(NextHandoff(s, {}, {}, Utc("2026-01-17T12:00")),
            S("dave", "2026-01-19T08:00", "2026-01-19T09:00", "layer:business"));
}

// May 1st 2026 (a Friday) is a holiday: the business layer (on_holidays:
// false) steps aside for the whole local day and the base layer shows.
TEST(LayersTest, HolidaysFallBackToTheLowerLayer) {
  Schedule s;
  s.name = "primary";
  s.time_zone = "Europe/Paris";
  s.layers.push_back(MakeLayer("base", {"alice", "bob"}, "2026-01-05T09:00", kWeek));
  Layer business = MakeLayer("business", {"carol"}, "2026-01-05T09:00", kWeek);
  business.restrictions.push_back(Weekdays(8 * 60, 18 * 60));
  business.on_holidays = false;
  s.layers.push_back(business);
  Holidays holidays;
  holidays.days.insert(*ParseDate("2026-05-01"));
  // Local days Thursday April 30 and Friday May 1 (CEST, +02).
  const int64_t from = Utc("2026-04-29T22:00");
  const int64_t to = Utc("2026-05-01T22:00");
  EXPECT_THAT(Render(s, {}, holidays, from, to),
              ElementsAre(S("alice", "2026-04-29T22:00", "2026-04-30T06:00", "layer:base"),
                          S("carol", "2026-04-30T06:00", "2026-04-30T16:00", "layer:business"),
                          S("alice", "2026-04-30T16:00", "2026-05-01T22:00", "layer:base")));
  // on_holidays: true (the default) ignores the holiday.
  s.layers[1].on_holidays = true;
  EXPECT_THAT(Render(s, {}, holidays, from, to),
              ElementsAre(S("alice", "2026-04-29T22:00", "2026-04-30T06:00", "layer:base"),
                          S("carol", "2026-04-30T06:00", "2026-04-30T16:00", "layer:business"),
                          S("alice", "2026-04-30T16:00", "2026-05-01T06:00", "layer:base"),
                          S("carol", "2026-05-01T06:00", "2026-05-01T16:00", "layer:business"),
                          S("alice", "2026-05-01T16:00", "2026-05-01T22:00", "layer:base")));
}

Override MakeOverride(const char* id, const char* user, const char* start, const char* end,
                      int64_t created_at_ms, const char* schedule = "primary") {
  Override o;
  o.id = id;
  o.schedule = schedule;
  o.user = user;
  o.start_ms = Utc(start);
  o.end_ms = Utc(end);
  o.created_by = "admin";
  o.reason = "test";
  o.created_at_ms = created_at_ms;
  return o;
}

Schedule WeeklyUtc() {
  return OneLayer("UTC", MakeLayer("base", {"alice", "bob"}, "2026-01-05T09:00", kWeek));
}

// The hand-off alice -> bob is Monday 2026-01-12 at 09:00.
TEST(OverridesTest, OverrideAcrossAHandoffSplitsBothSides) {
  const auto o = MakeOverride("o1", "erin", "2026-01-12T06:00", "2026-01-12T12:00", 100);
  EXPECT_THAT(Render(WeeklyUtc(), {o}, {}, Utc("2026-01-12T00:00"), Utc("2026-01-12T18:00")),
              ElementsAre(S("alice", "2026-01-12T00:00", "2026-01-12T06:00", "layer:base"),
                          S("erin", "2026-01-12T06:00", "2026-01-12T12:00", "override:o1"),
                          S("bob", "2026-01-12T12:00", "2026-01-12T18:00", "layer:base")));
  EXPECT_EQ(OnCallAt(WeeklyUtc(), {o}, {}, Utc("2026-01-12T11:59")), "erin");
  // Overrides of another schedule do not apply.
  auto other = o;
  other.schedule = "secondary";
  EXPECT_EQ(OnCallAt(WeeklyUtc(), {other}, {}, Utc("2026-01-12T11:59")), "bob");
}

TEST(OverridesTest, LatestCreatedWinsWhereOverridesOverlap) {
  const auto erin = MakeOverride("o1", "erin", "2026-01-12T06:00", "2026-01-12T12:00", 100);
  const auto frank = MakeOverride("o2", "frank", "2026-01-12T10:00", "2026-01-12T14:00", 200);
  const int64_t from = Utc("2026-01-12T00:00");
  const int64_t to = Utc("2026-01-12T18:00");
  EXPECT_THAT(Render(WeeklyUtc(), {erin, frank}, {}, from, to),
              ElementsAre(S("alice", "2026-01-12T00:00", "2026-01-12T06:00", "layer:base"),
                          S("erin", "2026-01-12T06:00", "2026-01-12T10:00", "override:o1"),
                          S("frank", "2026-01-12T10:00", "2026-01-12T14:00", "override:o2"),
                          S("bob", "2026-01-12T14:00", "2026-01-12T18:00", "layer:base")));
  // Creation time decides, not the order of the list.
  auto older_frank = frank;
  older_frank.created_at_ms = 50;
  EXPECT_THAT(Render(WeeklyUtc(), {erin, older_frank}, {}, from, to),
              ElementsAre(S("alice", "2026-01-12T00:00", "2026-01-12T06:00", "layer:base"),
                          S("erin", "2026-01-12T06:00", "2026-01-12T12:00", "override:o1"),
                          S("frank", "2026-01-12T12:00", "2026-01-12T14:00", "override:o2"),
                          S("bob", "2026-01-12T14:00", "2026-01-12T18:00", "layer:base")));
}

TEST(OverridesTest, OverrideOfTheSameUserMergesAndCoversGaps) {
  Schedule s = BaseAndBusiness();
  s.layers.erase(s.layers.begin());
  // Saturday: nobody, unless someone takes it.
  const auto sat = MakeOverride("o1", "erin", "2026-01-17T00:00", "2026-01-18T00:00", 1);
  EXPECT_EQ(OnCallAt(s, {sat}, {}, Utc("2026-01-17T12:00")), "erin");
  // An override for the person already on call changes nothing visible.
  const auto same = MakeOverride("o2", "alice", "2026-01-12T09:00", "2026-01-12T12:00", 1);
  EXPECT_THAT(Render(WeeklyUtc(), {same}, {}, Utc("2026-01-12T00:00"), Utc("2026-01-12T18:00")),
              ElementsAre(S("alice", "2026-01-12T00:00", "2026-01-12T12:00", "layer:base"),
                          S("bob", "2026-01-12T12:00", "2026-01-12T18:00", "layer:base")));
}

// A swap: alice takes bob's week and bob takes alice's.
TEST(OverridesTest, SwapIsTwoOverrides) {
  const auto a = MakeOverride("s1", "bob", "2026-01-05T09:00", "2026-01-12T09:00", 1);
  const auto b = MakeOverride("s2", "alice", "2026-01-12T09:00", "2026-01-19T09:00", 1);
  EXPECT_THAT(Render(WeeklyUtc(), {a, b}, {}, Utc("2026-01-05T09:00"), Utc("2026-01-26T09:00")),
              ElementsAre(S("bob", "2026-01-05T09:00", "2026-01-12T09:00", "override:s1"),
                          S("alice", "2026-01-12T09:00", "2026-01-26T09:00", "override:s2")));
}

TEST(HandoffTest, NextHandoffIsTheNextShiftStart) {
  const Schedule s = OneLayer(
      "Europe/Paris", MakeLayer("weekly", {"alice", "bob", "carol"}, "2026-01-05T09:00", kWeek));
  EXPECT_EQ(NextHandoff(s, {}, {}, Utc("2026-03-25T12:00")),
            S("alice", "2026-03-30T07:00", "2026-04-06T07:00", "layer:weekly"));
  // Exactly at a hand-off: the next one.
  EXPECT_EQ(NextHandoff(s, {}, {}, Utc("2026-03-30T07:00")),
            S("bob", "2026-04-06T07:00", "2026-04-13T07:00", "layer:weekly"));
  // An override is a hand-off too.
  const auto o = MakeOverride("o1", "erin", "2026-03-26T00:00", "2026-03-27T00:00", 1);
  EXPECT_EQ(NextHandoff(s, {o}, {}, Utc("2026-03-25T12:00")),
            S("erin", "2026-03-26T00:00", "2026-03-27T00:00", "override:o1"));
  // One member, one endless shift: no hand-off.
  const Schedule solo = OneLayer("UTC", MakeLayer("solo", {"alice"}, "2026-01-05T09:00", kWeek));
  EXPECT_EQ(NextHandoff(solo, {}, {}, Utc("2026-03-25T12:00")), std::nullopt);
}

TEST(RenderTest, InvalidSchedulesRenderNothing) {
  Schedule s = WeeklyUtc();
  s.time_zone = "Nowhere/City";
  EXPECT_FALSE(ValidateSchedule(s).ok());
  EXPECT_TRUE(Render(s, {}, {}, Utc("2026-01-12T00:00"), Utc("2026-01-13T00:00")).empty());
  s = WeeklyUtc();
  s.layers[0].shift = hours(0);
  EXPECT_FALSE(ValidateSchedule(s).ok());
  s.layers[0].shift = std::chrono::seconds(59);
  EXPECT_FALSE(ValidateSchedule(s).ok());
  s = WeeklyUtc();
  s.layers[0].members.clear();
  EXPECT_FALSE(ValidateSchedule(s).ok());
  EXPECT_TRUE(ValidateSchedule(WeeklyUtc()).ok());
}

TEST(ParseTest, DatesAndLocalDateTimes) {
  EXPECT_EQ(*ParseDate("1970-01-02"), 1);
  EXPECT_EQ(*ParseLocalDateTime("1970-01-02T01:02"), 86'400'000 + 3'720'000);
  EXPECT_EQ(*ParseLocalDateTime("1970-01-02 01:02:03"), 86'400'000 + 3'723'000);
  for (const char* bad : {"2026-02-30", "2026-1-05", "26-01-05", "2026-01-05x"}) {
    EXPECT_FALSE(ParseDate(bad).ok()) << bad;
  }
  for (const char* bad : {"2026-01-05", "2026-01-05T24:00", "2026-01-05T09:00Z",
                          "2026-01-05T09:00+01:00", "2026-01-05T9:00"}) {
    EXPECT_FALSE(ParseLocalDateTime(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace vigie::daemon::oncall
