#include "cli/args.h"

#include <cctype>
#include <chrono>
#include <optional>
#include <utility>

#include "common/matcher.h"
#include "common/strings.h"
#include "common/units.h"

namespace vigie::cli {
namespace {

// Reads exactly `n` decimal digits at `pos`.
std::optional<int> Digits(std::string_view text, size_t& pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool Expect(std::string_view text, size_t& pos, std::string_view any_of) {
  if (pos >= text.size() || any_of.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

}  // namespace

absl::StatusOr<int64_t> ParseRfc3339(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        StrCat("invalid time \"", text, "\": expected RFC 3339, e.g. 2026-11-29T10:00:00Z"));
  };
  size_t pos = 0;
  std::optional<int> y = Digits(text, pos, 4);
  if (!y || !Expect(text, pos, "-")) return bad();
  std::optional<int> mo = Digits(text, pos, 2);
  if (!mo || !Expect(text, pos, "-")) return bad();
  std::optional<int> d = Digits(text, pos, 2);
  if (!d || !Expect(text, pos, "Tt ")) return bad();
  std::optional<int> h = Digits(text, pos, 2);
  if (!h || !Expect(text, pos, ":")) return bad();
  std::optional<int> mi = Digits(text, pos, 2);
  if (!mi || !Expect(text, pos, ":")) return bad();
  std::optional<int> s = Digits(text, pos, 2);
  if (!s) return bad();
  int64_t frac_ms = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100;
    const size_t first = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      frac_ms += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) return bad();
  }
  int offset_min = 0;
  if (Expect(text, pos, "Zz")) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    std::optional<int> oh = Digits(text, pos, 2);
    if (!oh || !Expect(text, pos, ":")) return bad();
    std::optional<int> om = Digits(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return bad();
    offset_min = sign * (*oh * 60 + *om);
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  using namespace std::chrono;
  const year_month_day ymd{year(*y), month(static_cast<unsigned>(*mo)),
                           day(static_cast<unsigned>(*d))};
  if (!ymd.ok() || *h > 23 || *mi > 59 || *s > 60) return bad();  // 60: leap second
  const sys_days days_since_epoch{ymd};
  const int64_t seconds_total =
      duration_cast<seconds>(days_since_epoch.time_since_epoch()).count() + *h * 3600 + *mi * 60 +
      *s - offset_min * 60;
  return seconds_total * 1000 + frac_ms;
}

absl::StatusOr<int64_t> ParseDateOrRfc3339(std::string_view text) {
  absl::StatusOr<int64_t> t =
      text.size() == 10 ? ParseRfc3339(StrCat(text, "T00:00:00Z")) : ParseRfc3339(text);
  if (t.ok()) return t;
  return absl::InvalidArgumentError(StrCat("invalid time \"", text,
                                           "\": expected a day (2026-10-01, from 00:00 UTC) "
                                           "or RFC 3339 (2026-11-29T10:00:00Z)"));
}

absl::StatusOr<std::string> NormalizeSilenceMatcher(std::string_view text) {
  absl::StatusOr<Matcher> m = Matcher::Parse(text);
  if (!m.ok()) return m.status();
  return m->ToString();
}

absl::StatusOr<vigie::v1::AddSilenceRequest> MakeSilenceRequest(const SilenceFlags& flags,
                                                                std::string_view actor,
                                                                int64_t now_ms) {
  vigie::v1::AddSilenceRequest request;
  if (flags.matches.empty()) return absl::InvalidArgumentError("--match is required");
  for (const std::string& text : flags.matches) {
    absl::StatusOr<std::string> m = NormalizeSilenceMatcher(text);
    if (!m.ok()) {
      return absl::InvalidArgumentError(StrCat("--match: ", StatusMessage(m.status())));
    }
    request.add_matchers(*m);
  }
  absl::StatusOr<std::chrono::milliseconds> d = ParseDuration(flags.duration);
  if (!d.ok()) return absl::InvalidArgumentError(StrCat("--for: ", StatusMessage(d.status())));
  if (d->count() <= 0) {
    return absl::InvalidArgumentError(
        StrCat("--for: \"", flags.duration, "\" must be more than 0"));
  }
  int64_t start_ms = now_ms;
  if (!flags.start.empty()) {
    absl::StatusOr<int64_t> start = ParseRfc3339(flags.start);
    if (!start.ok()) {
      return absl::InvalidArgumentError(StrCat("--start: ", StatusMessage(start.status())));
    }
    start_ms = *start;
  }
  if (flags.comment.empty()) return absl::InvalidArgumentError("--comment is required");
  request.set_starts_at_ms(flags.start.empty() ? 0 : start_ms);  // 0: vigied's now
  request.set_ends_at_ms(start_ms + d->count());
  request.set_comment(flags.comment);
  request.set_actor(std::string(actor));
  return request;
}

namespace {

// `text` as a day or RFC 3339 time; the error names `flag`.
absl::StatusOr<int64_t> ParseTimeFlag(std::string_view flag, std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError(StrCat(flag, " is required"));
  absl::StatusOr<int64_t> t = ParseDateOrRfc3339(text);
  if (!t.ok()) return absl::InvalidArgumentError(StrCat(flag, ": ", StatusMessage(t.status())));
  return t;
}

// [from, to) in Unix milliseconds, both required, to after from.
absl::StatusOr<std::pair<int64_t, int64_t>> ParseRange(const RangeFlags& range) {
  absl::StatusOr<int64_t> from = ParseTimeFlag("--from", range.from);
  if (!from.ok()) return from.status();
  absl::StatusOr<int64_t> to = ParseTimeFlag("--to", range.to);
  if (!to.ok()) return to.status();
  if (*to <= *from) {
    return absl::InvalidArgumentError(
        StrCat("--to: \"", range.to, "\" must be after --from \"", range.from, "\""));
  }
  return std::pair<int64_t, int64_t>{*from, *to};
}

}  // namespace

absl::StatusOr<vigie::v1::ListIncidentsRequest> MakeListIncidentsRequest(
    const IncidentListFlags& flags) {
  vigie::v1::ListIncidentsRequest request;
  if (!flags.from.empty()) {
    absl::StatusOr<int64_t> from = ParseDateOrRfc3339(flags.from);
    if (!from.ok()) {
      return absl::InvalidArgumentError(StrCat("--from: ", StatusMessage(from.status())));
    }
    request.set_from_ms(*from);
  }
  if (!flags.to.empty()) {
    absl::StatusOr<int64_t> to = ParseDateOrRfc3339(flags.to);
    if (!to.ok()) return absl::InvalidArgumentError(StrCat("--to: ", StatusMessage(to.status())));
    if (*to <= request.from_ms()) {
      return absl::InvalidArgumentError(
          StrCat("--to: \"", flags.to, "\" must be after --from \"", flags.from, "\""));
    }
    request.set_to_ms(*to);
  }
  request.set_open_only(flags.open_only);
  request.set_limit(flags.limit);
  return request;
}

absl::StatusOr<vigie::v1::IncidentActionRequest> MakeIncidentActionRequest(
    int64_t id, vigie::v1::IncidentActionRequest::Action action, const IncidentActionFlags& flags,
    std::string_view actor) {
  using V1 = vigie::v1::IncidentActionRequest;
  if (id <= 0) return absl::InvalidArgumentError(StrCat("ID: ", id, " is not an incident id"));
  if (action == V1::REASSIGN && flags.user.empty()) {
    return absl::InvalidArgumentError("--user is required");
  }
  if (action == V1::COMMENT && flags.comment.empty()) {
    return absl::InvalidArgumentError("TEXT must not be empty");
  }
  V1 request;
  request.set_id(id);
  request.set_action(action);
  request.set_actor(std::string(actor));
  request.set_comment(flags.comment);
  if (action == V1::REASSIGN) request.set_user(flags.user);
  if (action == V1::RESOLVE) {
    request.set_cause(flags.cause);
    request.set_owner(flags.owner);
  }
  return request;
}

absl::StatusOr<vigie::v1::OpenIncidentRequest> MakeOpenIncidentRequest(
    const OpenIncidentFlags& flags, std::string_view actor) {
  if (flags.title.empty()) return absl::InvalidArgumentError("--title is required");
  if (flags.service.empty()) return absl::InvalidArgumentError("--service is required");
  if (flags.reported_by.empty()) return absl::InvalidArgumentError("--reported-by is required");
  if (!flags.severity.empty() && flags.severity != "critical" && flags.severity != "warning" &&
      flags.severity != "info") {
    return absl::InvalidArgumentError(
        StrCat("--severity: \"", flags.severity, "\" is not one of critical, warning, info"));
  }
  vigie::v1::OpenIncidentRequest request;
  request.set_title(flags.title);
  request.set_service(flags.service);
  request.set_severity(flags.severity.empty() ? "warning" : flags.severity);
  request.set_reported_by(flags.reported_by);
  request.set_actor(std::string(actor));
  return request;
}

absl::StatusOr<vigie::v1::WhoIsOnCallRequest> MakeWhoIsOnCallRequest(std::string_view schedule,
                                                                     std::string_view at) {
  vigie::v1::WhoIsOnCallRequest request;
  request.set_schedule(std::string(schedule));
  if (!at.empty()) {
    absl::StatusOr<int64_t> t = ParseTimeFlag("--at", at);
    if (!t.ok()) return t.status();
    request.set_at_ms(*t);
  }
  return request;
}

absl::StatusOr<vigie::v1::RenderScheduleRequest> MakeRenderScheduleRequest(
    std::string_view schedule, const RangeFlags& range) {
  if (schedule.empty()) return absl::InvalidArgumentError("SCHEDULE must not be empty");
  absl::StatusOr<std::pair<int64_t, int64_t>> r = ParseRange(range);
  if (!r.ok()) return r.status();
  vigie::v1::RenderScheduleRequest request;
  request.set_schedule(std::string(schedule));
  request.set_from_ms(r->first);
  request.set_to_ms(r->second);
  return request;
}

absl::StatusOr<vigie::v1::AddOverrideRequest> MakeAddOverrideRequest(std::string_view schedule,
                                                                     const OverrideFlags& flags,
                                                                     std::string_view actor) {
  if (schedule.empty()) return absl::InvalidArgumentError("SCHEDULE must not be empty");
  if (flags.user.empty()) return absl::InvalidArgumentError("--user is required");
  absl::StatusOr<std::pair<int64_t, int64_t>> r = ParseRange(flags.range);
  if (!r.ok()) return r.status();
  vigie::v1::AddOverrideRequest request;
  request.set_schedule(std::string(schedule));
  request.set_user(flags.user);
  request.set_start_ms(r->first);
  request.set_end_ms(r->second);
  request.set_reason(flags.reason);
  request.set_actor(std::string(actor));
  return request;
}

absl::StatusOr<vigie::v1::IncidentReportRequest> MakeReportRequest(const RangeFlags& range,
                                                                   std::string_view format) {
  if (format != "table" && format != "csv" && format != "json" && format != "html") {
    return absl::InvalidArgumentError(
        StrCat("--output: \"", format, "\" is not one of table, csv, json, html"));
  }
  absl::StatusOr<std::pair<int64_t, int64_t>> r = ParseRange(range);
  if (!r.ok()) return r.status();
  vigie::v1::IncidentReportRequest request;
  request.set_from_ms(r->first);
  request.set_to_ms(r->second);
  request.set_format(std::string(format));
  return request;
}

std::string MakeActor(std::string_view author, std::string_view user, std::string_view hostname) {
  std::string who(!author.empty() ? author : !user.empty() ? user : "unknown");
  if (hostname.empty()) return who;
  return StrCat(who, "@", hostname);
}

}  // namespace vigie::cli
