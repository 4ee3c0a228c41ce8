// Maintenance windows: planned, configured mutes. A window has label matchers,
// an IANA time zone and a schedule, either one-off (start and end instants) or
// recurring (daily, or weekly on some days, at a local wall-clock time, for a
// duration). While a window is active, the alerts its matchers match are
// recorded but not notified.
//
// Local times and daylight saving time (howardhinnant date, the system tzdb):
//   - a recurring window starts at its local time `at` on each selected day
//     and lasts `duration` of elapsed time (a 2h window across a DST change
//     still lasts 2 hours; its local end time shifts by the change);
//   - when `at` does not exist that day (spring forward, e.g. 02:30 in
//     Europe/Paris on the last Sunday of March), the window starts at the
//     first valid local time after the gap (03:00 local), as cron does;
//   - when `at` exists twice (fall back, e.g. 02:30 on the last Sunday of
//     October), the window starts at the first occurrence (02:30 summer time).
//   - a window may span midnight (at 23:00 for 4h) and may last longer than a
//     day; occurrences then overlap and the window is simply active.
// One-off windows are instants (RFC 3339 with an offset); the zone is unused.
//
// Time is always a parameter, in milliseconds since the Unix epoch.
// Thread-safety: a MaintenanceWindow is immutable after Make() and may be
// shared; MaintenanceWindows is immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "common/matcher.h"
#include "daemon/routing/muter.h"
#include "yaml-cpp/yaml.h"

namespace date {
class time_zone;
}  // namespace date

namespace vigie::daemon::routing {

struct MaintenanceSchedule {
  enum class Kind { kOnce, kDaily, kWeekly };
  Kind kind = Kind::kOnce;
  // kOnce: [start_ms, end_ms).
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  // kDaily and kWeekly: local start time and elapsed duration.
  int minute_of_day = 0;  // 0..1439
  std::chrono::milliseconds duration{0};
  // kWeekly: bit d set for weekday d, 0 = Sunday ... 6 = Saturday.
  uint8_t weekdays = 0;
};

// A half-open interval [start_ms, end_ms).
struct Interval {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

class MaintenanceWindow {
 public:
  // Fails (InvalidArgument) on an unknown time zone, an empty name, a
  // schedule with duration <= 0, end <= start, minute_of_day out of range, or
  // weekly without days.
  static absl::StatusOr<MaintenanceWindow> Make(std::string name, std::vector<Matcher> matchers,
                                                std::string time_zone,
                                                MaintenanceSchedule schedule);

  // True when an occurrence contains `now_ms`.
  bool Active(int64_t now_ms) const { return Current(now_ms).has_value(); }
  // The occurrence containing `now_ms` (the one that started last, if several).
  std::optional<Interval> Current(int64_t now_ms) const;
  // The first start strictly after `now_ms`; nullopt when none (a past one-off).
  std::optional<int64_t> NextStart(int64_t now_ms) const;

  const std::string& name() const { return name_; }
  const std::vector<Matcher>& matchers() const { return matchers_; }
  const std::string& time_zone() const { return time_zone_; }
  const MaintenanceSchedule& schedule() const { return schedule_; }

 private:
  MaintenanceWindow() = default;
  // Start of the occurrence on local day `local_day` (days since 1970-01-01),
  // or nullopt when the schedule skips that day.
  std::optional<int64_t> StartOnDay(int64_t local_day) const;
  int64_t LocalDay(int64_t now_ms) const;

  std::string name_;
  std::vector<Matcher> matchers_;
  std::string time_zone_;
  const date::time_zone* zone_ = nullptr;  // owned by the tz database
  MaintenanceSchedule schedule_;
};

// All configured windows, as one Muter: an alert is muted while any active
// window's matchers all match it.
class MaintenanceWindows final : public Muter {
 public:
  explicit MaintenanceWindows(std::vector<MaintenanceWindow> windows)
      : windows_(std::move(windows)) {}

  bool Mutes(const Labels& alert_labels, int64_t now_ms) const override;
  // id: the window's name; detail: "until <RFC 3339 end>".
  std::optional<MuteReason> Reason(const Labels& alert_labels, int64_t now_ms) const override;

  const std::vector<MaintenanceWindow>& windows() const { return windows_; }

 private:
  const MaintenanceWindow* FindActive(const Labels& alert_labels, int64_t now_ms) const;

  std::vector<MaintenanceWindow> windows_;  // constant after construction
};

// "2026-03-29T01:00:00Z", "2026-03-29T03:00:00.5+02:00" -> ms since the epoch.
absl::StatusOr<int64_t> ParseRfc3339(std::string_view text);
// UTC, second precision: "2026-03-29T01:00:00Z".
std::string FormatRfc3339(int64_t ms);

// Reads the `maintenance_windows:` section (a list). Errors as
// `file:line: message`: unknown keys, missing or duplicate name, no matchers
// or only matchers that match everything, bad time zone, bad `at` time, bad
// day, duration <= 0, bad RFC 3339 instants, end not after start, a schedule
// mixing one-off and recurring keys.
std::vector<MaintenanceWindow> ParseMaintenanceWindows(const YAML::Node& node,
                                                       ConfigErrors& errors);

}  // namespace vigie::daemon::routing
