#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/oncall/schedule.h"
#include "tests/unit/oncall/test_util.h"

namespace vigie::daemon::oncall {
namespace {

using std::chrono::hours;
using ::testing::ElementsAre;
using testing::ErrorText;
using testing::Utc;

OnCallConfig Parse(const std::string& yaml, ConfigErrors& errors) {
  YAML::Node doc = LoadYamlString(yaml, errors);
  return ParseOnCall(doc["oncall"], errors);
}

constexpr const char* kValid = R"(oncall:
  users:
    - name: alice
      email: alice@example.com
      phone: "+33 6 12 34 56 78"
      chat: "@alice"
      time_zone: Europe/Paris
      contact_rules:
        - {channel: sms, delay: 0m}
    - name: bob
      email: bob@example.com
    - {name: carol}
  teams:
    - name: ops
      members: [alice, bob]
      receiver: ops-chat
    - name: db
      members: [carol]
  holidays: ["2026-05-01", "2026-12-25"]
  escalation_policies:
    - name: default
      steps: [{schedule: primary}]
  schedules:
    - name: primary
      time_zone: Europe/Paris
      layers:
        - name: weekly
          members: [alice, bob, carol]
          start: "2026-01-05T09:00"
          shift: 1w
        - name: business
          members: [carol]
          start: "2026-01-05T09:00"
          shift: 7d
          restrictions:
            - days: [mon, tue, wed, thu, friday]
              from: "08:00"
              to: "18:00"
            - {days: [sat], from: "22:00", to: "06:00"}
          on_holidays: false
    - name: halves.night-shift_2
      layers:
        - {name: l, members: [bob], start: "2026-01-05 20:00", shift: 12h}
)";

TEST(OnCallConfigTest, ParsesEverySection) {
  ConfigErrors errors("vigied.yml");
  const OnCallConfig cfg = Parse(kValid, errors);
  ASSERT_TRUE(errors.empty()) << ErrorText(errors);

  ASSERT_EQ(cfg.users.size(), 3u);
  const User& alice = cfg.users.at("alice");
  EXPECT_EQ(alice.email, "alice@example.com");
  EXPECT_EQ(alice.phone, "+33 6 12 34 56 78");
  EXPECT_EQ(alice.chat, "@alice");
  EXPECT_EQ(alice.time_zone, "Europe/Paris");
  EXPECT_EQ(cfg.users.at("carol").email, "");

  ASSERT_EQ(cfg.teams.size(), 2u);
  EXPECT_THAT(cfg.teams.at("ops").members, ElementsAre("alice", "bob"));
  EXPECT_EQ(cfg.teams.at("ops").receiver, "ops-chat");
  EXPECT_EQ(cfg.teams.at("db").receiver, std::nullopt);

  EXPECT_THAT(cfg.holidays.days, ElementsAre(*ParseDate("2026-05-01"), *ParseDate("2026-12-25")));

  // Raw sections for other parsers.
  ASSERT_EQ(cfg.user_contact_rules.size(), 1u);
  EXPECT_EQ(cfg.user_contact_rules.at("alice")[0]["channel"].as<std::string>(), "sms");
  ASSERT_TRUE(cfg.escalation_policies_node.IsSequence());
  EXPECT_EQ(cfg.escalation_policies_node[0]["name"].as<std::string>(), "default");

  ASSERT_EQ(cfg.schedules.size(), 2u);
  const Schedule& primary = cfg.schedules.at("primary");
  EXPECT_EQ(primary.time_zone, "Europe/Paris");
  ASSERT_EQ(primary.layers.size(), 2u);
  EXPECT_EQ(primary.layers[0].name, "weekly");
  EXPECT_EQ(primary.layers[0].shift, hours(168));
  EXPECT_EQ(primary.layers[0].start_local_ms, Utc("2026-01-05T09:00"));
  EXPECT_TRUE(primary.layers[0].on_holidays);
  EXPECT_TRUE(primary.layers[0].restrictions.empty());
  const Layer& business = primary.layers[1];
  EXPECT_EQ(business.shift, hours(168));
  EXPECT_FALSE(business.on_holidays);
  ASSERT_EQ(business.restrictions.size(), 2u);
  EXPECT_EQ(business.restrictions[0].days, 0b0111110);
  EXPECT_EQ(business.restrictions[0].from_minute, 8 * 60);
  EXPECT_EQ(business.restrictions[0].to_minute, 18 * 60);
  EXPECT_EQ(business.restrictions[1].days, 0b1000000);
  EXPECT_EQ(business.restrictions[1].from_minute, 22 * 60);
  EXPECT_EQ(business.restrictions[1].to_minute, 6 * 60);

  const Schedule& halves = cfg.schedules.at("halves.night-shift_2");
  EXPECT_EQ(halves.time_zone, "UTC");
  EXPECT_EQ(halves.layers[0].shift, hours(12));
  EXPECT_TRUE(ValidateSchedule(halves).ok());

  // The parsed schedule renders: Monday 2026-01-12 09:00 CET, bob takes over.
  EXPECT_EQ(OnCallAt(primary, {}, cfg.holidays, Utc("2026-01-12T07:59")), "carol");
  EXPECT_EQ(OnCallAt(primary, {}, cfg.holidays, Utc("2026-01-12T17:00")), "bob");
}

TEST(OnCallConfigTest, AbsentOrEmptySection) {
  ConfigErrors errors("vigied.yml");
  EXPECT_TRUE(Parse("other: 1\n", errors).schedules.empty());
  EXPECT_TRUE(Parse("oncall:\n", errors).users.empty());
  EXPECT_TRUE(errors.empty()) << ErrorText(errors);
}

// Every error, at its line, all at once.
TEST(OnCallConfigTest, ErrorsNameFileAndLine) {
  constexpr const char* kBad = R"(oncall:
  users:
    - name: alice
      email: alice.example.com
      phone: "+33 6 12 34 56 78"
    - name: alice
    - name: bob
      phone: call-me
      time_zone: Mars/Olympus
      pager: 123
    - email: nobody@example.com
  teams:
    - name: ops
      members: [alice, zed]
    - name: empty
      members: []
  holidays: ["2026-05-01", "2026-02-30"]
  schedules:
    - name: primary
      time_zone: Europe/Pariss
      layers:
        - name: weekly
          members: [alice, nobody]
          start: "2026-01-05 9h"
          shift: 0
          restrictions:
            - days: [mon, funday]
              from: "25:00"
              to: "18:00"
        - name: weekly
          members: [bob]
          start: "2026-01-05T09:00"
          shift: 1x
    - name: primary
      layers: []
    - name: "bad/name"
      layers:
        - {name: l, members: [], start: "2026-01-05T09:00"}
  escalaton_policies: []
)";
  ConfigErrors errors("vigied.yml");
  const OnCallConfig cfg = Parse(kBad, errors);
  EXPECT_EQ(
      ErrorText(errors),
      "vigied.yml:39: unknown key \"oncall.escalaton_policies\"\n"
      "vigied.yml:4: \"oncall.users[0].email\": invalid email address \"alice.example.com\" "
      "(expected name@domain)\n"
      "vigied.yml:6: duplicate user name \"alice\"\n"
      "vigied.yml:10: unknown key \"oncall.users[2].pager\"\n"
      "vigied.yml:8: \"oncall.users[2].phone\": invalid phone number \"call-me\" (digits, "
      "spaces, - . ( ) and a leading +, e.g. +33 6 12 34 56 78)\n"
      "vigied.yml:9: \"oncall.users[2].time_zone\": unknown time zone \"Mars/Olympus\" (IANA "
      "name, e.g. Europe/Paris)\n"
      "vigied.yml:11: \"oncall.users[3].name\" is required\n"
      "vigied.yml:14: \"oncall.teams[0].members\": unknown user \"zed\"\n"
      "vigied.yml:16: \"oncall.teams[1].members\" needs at least one user\n"
      "vigied.yml:17: \"oncall.holidays[1]\": invalid date \"2026-02-30\" (expected YYYY-MM-DD, "
      "e.g. 2026-12-25)\n"
      "vigied.yml:20: \"oncall.schedules[0].time_zone\": unknown time zone \"Europe/Pariss\" "
      "(IANA name, e.g. Europe/Paris)\n"
      "vigied.yml:23: \"oncall.schedules[0].layers[0].members\": unknown user \"nobody\"\n"
      "vigied.yml:24: \"oncall.schedules[0].layers[0].start\": invalid local date-time "
      "\"2026-01-05 9h\" (expected YYYY-MM-DDTHH:MM, without offset, e.g. 2026-01-05T09:00)\n"
      "vigied.yml:25: \"oncall.schedules[0].layers[0].shift\" must be at least 1m, not 0\n"
      "vigied.yml:27: \"oncall.schedules[0].layers[0].restrictions[0].days\": invalid day "
      "\"funday\" (mon..sun or monday..sunday)\n"
      "vigied.yml:28: \"oncall.schedules[0].layers[0].restrictions[0].from\": invalid time "
      "\"25:00\" (expected HH:MM, 00:00..23:59)\n"
      "vigied.yml:33: \"oncall.schedules[0].layers[1].shift\": invalid duration \"1x\" "
      "(expected e.g. 500ms, 15s, 1h30m)\n"
      "vigied.yml:30: duplicate layer name \"weekly\"\n"
      "vigied.yml:34: duplicate schedule name \"primary\"\n"
      "vigied.yml:35: \"oncall.schedules[1].layers\" needs at least one layer\n"
      "vigied.yml:36: \"oncall.schedules[2].name\": invalid schedule name \"bad/name\" "
      "(letters, digits, _ - and ., for URLs)\n"
      "vigied.yml:38: \"oncall.schedules[2].layers[0].members\" needs at least one user\n"
      "vigied.yml:38: \"oncall.schedules[2].layers[0].shift\" is required (e.g. 1w, 1d, 12h)");
  // Nothing invalid is kept.
  EXPECT_TRUE(cfg.schedules.empty());
  EXPECT_FALSE(cfg.teams.contains("ops"));
}

TEST(OnCallConfigTest, ShapeErrors) {
  ConfigErrors errors("vigied.yml");
  Parse(
      "oncall:\n  users: {alice: 1}\n  schedules:\n    - name: s\n      layers:\n"
      "        - {name: l, members: alice, start: \"2026-01-05T09:00\", shift: 1d,\n"
      "           on_holidays: maybe}\n",
      errors);
  EXPECT_EQ(ErrorText(errors),
            "vigied.yml:2: \"oncall.users\" must be a list\n"
            "vigied.yml:6: \"oncall.schedules[0].layers[0].members\" must be a list\n"
            "vigied.yml:7: \"oncall.schedules[0].layers[0].on_holidays\" must be true or false, "
            "not \"maybe\"");
}

}  // namespace
}  // namespace vigie::daemon::oncall
