#include "daemon/routing/maintenance.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "common/strings.h"
#include "common/units.h"
#include "date/date.h"
#include "date/tz.h"

namespace vigie::daemon::routing {

using std::chrono::milliseconds;

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

// Exceptions stop here: the tz library throws on an unknown zone.
const date::time_zone* FindZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

int64_t ToMs(date::sys_time<milliseconds> t) { return t.time_since_epoch().count(); }

}  // namespace

absl::StatusOr<MaintenanceWindow> MaintenanceWindow::Make(std::string name,
                                                          std::vector<Matcher> matchers,
                                                          std::string time_zone,
                                                          MaintenanceSchedule schedule) {
  if (name.empty()) return absl::InvalidArgumentError("a maintenance window needs a name");
  const date::time_zone* zone = FindZone(time_zone);
  if (zone == nullptr) {
    return absl::InvalidArgumentError(StrCat("unknown time zone \"", time_zone, "\""));
  }
  using Kind = MaintenanceSchedule::Kind;
  if (schedule.kind == Kind::kOnce) {
    if (schedule.end_ms <= schedule.start_ms) {
      return absl::InvalidArgumentError("the end must be after the start");
    }
  } else {
    if (schedule.duration <= milliseconds(0)) {
      return absl::InvalidArgumentError("the duration must be greater than 0");
    }
    if (schedule.minute_of_day < 0 || schedule.minute_of_day >= 24 * 60) {
      return absl::InvalidArgumentError("the time of day must be within 00:00..23:59");
    }
    if (schedule.kind == Kind::kWeekly && (schedule.weekdays & 0x7f) == 0) {
      return absl::InvalidArgumentError("a weekly window needs at least one day");
    }
  }
  MaintenanceWindow w;
  w.name_ = std::move(name);
  w.matchers_ = std::move(matchers);
  w.time_zone_ = std::move(time_zone);
  w.zone_ = zone;
  w.schedule_ = schedule;
  return w;
}

int64_t MaintenanceWindow::LocalDay(int64_t now_ms) const {
  auto local = zone_->to_local(date::sys_time<milliseconds>(milliseconds(now_ms)));
  return date::floor<date::days>(local).time_since_epoch().count();
}

std::optional<int64_t> MaintenanceWindow::StartOnDay(int64_t local_day) const {
  const date::local_days day{date::days(local_day)};
  if (schedule_.kind == MaintenanceSchedule::Kind::kWeekly) {
    const unsigned wd = date::weekday(day).c_encoding();  // 0 = Sunday
    if ((schedule_.weekdays & (1u << wd)) == 0) return std::nullopt;
  }
  const auto local =
      date::local_time<milliseconds>(day) + std::chrono::minutes(schedule_.minute_of_day);
  // earliest: first occurrence of an ambiguous time; for a time in a gap the
  // library returns the instant the gap ends (first valid local time after it).
  return ToMs(zone_->to_sys(local, date::choose::earliest));
}

std::optional<Interval> MaintenanceWindow::Current(int64_t now_ms) const {
  if (schedule_.kind == MaintenanceSchedule::Kind::kOnce) {
    if (schedule_.start_ms <= now_ms && now_ms < schedule_.end_ms) {
      return Interval{schedule_.start_ms, schedule_.end_ms};
    }
    return std::nullopt;
  }
  const int64_t duration = schedule_.duration.count();
  const int64_t today = LocalDay(now_ms);
  // Occurrences that started up to `duration` ago, plus a day for DST shifts.
  const int64_t first_day = today - duration / kDayMs - 2;
  for (int64_t day = today; day >= first_day; --day) {
    auto start = StartOnDay(day);
    if (start && *start <= now_ms && now_ms < *start + duration) {
      return Interval{*start, *start + duration};
    }
  }
  return std::nullopt;
}

std::optional<int64_t> MaintenanceWindow::NextStart(int64_t now_ms) const {
  if (schedule_.kind == MaintenanceSchedule::Kind::kOnce) {
    if (schedule_.start_ms > now_ms) return schedule_.start_ms;
    return std::nullopt;
  }
  // Starts grow with the local day, and every week has a selected day.
  const int64_t today = LocalDay(now_ms);
  for (int64_t day = today; day <= today + 8; ++day) {
    auto start = StartOnDay(day);
    if (start && *start > now_ms) return start;
  }
  return std::nullopt;
}

const MaintenanceWindow* MaintenanceWindows::FindActive(const Labels& alert_labels,
                                                        int64_t now_ms) const {
  for (const MaintenanceWindow& w : windows_) {
    if (MatchesAll(w.matchers(), alert_labels) && w.Active(now_ms)) return &w;
  }
  return nullptr;
}

bool MaintenanceWindows::Mutes(const Labels& alert_labels, int64_t now_ms) const {
  return FindActive(alert_labels, now_ms) != nullptr;
}

std::optional<MuteReason> MaintenanceWindows::Reason(const Labels& alert_labels,
                                                     int64_t now_ms) const {
  const MaintenanceWindow* w = FindActive(alert_labels, now_ms);
  if (w == nullptr) return std::nullopt;
  auto current = w->Current(now_ms);
  return MuteReason{MuteReason::Kind::kMaintenance, w->name(),
                    StrCat("until ", FormatRfc3339(current ? current->end_ms : now_ms))};
}

absl::StatusOr<int64_t> ParseRfc3339(std::string_view text) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        StrCat("invalid RFC 3339 time \"", text, "\" (expected e.g. 2026-03-29T02:00:00+01:00)"));
  };
  size_t pos = 0;
  // Reads exactly `width` digits.
  auto digits = [&](size_t width) -> std::optional<int> {
    if (pos + width > text.size()) return std::nullopt;
    int n = 0;
    for (size_t i = 0; i < width; ++i) {
      const char c = text[pos + i];
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      n = n * 10 + (c - '0');
    }
    pos += width;
    return n;
  };
  auto literal = [&](std::string_view chars) {
    if (pos < text.size() && chars.find(text[pos]) != std::string_view::npos) {
      ++pos;
      return true;
    }
    return false;
  };
  auto year = digits(4);
  if (!year || !literal("-")) return invalid();
  auto month = digits(2);
  if (!month || !literal("-")) return invalid();
  auto day = digits(2);
  if (!day || !literal("Tt ")) return invalid();
  auto hour = digits(2);
  if (!hour || !literal(":")) return invalid();
  auto minute = digits(2);
  if (!minute || !literal(":")) return invalid();
  auto second = digits(2);
  if (!second) return invalid();
  int64_t millis = 0;
  if (literal(".")) {
    int64_t scale = 100;
    const size_t first = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) return invalid();
  }
  int offset_minutes = 0;
  if (!literal("Zz")) {
    if (pos >= text.size()) return invalid();
    const int sign = text[pos] == '-' ? -1 : 1;
    if (!literal("+-")) return invalid();
    auto oh = digits(2);
    if (!oh || !literal(":")) return invalid();
    auto om = digits(2);
    if (!om || *oh > 23 || *om > 59) return invalid();
    offset_minutes = sign * (*oh * 60 + *om);
  }
  const date::year_month_day ymd{date::year(*year), date::month(static_cast<unsigned>(*month)),
                                 date::day(static_cast<unsigned>(*day))};
  if (pos != text.size() || !ymd.ok() || *hour > 23 || *minute > 59 || *second > 60) {
    return invalid();
  }
  const int64_t days = date::sys_days(ymd).time_since_epoch().count();
  const int64_t seconds =
      days * 86400 + *hour * 3600 + *minute * 60 + *second - int64_t{offset_minutes} * 60;
  return seconds * 1000 + millis;
}

std::string FormatRfc3339(int64_t ms) {
  return date::format(
      "%FT%TZ", date::floor<std::chrono::seconds>(date::sys_time<milliseconds>(milliseconds(ms))));
}

namespace {

// Reads `schedule:`; false when an error was recorded.
bool ParseSchedule(const YAML::Node& node, const std::string& where, ConfigErrors& errors,
                   MaintenanceSchedule& out) {
  MapReader r(node, where, errors);
  const size_t errors_before = errors.errors().size();
  std::string start, end, at;
  std::vector<std::string> every;
  std::chrono::milliseconds duration{0};
  r.String("start", start);
  r.String("end", end);
  if (node.IsMap() && node["every"].IsDefined() && node["every"].IsScalar()) {
    every.emplace_back();
    r.String("every", every.back());
  } else {
    r.StringList("every", every);
  }
  r.String("at", at);
  r.Duration("duration", duration);
  r.Finish();
  if (errors.errors().size() != errors_before || !node.IsMap()) return false;

  const bool once = !start.empty() || !end.empty();
  const bool recurring = !every.empty() || !at.empty() || node["duration"].IsDefined();
  if (once == recurring) {
    errors.Add(node, StrCat("\"", where,
                            "\" needs either start and end (one-off), or every, at and duration "
                            "(recurring)"));
    return false;
  }
  if (once) {
    out.kind = MaintenanceSchedule::Kind::kOnce;
    for (auto [key, text, dest] :
         {std::tuple{"start", &start, &out.start_ms}, std::tuple{"end", &end, &out.end_ms}}) {
      if (text->empty()) {
        errors.Add(node, StrCat("\"", r.Path(key), "\" is required"));
        continue;
      }
      auto t = ParseRfc3339(*text);
      if (!t.ok()) {
        errors.Add(node[key], StrCat("\"", r.Path(key), "\": ", StatusMessage(t.status())));
        continue;
      }
      *dest = *t;
    }
    if (errors.errors().size() != errors_before) return false;
    if (out.end_ms <= out.start_ms) {
      errors.Add(node["end"], StrCat("\"", r.Path("end"), "\" must be after the start"));
      return false;
    }
    return true;
  }

  bool ok = true;
  if (every.empty()) {
    errors.Add(node, StrCat("\"", r.Path("every"), "\" is required (day names, or day)"));
    ok = false;
  } else if (every.size() == 1 && (every[0] == "day" || every[0] == "daily")) {
    out.kind = MaintenanceSchedule::Kind::kDaily;
  } else {
    out.kind = MaintenanceSchedule::Kind::kWeekly;
    for (const std::string& day : every) {
      auto d = ParseWeekday(day);
      if (!d) {
        errors.Add(node["every"], StrCat("\"", r.Path("every"), "\": invalid day \"", day,
                                         "\" (monday..sunday, mon..sun, or day)"));
        ok = false;
        continue;
      }
      out.weekdays |= static_cast<uint8_t>(1u << *d);
    }
  }
  if (at.empty()) {
    errors.Add(node, StrCat("\"", r.Path("at"), "\" is required (local time, HH:MM)"));
    ok = false;
  } else if (auto minute = ParseTimeOfDay(at)) {
    out.minute_of_day = *minute;
  } else {
    errors.Add(node["at"],
               StrCat("\"", r.Path("at"), "\": invalid time \"", at, "\" (expected HH:MM)"));
    ok = false;
  }
  if (!node["duration"].IsDefined()) {
    errors.Add(node, StrCat("\"", r.Path("duration"), "\" is required"));
    ok = false;
  } else if (duration <= milliseconds(0)) {
    errors.Add(node["duration"], StrCat("\"", r.Path("duration"), "\" must be greater than 0"));
    ok = false;
  }
  out.duration = duration;
  return ok;
}

}  // namespace

std::vector<MaintenanceWindow> ParseMaintenanceWindows(const YAML::Node& node,
                                                       ConfigErrors& errors) {
  std::vector<MaintenanceWindow> windows;
  if (!node.IsDefined() || node.IsNull()) return windows;
  if (!node.IsSequence()) {
    errors.Add(node, "\"maintenance_windows\" must be a list");
    return windows;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string where = StrCat("maintenance_windows[", i, "]");
    MapReader r(item, where, errors);
    std::string name;
    std::vector<Matcher> matchers;
    std::string time_zone = "UTC";
    r.String("name", name);
    r.MatcherList("matchers", matchers);
    r.String("time_zone", time_zone);
    YAML::Node schedule_node = r.Map("schedule");
    r.Finish();
    if (!item.IsMap()) continue;

    bool ok = true;
    if (name.empty()) {
      errors.Add(item, StrCat("\"", r.Path("name"), "\" is required"));
      ok = false;
    } else if (!names.insert(name).second) {
      errors.Add(item["name"], StrCat("duplicate maintenance window name \"", name, "\""));
      ok = false;
    }
    if (!item["matchers"].IsDefined() || item["matchers"].size() == 0) {
      errors.Add(item, StrCat("\"", r.Path("matchers"), "\" needs at least one matcher"));
      ok = false;
    } else if (!matchers.empty() && MatchesEveryAlert(matchers)) {
      errors.Add(item["matchers"], StrCat("\"", r.Path("matchers"),
                                          "\": at least one matcher must not match the empty "
                                          "string (this window would mute every alert)"));
      ok = false;
    }
    if (FindZone(time_zone) == nullptr) {
      errors.Add(item["time_zone"], StrCat("\"", r.Path("time_zone"), "\": unknown time zone \"",
                                           time_zone, "\" (IANA name, e.g. Europe/Paris)"));
      ok = false;
    }
    MaintenanceSchedule schedule;
    if (!schedule_node.IsDefined()) {
      errors.Add(item, StrCat("\"", r.Path("schedule"), "\" is required"));
      ok = false;
    } else if (!ParseSchedule(schedule_node, r.Path("schedule"), errors, schedule)) {
      ok = false;
    }
    if (!ok) continue;
    auto w = MaintenanceWindow::Make(name, std::move(matchers), time_zone, schedule);
    if (!w.ok()) {
      errors.Add(item, StrCat("\"", where, "\": ", StatusMessage(w.status())));
      continue;
    }
    windows.push_back(*std::move(w));
  }
  return windows;
}

}  // namespace vigie::daemon::routing
