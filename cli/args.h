// vigiectl's command-line values that need more than CLI11's checks: RFC 3339
// times and days, silence matchers, the requests built from `silence add`'s,
// `incidents`', the incident actions', `incident open`'s, `oncall`'s and
// `report`'s flags, and the actor sent with every mutation. Pure functions (the current time and
// the environment are passed in), unit-tested without a daemon.
//
// Errors are InvalidArgument messages that name the flag (`--match "x": ...`),
// printed by vigiectl before it exits with its usage code (2).
//
// Thread-safety: stateless; all functions may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigie/v1/admin.pb.h"

namespace vigie::cli {

// "2026-11-29T10:00:00Z", "2026-11-29T11:00:00+01:00", with optional
// fractional seconds ("...:00.250Z"); a lowercase 't'/'z' or a space instead
// of 'T' is accepted too. Returns Unix milliseconds.
absl::StatusOr<int64_t> ParseRfc3339(std::string_view text);

// A day ("2026-10-01", its 00:00 UTC) or an RFC 3339 time as above; the
// error names the value. Returns Unix milliseconds.
absl::StatusOr<int64_t> ParseDateOrRfc3339(std::string_view text);

// One `--match` value (host=db1, alertname=~Disk.*, env!="prod") in the
// quoted form vigied stores (host="db1"); an error names the value.
absl::StatusOr<std::string> NormalizeSilenceMatcher(std::string_view text);

struct SilenceFlags {
  std::vector<std::string> matches;  // --match (at least one)
  std::string duration;              // --for, e.g. "2h"
  std::string start;                 // --start, RFC 3339; "" for now
  std::string comment;               // --comment (required)
};

// The AddSilence request for `silence add`: ends --for after --start, or
// after `now_ms` without --start (then starts_at_ms is 0: vigied's now); an
// error names the flag.
absl::StatusOr<vigie::v1::AddSilenceRequest> MakeSilenceRequest(const SilenceFlags& flags,
                                                                std::string_view actor,
                                                                int64_t now_ms);

struct IncidentListFlags {
  std::string from;        // --from, a day or RFC 3339; "" for no bound
  std::string to;          // --to (exclusive), same forms
  bool open_only = false;  // --open
  uint32_t limit = 0;      // --limit; 0 lets vigied choose
};

// The ListIncidents request for `incidents`; an error names the flag
// (--from, --to, or --to not after --from).
absl::StatusOr<vigie::v1::ListIncidentsRequest> MakeListIncidentsRequest(
    const IncidentListFlags& flags);

struct IncidentActionFlags {
  std::string comment;  // --comment, or `incident comment`'s TEXT
  std::string user;     // reassign --user
  std::string cause;    // resolve --cause
  std::string owner;    // resolve --owner
};

// The ActOnIncident request for `ack`, `unack`, `incident resolve|reassign|
// comment`; an error names the argument (ID not positive, --user missing to
// reassign, TEXT empty to comment).
absl::StatusOr<vigie::v1::IncidentActionRequest> MakeIncidentActionRequest(
    int64_t id, vigie::v1::IncidentActionRequest::Action action, const IncidentActionFlags& flags,
    std::string_view actor);

struct OpenIncidentFlags {
  std::string title;        // --title (required)
  std::string service;      // --service (required)
  std::string severity;     // --severity: critical, warning or info; "" for warning
  std::string reported_by;  // --reported-by (required)
};

// The OpenIncident request for `incident open`; an error names the flag
// (--title, --service, --reported-by missing, --severity unknown).
absl::StatusOr<vigie::v1::OpenIncidentRequest> MakeOpenIncidentRequest(
    const OpenIncidentFlags& flags, std::string_view actor);

// The WhoIsOnCall request for `oncall who`: `schedule` "" for every schedule,
// `at` (a day or RFC 3339) "" for now (at_ms 0: vigied's now); an error names --at.
absl::StatusOr<vigie::v1::WhoIsOnCallRequest> MakeWhoIsOnCallRequest(std::string_view schedule,
                                                                     std::string_view at);

// A required time range: --from and --to (exclusive), each a day or RFC 3339.
struct RangeFlags {
  std::string from;
  std::string to;
};

// The RenderSchedule request for `oncall show S`; an error names the
// argument (SCHEDULE empty, --from, --to missing or not after --from).
absl::StatusOr<vigie::v1::RenderScheduleRequest> MakeRenderScheduleRequest(
    std::string_view schedule, const RangeFlags& range);

struct OverrideFlags {
  std::string user;    // --user (required)
  RangeFlags range;    // --from, --to (required)
  std::string reason;  // --reason
};

// The AddOverride request for `oncall override S`; an error names the
// argument (SCHEDULE empty, --user missing, --from, --to).
absl::StatusOr<vigie::v1::AddOverrideRequest> MakeAddOverrideRequest(std::string_view schedule,
                                                                     const OverrideFlags& flags,
                                                                     std::string_view actor);

// The Report request for `report`: `format` is the global --output (table,
// csv, json or html); an error names --from, --to or --output.
absl::StatusOr<vigie::v1::IncidentReportRequest> MakeReportRequest(const RangeFlags& range,
                                                                   std::string_view format);

// Who is asking: "AUTHOR@HOSTNAME", AUTHOR being `author`, else `user` (from
// $USER), else "unknown"; just AUTHOR when `hostname` is empty.
std::string MakeActor(std::string_view author, std::string_view user, std::string_view hostname);

}  // namespace vigie::cli
