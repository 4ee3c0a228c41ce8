// The non-quality report: what the incidents of a period cost, as figures
// (counts, time to acknowledge and to resolve, per cause, team, owner, host
// and rule), host availability and on-call load per person. Pure logic: the
// caller reads the period's incidents and timelines from the store and passes
// them in with the configuration; nothing here reads a clock.
//
// Definitions (docs/oncall.md, "Non-quality report"):
//   - time to acknowledge (TTA) = acked_ms - opened_ms, for incidents with
//     acked_ms != 0; time to resolve (TTR) = resolved_ms - opened_ms, for
//     incidents with resolved_ms != 0 (negative differences count as 0);
//   - median: the middle value of the sorted samples, the mean of the two
//     middle ones (rounded down to the millisecond) for an even count;
//   - p90: nearest rank: the sorted sample of rank ceil(0.9 * n) (1-based);
//   - no sample: no figure (std::nullopt; "-" in tables, empty in CSV, null in
//     JSON).
//
// Thread-safety: plain data and free functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/oncall/schedule.h"
#include "daemon/routing/maintenance.h"
#include "daemon/store/store.h"

namespace vigie::daemon::incidents {

struct ReportInput {
  int64_t from_ms = 0;  // the period, [from_ms, to_ms)
  int64_t to_ms = 0;
  std::vector<IncidentRecord> incidents;  // the incidents opened in the period
  std::vector<TimelineRecord> timelines;  // their timeline lines (any order)
  std::map<std::string, oncall::User> users;
  // Zone of users without one (and of users whose zone is unknown to the tz
  // database; "UTC" when this one is unknown too).
  std::string default_time_zone = "UTC";
  std::vector<routing::MaintenanceWindow> maintenance;
  // host -> [first_seen_ms, last_seen_ms or now_ms]
  std::map<std::string, std::pair<int64_t, int64_t>> hosts_monitored;
  std::string host_down_rule = "HostDown";
  int64_t now_ms = 0;
};

// Time to acknowledge and to resolve of a set of incidents, in milliseconds.
struct Durations {
  std::optional<int64_t> mtta_median;
  std::optional<int64_t> mtta_p90;
  std::optional<int64_t> mttr_median;
  std::optional<int64_t> mttr_p90;
};

struct Totals {
  int64_t count = 0;
  int64_t acknowledged = 0;  // acked_ms != 0
  int64_t resolved = 0;      // resolved_ms != 0
  Durations durations;
};

struct BreakdownRow {
  std::string key;
  int64_t count = 0;
  Durations durations;
};

struct RuleNoise {
  std::string rule;
  int64_t incidents = 0;
  int64_t pages = 0;  // "paged" timeline lines of those incidents (people and channels)
};

struct HostAvailability {
  std::string host;
  int64_t monitored_ms = 0;    // [from, to) ∩ [first_seen, last_seen], minus maintenance
  int64_t maintenance_ms = 0;  // maintenance of the host inside [from, to) ∩ [first, last]
  int64_t down_ms = 0;         // host-down incidents, inside the monitored time
  int64_t incidents = 0;       // host-down incidents of the host
  // 100 * (1 - down / monitored); nullopt when monitored_ms == 0.
  std::optional<double> availability_percent;
};

struct PersonLoad {
  std::string user;
  std::string time_zone;  // the zone used for night and weekend
  int64_t pages = 0;
  int64_t night_pages = 0;    // local time in [22:00, 07:00)
  int64_t weekend_pages = 0;  // local Saturday or Sunday
  int64_t acknowledgements = 0;
};

// An incident of the period that stayed open longest.
struct LongIncident {
  int64_t id = 0;
  std::string title;
  std::string rule;
  std::string host;
  int64_t opened_ms = 0;
  int64_t duration_ms = 0;  // resolved_ms (or now_ms while open) - opened_ms
  bool open = false;
};

struct Report {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  Totals totals;
  // Sorted by count (descending), then key.
  std::vector<BreakdownRow> by_cause;          // "" -> "unrecorded"
  std::vector<BreakdownRow> by_team;           // the `team` label, "-" when none
  std::vector<BreakdownRow> by_owner;          // "internal" or a provider, "" -> "unrecorded"
  std::vector<BreakdownRow> by_host;           // "" -> "-"
  std::vector<BreakdownRow> by_rule;           // "" -> "-"
  std::vector<RuleNoise> noisiest_rules;       // top 10 by incidents, then pages, then rule
  std::vector<HostAvailability> availability;  // every monitored host, by availability, then host
  std::vector<PersonLoad> oncall_load;         // every user, by pages (desc), then name
  std::vector<LongIncident> longest;           // top 10 by duration (desc), then id
};

inline constexpr size_t kReportTopN = 10;

Report ComputeReport(const ReportInput& input);

// "table" (plain text), "csv" (one document, `section` first column), "json",
// "html" (one self-contained page). Another format: InvalidArgument.
absl::StatusOr<std::string> RenderReport(const Report& report, std::string_view format);

// 192000 -> "3m12s", 3900000 -> "1h05m", 90000000 -> "1d01h", 800 -> "0.8s".
std::string FormatReportDuration(int64_t ms);

}  // namespace vigie::daemon::incidents
