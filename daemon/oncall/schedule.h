// On-call organisation (astreintes): users, teams, schedules made of layers,
// holidays and run-time overrides, with PagerDuty-like semantics. Pure logic:
// time is always a parameter, in milliseconds since the Unix epoch.
//
// A schedule has an IANA time zone and a list of layers. Each layer rotates
// through its members: the first member's shift starts at the layer's `start`
// (a local date-time in the schedule's zone, which also fixes the hand-off
// time), and the next member takes over every `shift`.
//
// Hand-offs and daylight saving time (howardhinnant date, the system tzdb):
//   - a shift length that is a whole number of days (1d, 7d = 1w, 14d) follows
//     local days: hand-offs happen at the same local wall-clock time on both
//     sides of a DST change, so a weekly shift across the change lasts 167 h
//     (spring forward) or 169 h (fall back);
//   - any other length (12h, 8h, 36h) is elapsed time from the start;
//   - a local time that does not exist (spring forward, e.g. 02:30 in
//     Europe/Paris on 2026-03-29) moves to the first valid time after the gap
//     (03:00 local); a local time that exists twice (fall back) takes its
//     first occurrence (summer time) -- the rules of maintenance windows.
//   - a layer covers nothing before its start.
//
// Coverage: a layer covers a time only inside one of its restrictions, if it
// has any (a restriction is a local daily time range on some weekdays; `to`
// <= `from` spans midnight and belongs to the day it starts on), and, when
// `on_holidays` is false, not on holiday dates (whole local days in the
// schedule's zone). The rotation keeps turning behind restrictions: they only
// mask it, they never delay a hand-off.
//
// Merging: a later layer in the list overrides earlier layers wherever it
// covers. Overrides (added at run time) replace whoever is on call during
// [start_ms, end_ms); when overrides overlap, the latest created wins
// (created_at_ms, then position in the list). A time no layer and no override
// covers has nobody on call: it is a gap, and gaps are omitted from Render()'s
// result (the shifts are simply not contiguous there). Consecutive pieces of
// the same user are merged into one shift, whatever their sources.
//
// A swap is two overrides: when Alice and Bob swap Alice's shift [a1, a2) for
// Bob's [b1, b2), add {user: Bob, a1, a2} and {user: Alice, b1, b2}.
//
// Thread-safety: everything here is plain data and free functions; the tz
// database is read-only after first use.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config.h"
#include "yaml-cpp/yaml.h"

namespace vigie::daemon::oncall {

struct User {
  std::string name;
  std::string email;      // empty or contains '@'
  std::string phone;      // empty or "+33 6 12 34 56 78"-like
  std::string chat;       // free form: chat handle
  std::string time_zone;  // IANA name; empty: not set (use the schedule's)
};

struct Team {
  std::string name;
  std::vector<std::string> members;     // user names
  std::optional<std::string> receiver;  // a receiver name for the team's channel
};

// A local daily time range on some weekdays, in the schedule's zone.
struct Restriction {
  uint8_t days = 0x7f;  // bit d set for weekday d, 0 = Sunday ... 6 = Saturday
  int from_minute = 0;  // 0..1439, local
  int to_minute = 0;    // 0..1439, local; <= from_minute: ends the next day
};

// Shorter shifts make no sense for people, and would make a year's render huge.
inline constexpr std::chrono::milliseconds kMinShift = std::chrono::minutes(1);

struct Layer {
  std::string name;
  std::vector<std::string> members;  // user names, in rotation order
  // The first hand-off: local wall-clock time in the schedule's zone, as
  // milliseconds since 1970-01-01T00:00 *local* (see ParseLocalDateTime).
  int64_t start_local_ms = 0;
  std::chrono::milliseconds shift{0};     // >= kMinShift
  std::vector<Restriction> restrictions;  // empty: always
  bool on_holidays = true;
};

struct Schedule {
  std::string name;
  std::string time_zone = "UTC";
  std::vector<Layer> layers;  // lowest first; later layers override earlier ones
};

// Holiday dates, as days since 1970-01-01 (civil dates, no zone: each schedule
// reads them as local days in its own zone).
struct Holidays {
  std::set<int64_t> days;
  bool Contains(int64_t day) const { return days.contains(day); }
};

struct Override {
  std::string id;
  std::string schedule;  // overrides of other schedules are ignored by Render()
  std::string user;
  int64_t start_ms = 0;  // [start_ms, end_ms); ignored unless end_ms > start_ms
  int64_t end_ms = 0;
  std::string created_by;
  std::string reason;
  int64_t created_at_ms = 0;  // the latest created wins where overrides overlap
};

struct Shift {
  std::string user;
  int64_t start_ms = 0;  // [start_ms, end_ms)
  int64_t end_ms = 0;
  // "layer:<name>" or "override:<id>"; for a shift merged from several pieces,
  // the source of its first piece.
  std::string source;

  bool operator==(const Shift&) const = default;
};

// Checks what Render() relies on: a known time zone, layers with members and
// a shift >= kMinShift, restriction times within 00:00..23:59 and at least one day.
absl::Status ValidateSchedule(const Schedule& schedule);

// The final on-call shifts of `schedule` within [from_ms, to_ms), sorted and
// non-overlapping, clipped to the window; gaps are omitted. Layers merged as
// described above, then `overrides` (those whose `schedule` is this one).
// REQUIRES: ValidateSchedule(schedule) is OK (otherwise: no shifts).
std::vector<Shift> Render(const Schedule& schedule, const std::vector<Override>& overrides,
                          const Holidays& holidays, int64_t from_ms, int64_t to_ms);

// Who is on call at `at_ms`; nullopt in a gap.
std::optional<std::string> OnCallAt(const Schedule& schedule,
                                    const std::vector<Override>& overrides,
                                    const Holidays& holidays, int64_t at_ms);

// The first shift that starts strictly after `now_ms` (who takes over next, and
// when), looking up to about 5 years ahead; its end is exact unless it lasts
// beyond that horizon. nullopt when nobody is ever on call after now.
std::optional<Shift> NextHandoff(const Schedule& schedule, const std::vector<Override>& overrides,
                                 const Holidays& holidays, int64_t now_ms);

// "2026-01-05T09:00" (or with ":SS") -> local milliseconds since
// 1970-01-01T00:00 local.
absl::StatusOr<int64_t> ParseLocalDateTime(std::string_view text);
// "2026-03-29" -> days since 1970-01-01.
absl::StatusOr<int64_t> ParseDate(std::string_view text);

// The whole `oncall:` section.
struct OnCallConfig {
  std::map<std::string, User> users;
  std::map<std::string, Team> teams;
  std::map<std::string, Schedule> schedules;
  Holidays holidays;
  // Not parsed here: users[].contact_rules (by user name) and
  // oncall.escalation_policies, kept as raw nodes for their own parsers.
  std::map<std::string, YAML::Node> user_contact_rules;
  YAML::Node escalation_policies_node{YAML::NodeType::Undefined};
};

// Reads `oncall:`. Errors as `file:line: message`: unknown keys, missing or
// duplicate names, unknown users in layers and teams, empty member lists, bad
// time zones, dates, date-times, times of day and day names, shift < 1m, an
// email without '@' or a phone that is not a phone number. A schedule name
// must be usable in a URL path ([A-Za-z0-9_.-], not starting with '.').
// Team receivers are not checked here (receivers are not known here).
OnCallConfig ParseOnCall(const YAML::Node& oncall_node, ConfigErrors& errors);

}  // namespace vigie::daemon::oncall
