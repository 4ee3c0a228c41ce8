// Rendering of vigiectl's results: plain ASCII tables for people, RFC 4180 CSV
// and JSON for scripts. Everything here is a pure function of its arguments
// (the current time is passed in), so it is unit-tested without a daemon.
//
// Conventions shared by every command:
// - A Table's columns are snake_case keys: the CSV header uses them as they
//   are; the human table upper-cases them and turns '_' into ' '.
// - Times are Unix milliseconds; 0 means "never". Tables show them relative
//   ("12s ago"), CSV and JSON as RFC 3339 UTC ("2023-11-14T22:13:20Z").
// - Every rendering ends with a newline (an empty table renders its header).
//
// Thread-safety: stateless; all functions may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "vigie/v1/admin.pb.h"

namespace vigie::cli {

enum class OutputFormat { kTable, kCsv, kJson };

struct Table {
  std::vector<std::string> columns;            // snake_case keys
  std::vector<std::vector<std::string>> rows;  // each row has columns.size() cells
};

// Left-aligned columns, widths computed from the widest cell, two spaces
// between columns, no trailing spaces, header row first.
std::string RenderTable(const Table& table);
// RFC 4180: CRLF line ends; a field containing a comma, a double quote, CR or
// LF is quoted, with its double quotes doubled.
std::string RenderCsv(const Table& table);
std::string CsvField(std::string_view field);

// "never" (then_ms <= 0), "just now" (under a second, or in the future),
// "12s ago", "3m ago", "2h ago", "4d ago": the largest whole unit.
std::string FormatAgo(int64_t then_ms, int64_t now_ms);
// How long ago, without "ago" (the SINCE column): "-" (then_ms <= 0), "0s"
// (under a second, or in the future), "12s", "3m", "2h", "4d".
std::string FormatAge(int64_t then_ms, int64_t now_ms);
// Either way in time: "never" (0), "now" (within a second), "5m ago", "in 2h".
std::string FormatRelative(int64_t ms, int64_t now_ms);
// RFC 3339 UTC with second precision; "" for 0 (never).
std::string FormatRfc3339(int64_t ms);
// "2023-11-14 23:13:20" in the local time zone (TZ); "" for 0 (never).
std::string FormatLocalTime(int64_t ms);
// The time from `from_ms` to `to_ms` in whole seconds, as "3m12s", "45s",
// "1h2m5s"; "-" when either is 0 (it has not happened).
std::string FormatSpan(int64_t from_ms, int64_t to_ms);
// "k=v,k2=v2" in the given order.
std::string FormatLabels(const google::protobuf::RepeatedPtrField<vigie::v1::Label>& labels);
// "15.6 GiB".
std::string FormatGiB(uint64_t bytes);

// The whole standard output of each command.
// `hosts`: one row per host, sorted by name.
std::string RenderHosts(std::vector<vigie::v1::Host> hosts, OutputFormat format, int64_t now_ms);
// `host show NAME`: a "key: value" block; JSON is the Host message itself.
std::string RenderHostDetail(const vigie::v1::Host& host, OutputFormat format, int64_t now_ms);
// `inventory`: one row per host, sorted by name.
std::string RenderInventory(std::vector<vigie::v1::Host> hosts, OutputFormat format);
// `series`: each series as metric{labels} followed by its points
// "timestamp_ms value", a blank line between series. JSON:
// [{"labels": {...}, "points": [[ts, v], ...]}, ...].
std::string RenderSeries(const std::vector<vigie::v1::SeriesData>& series, OutputFormat format);
// `alerts`: firing, then pending, then resolved; by alert name, then labels.
// Table: STATE (with " (flapping)"), ALERT, HOST and SEVERITY (labels, "-"
// when absent), SINCE (since it fired, became pending or resolved), VALUE,
// MUTED ("silence:" and the id's first 8 digits, "maintenance:NAME",
// "inhibition:RULE", or "-"), SUMMARY (annotation). CSV has a FLAPPING
// column, full ids and RFC 3339 times; JSON every field of the Alert message.
std::string RenderAlerts(std::vector<vigie::v1::Alert> alerts, OutputFormat format, int64_t now_ms);
// `silence list`: in vigied's order (by start, then id); matchers space-separated.
std::string RenderSilences(const std::vector<vigie::v1::Silence>& silences, OutputFormat format,
                           int64_t now_ms);
// `silence add`: the new id on a line; JSON {"id": "..."}.
std::string RenderSilenceId(const std::string& id, OutputFormat format);
// `reload`: "reloaded FILE: N alerting rules, M receivers".
std::string RenderReload(const vigie::v1::ReloadResponse& reload, OutputFormat format);
// `audit`: newest first, as vigied sends it.
std::string RenderAudit(const std::vector<vigie::v1::AuditEntry>& entries, OutputFormat format,
                        int64_t now_ms);
// `incidents`: in vigied's order (newest first). Table: ID, STATE, SEVERITY,
// TITLE, HOST, OPENED (local time), ACK BY, TTA (time to acknowledge), TTR
// (time to resolve), "-" for what is empty or has not happened. CSV: opened
// in RFC 3339, tta_s and ttr_s in seconds ("" when not yet). JSON: every field
// of the Incident message, times as RFC 3339 UTC and _ms.
std::string RenderIncidents(const std::vector<vigie::v1::Incident>& incidents, OutputFormat format);
// `incident show ID`: the incident as a "key: value" block ("-" for what is
// empty), a blank line, then the timeline as a table (TIME in local time,
// KIND, ACTOR, DETAIL). JSON: {"incident": {...as RenderIncidents},
// "timeline": [{"at", "at_ms", "kind", "actor", "detail"}...]}. CSV is
// rendered as the table (vigiectl refuses it).
std::string RenderIncidentDetail(const vigie::v1::IncidentDetail& detail, OutputFormat format,
                                 int64_t now_ms);
// `ack`, `unack`, `incident resolve|reassign|comment`, after `request`:
// "incident 42 acknowledged" (unacknowledged, resolved, reassigned to USER,
// commented); JSON: the incident after the action, as RenderIncidents.
std::string RenderIncidentAction(const vigie::v1::IncidentActionRequest& request,
                                 const vigie::v1::Incident& incident, OutputFormat format);
// `incident open`: "incident 42 opened"; JSON: the incident, as RenderIncidents.
std::string RenderIncidentOpened(const vigie::v1::Incident& incident, OutputFormat format);

// `oncall who`: in vigied's order (one entry per schedule). Table: SCHEDULE,
// ON CALL ("-" in a gap), UNTIL (end of the shift in local time, "-" in a
// gap). CSV: schedule, on_call ("" in a gap), until (RFC 3339, "" in a gap).
// JSON: [{"schedule", "user" (null in a gap), "until", "until_ms"}].
std::string RenderOnCall(const std::vector<vigie::v1::OnCall>& on_call, OutputFormat format);
// `oncall show S`: the shifts in vigied's order. Table: USER, FROM, TO (local
// time), DURATION ("6d23h"), SOURCE ("layer:NAME" or "override:ID"). CSV:
// user, from, to (RFC 3339), duration_s, source. JSON: [{"user", "start",
// "start_ms", "end", "end_ms", "duration_s", "source"}].
std::string RenderShifts(const std::vector<vigie::v1::Shift>& shifts, OutputFormat format);
// `oncall overrides S`: in vigied's order. Table: ID, SCHEDULE, USER, FROM,
// TO (local time), REASON, CREATED BY ("-" for what is empty). CSV: the same
// columns with RFC 3339 times and created_at. JSON: every field of the
// Override message, times as RFC 3339 UTC and _ms.
std::string RenderOverrides(const std::vector<vigie::v1::Override>& overrides, OutputFormat format);
// `oncall override S`: the new id on a line; JSON {"id": "..."}.
std::string RenderOverrideId(const std::string& id, OutputFormat format);

// The line vigiectl prints for a failed call, without the trailing newline:
// "vigiectl: cannot reach vigied at SERVER: MESSAGE" when the daemon could not
// be reached in time (UNAVAILABLE, DEADLINE_EXCEEDED), else "vigiectl: MESSAGE".
std::string FormatError(const absl::Status& status, std::string_view server);

}  // namespace vigie::cli
