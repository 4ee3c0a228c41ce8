#include "daemon/oncall/schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

#include "common/strings.h"
#include "common/units.h"
#include "date/date.h"
#include "date/tz.h"

namespace vigie::daemon::oncall {

using std::chrono::milliseconds;

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr int64_t kMinuteMs = 60'000;

// Exceptions stop here: the tz library throws on an unknown zone.
const date::time_zone* FindZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Local wall-clock ms -> instant. Earliest: the first occurrence of an
// ambiguous time; for a time in a gap the library returns the instant the gap
// ends (the first valid local time after it).
int64_t LocalToSys(const date::time_zone* zone, int64_t local_ms) {
  return zone
      ->to_sys(date::local_time<milliseconds>(milliseconds(local_ms)), date::choose::earliest)
      .time_since_epoch()
      .count();
}

int64_t SysToLocal(const date::time_zone* zone, int64_t ms) {
  return zone->to_local(date::sys_time<milliseconds>(milliseconds(ms))).time_since_epoch().count();
}

// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
int Weekday(int64_t day) { return static_cast<int>(((day + 4) % 7 + 7) % 7); }

struct Interval {
  int64_t start;
  int64_t end;
};

// One piece of the timeline. The pointers refer to strings that outlive the
// Render() call that made the piece.
struct Piece {
  int64_t start;
  int64_t end;
  const std::string* user;
  const std::string* source;
};

// Sorts and joins overlapping or touching intervals.
std::vector<Interval> Union(std::vector<Interval> in) {
  std::sort(in.begin(), in.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> out;
  for (const Interval& i : in) {
    if (i.end <= i.start) continue;
    if (!out.empty() && i.start <= out.back().end) {
      out.back().end = std::max(out.back().end, i.end);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// `a` minus `b`; both sorted and disjoint.
std::vector<Interval> Subtract(const std::vector<Interval>& a, const std::vector<Interval>& b) {
  std::vector<Interval> out;
  size_t j = 0;
  for (const Interval& i : a) {
    int64_t pos = i.start;
    while (j < b.size() && b[j].end <= pos) ++j;
    for (size_t k = j; k < b.size() && b[k].start < i.end && pos < i.end; ++k) {
      if (b[k].start > pos) out.push_back({pos, b[k].start});
      pos = std::max(pos, b[k].end);
    }
    if (pos < i.end) out.push_back({pos, i.end});
  }
  return out;
}

// The rotation of `layer` clipped to [from, to), before restrictions.
std::vector<Piece> RotationPieces(const date::time_zone* zone, const Layer& layer,
                                  const std::string* source, int64_t from, int64_t to) {
  std::vector<Piece> out;
  const int64_t length = layer.shift.count();
  const bool whole_days = length % kDayMs == 0;
  const int64_t start = LocalToSys(zone, layer.start_local_ms);
  auto handoff = [&](int64_t k) {
    return whole_days ? LocalToSys(zone, layer.start_local_ms + k * length) : start + k * length;
  };
  if (to <= start) return out;
  // Estimate the shift containing `from` in elapsed time, then correct it for
  // DST (local-day hand-offs drift from elapsed time by at most a few hours).
  int64_t k = std::max<int64_t>(0, FloorDiv(from - start, length));
  while (k > 0 && handoff(k) > from) --k;
  while (handoff(k + 1) <= from) ++k;
  const int64_t n = static_cast<int64_t>(layer.members.size());
  for (int64_t s = handoff(k); s < to; ++k) {
    const int64_t e = handoff(k + 1);
    const int64_t a = std::max(s, from);
    const int64_t b = std::min(e, to);
    if (a < b) out.push_back({a, b, &layer.members[static_cast<size_t>(k % n)], source});
    s = e;
  }
  return out;
}

// Where `layer` covers within [from, to): its restrictions minus holidays.
std::vector<Interval> Coverage(const date::time_zone* zone, const Layer& layer,
                               const Holidays& holidays, int64_t from, int64_t to) {
  // Local days that may touch the window (a restriction spanning midnight
  // starts the day before).
  const int64_t first_day = FloorDiv(SysToLocal(zone, from), kDayMs) - 1;
  const int64_t last_day = FloorDiv(SysToLocal(zone, to), kDayMs) + 1;
  std::vector<Interval> covered;
  if (layer.restrictions.empty()) {
    covered.push_back({from, to});
  } else {
    for (int64_t day = first_day; day <= last_day; ++day) {
      const int wd = Weekday(day);
      for (const Restriction& r : layer.restrictions) {
        if ((r.days & (1u << wd)) == 0) continue;
        const int64_t s = LocalToSys(zone, day * kDayMs + r.from_minute * kMinuteMs);
        const int64_t end_day = r.to_minute <= r.from_minute ? day + 1 : day;
        const int64_t e = LocalToSys(zone, end_day * kDayMs + r.to_minute * kMinuteMs);
        covered.push_back({std::max(s, from), std::min(e, to)});
      }
    }
    covered = Union(std::move(covered));
  }
  if (!layer.on_holidays) {
    std::vector<Interval> off;
    for (auto it = holidays.days.lower_bound(first_day);
         it != holidays.days.end() && *it <= last_day; ++it) {
      off.push_back({LocalToSys(zone, *it * kDayMs), LocalToSys(zone, (*it + 1) * kDayMs)});
    }
    covered = Subtract(covered, Union(std::move(off)));
  }
  return covered;
}

// The pieces of `pieces` inside `coverage`; both sorted.
std::vector<Piece> Intersect(const std::vector<Piece>& pieces,
                             const std::vector<Interval>& coverage) {
  std::vector<Piece> out;
  size_t j = 0;
  for (const Piece& p : pieces) {
    while (j < coverage.size() && coverage[j].end <= p.start) ++j;
    for (size_t k = j; k < coverage.size() && coverage[k].start < p.end; ++k) {
      const int64_t a = std::max(p.start, coverage[k].start);
      const int64_t b = std::min(p.end, coverage[k].end);
      if (a < b) out.push_back({a, b, p.user, p.source});
    }
  }
  return out;
}

// `top` over `base`: top wherever it covers, base elsewhere. Both sorted and
// disjoint; so is the result.
std::vector<Piece> Paint(const std::vector<Piece>& base, const std::vector<Piece>& top) {
  if (top.empty()) return base;
  std::vector<Piece> rest;
  rest.reserve(base.size() + top.size());
  size_t j = 0;
  for (const Piece& b : base) {
    int64_t pos = b.start;
    while (j < top.size() && top[j].end <= pos) ++j;
    for (size_t k = j; k < top.size() && top[k].start < b.end && pos < b.end; ++k) {
      if (top[k].start > pos) rest.push_back({pos, top[k].start, b.user, b.source});
      pos = std::max(pos, top[k].end);
    }
    if (pos < b.end) rest.push_back({pos, b.end, b.user, b.source});
  }
  std::vector<Piece> out;
  out.reserve(rest.size() + top.size());
  std::merge(rest.begin(), rest.end(), top.begin(), top.end(), std::back_inserter(out),
             [](const Piece& a, const Piece& b) { return a.start < b.start; });
  return out;
}

// Reads exactly `width` digits at `pos`.
std::optional<int> Digits(std::string_view text, size_t& pos, size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int n = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  pos += width;
  return n;
}

// "YYYY-MM-DD" at `pos` -> days since 1970-01-01.
std::optional<int64_t> ReadDate(std::string_view text, size_t& pos) {
  auto y = Digits(text, pos, 4);
  if (!y || pos >= text.size() || text[pos++] != '-') return std::nullopt;
  auto m = Digits(text, pos, 2);
  if (!m || pos >= text.size() || text[pos++] != '-') return std::nullopt;
  auto d = Digits(text, pos, 2);
  if (!d) return std::nullopt;
  const date::year_month_day ymd{date::year(*y), date::month(static_cast<unsigned>(*m)),
                                 date::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days(ymd).time_since_epoch().count();
}

}  // namespace

absl::StatusOr<int64_t> ParseDate(std::string_view text) {
  size_t pos = 0;
  auto day = ReadDate(text, pos);
  if (!day || pos != text.size()) {
    return absl::InvalidArgumentError(
        StrCat("invalid date \"", text, "\" (expected YYYY-MM-DD, e.g. 2026-12-25)"));
  }
  return *day;
}

absl::StatusOr<int64_t> ParseLocalDateTime(std::string_view text) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(StrCat("invalid local date-time \"", text,
                                             "\" (expected YYYY-MM-DDTHH:MM, without offset, "
                                             "e.g. 2026-01-05T09:00)"));
  };
  size_t pos = 0;
  auto day = ReadDate(text, pos);
  if (!day || pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return invalid();
  ++pos;
  auto h = Digits(text, pos, 2);
  if (!h || pos >= text.size() || text[pos++] != ':') return invalid();
  auto m = Digits(text, pos, 2);
  if (!m) return invalid();
  int s = 0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    auto sec = Digits(text, pos, 2);
    if (!sec) return invalid();
    s = *sec;
  }
  if (pos != text.size() || *h > 23 || *m > 59 || s > 59) return invalid();
  return *day * kDayMs + (*h * 3600 + *m * 60 + s) * int64_t{1000};
}

absl::Status ValidateSchedule(const Schedule& schedule) {
  if (FindZone(schedule.time_zone) == nullptr) {
    return absl::InvalidArgumentError(StrCat("unknown time zone \"", schedule.time_zone, "\""));
  }
  for (const Layer& layer : schedule.layers) {
    if (layer.members.empty()) {
      return absl::InvalidArgumentError(StrCat("layer \"", layer.name, "\" has no members"));
    }
    if (layer.shift < kMinShift) {
      return absl::InvalidArgumentError(
          StrCat("layer \"", layer.name, "\": the shift must be at least 1m"));
    }
    for (const Restriction& r : layer.restrictions) {
      if ((r.days & 0x7f) == 0 || r.from_minute < 0 || r.from_minute >= 24 * 60 ||
          r.to_minute < 0 || r.to_minute >= 24 * 60) {
        return absl::InvalidArgumentError(
            StrCat("layer \"", layer.name, "\": invalid restriction"));
      }
    }
  }
  return absl::OkStatus();
}

std::vector<Shift> Render(const Schedule& schedule, const std::vector<Override>& overrides,
                          const Holidays& holidays, int64_t from_ms, int64_t to_ms) {
  std::vector<Shift> shifts;
  if (to_ms <= from_ms || !ValidateSchedule(schedule).ok()) return shifts;
  const date::time_zone* zone = FindZone(schedule.time_zone);

  // Sources, built once; pieces point into these vectors (never resized).
  std::vector<std::string> layer_sources;
  layer_sources.reserve(schedule.layers.size());
  for (const Layer& layer : schedule.layers) layer_sources.push_back(StrCat("layer:", layer.name));

  std::vector<Piece> timeline;
  for (size_t i = 0; i < schedule.layers.size(); ++i) {
    const Layer& layer = schedule.layers[i];
    std::vector<Piece> pieces =
        Intersect(RotationPieces(zone, layer, &layer_sources[i], from_ms, to_ms),
                  Coverage(zone, layer, holidays, from_ms, to_ms));
    timeline = Paint(timeline, pieces);
  }

  // Overrides, oldest first, so that the latest created is painted last.
  std::vector<const Override*> applicable;
  for (const Override& o : overrides) {
    if (o.schedule == schedule.name && o.start_ms < o.end_ms && o.start_ms < to_ms &&
        o.end_ms > from_ms) {
      applicable.push_back(&o);
    }
  }
  std::stable_sort(applicable.begin(), applicable.end(), [](const Override* a, const Override* b) {
    return a->created_at_ms < b->created_at_ms;
  });
  std::vector<std::string> override_sources;
  override_sources.reserve(applicable.size());
  for (const Override* o : applicable) {
    override_sources.push_back(StrCat("override:", o->id));
    const Piece piece{std::max(o->start_ms, from_ms), std::min(o->end_ms, to_ms), &o->user,
                      &override_sources.back()};
    timeline = Paint(timeline, {piece});
  }

  for (const Piece& p : timeline) {
    if (!shifts.empty() && shifts.back().end_ms == p.start && shifts.back().user == *p.user) {
      shifts.back().end_ms = p.end;
    } else {
      shifts.push_back({*p.user, p.start, p.end, *p.source});
    }
  }
  return shifts;
}

std::optional<std::string> OnCallAt(const Schedule& schedule,
                                    const std::vector<Override>& overrides,
                                    const Holidays& holidays, int64_t at_ms) {
  std::vector<Shift> shifts = Render(schedule, overrides, holidays, at_ms, at_ms + 1);
  if (shifts.empty()) return std::nullopt;
  return shifts.front().user;
}

std::optional<Shift> NextHandoff(const Schedule& schedule, const std::vector<Override>& overrides,
                                 const Holidays& holidays, int64_t now_ms) {
  // Widening horizons: most hand-offs are within a week or two.
  static constexpr std::array<int64_t, 4> kHorizonDays = {15, 63, 400, 5 * 366};
  for (size_t h = 0; h < kHorizonDays.size(); ++h) {
    const int64_t to = now_ms + kHorizonDays[h] * kDayMs;
    std::vector<Shift> shifts = Render(schedule, overrides, holidays, now_ms, to);
    for (const Shift& s : shifts) {
      if (s.start_ms <= now_ms) continue;
      // A shift cut by the horizon: look further for its true end.
      if (s.end_ms == to && h + 1 < kHorizonDays.size()) break;
      return s;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Configuration.

namespace {

bool ValidEmail(std::string_view s) {
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}

// "+33 6 12 34 56 78", "(555) 010-0199", "+1.555.010.0199": digits and
// separators, an optional leading '+', 3 to 15 digits (E.164's maximum).
bool ValidPhone(std::string_view s) {
  int digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c == '+' && i == 0) {
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 3 && digits <= 15;
}

// Usable in a URL path segment as is (`/oncall/<name>.ics`).
bool ValidScheduleName(std::string_view s) {
  if (s.empty() || s[0] == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// Marks `key` as read whatever its shape, and returns it raw (undefined when
// absent). For sections another parser reads.
YAML::Node RawKey(const YAML::Node& map, MapReader& r, std::string_view key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node v = map[std::string(key)];
  if (!v.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  if (v.IsMap()) {
    r.Map(key);
  } else if (v.IsSequence()) {
    r.Sequence(key);
  } else {
    std::string ignored;
    r.String(key, ignored);  // a scalar or null: never an error
  }
  return v;
}

std::string Quoted(std::string_view path) { return StrCat("\"", path, "\""); }

// A list of user names that must all be known, and not empty.
bool CheckMembers(const YAML::Node& item, const std::string& path,
                  const std::vector<std::string>& members, const std::map<std::string, User>& users,
                  ConfigErrors& errors) {
  const YAML::Node node = item["members"];
  if (!node.IsDefined() || node.IsNull() || (node.IsSequence() && node.size() == 0)) {
    errors.Add(node.IsDefined() ? node : item, StrCat(Quoted(path), " needs at least one user"));
    return false;
  }
  if (!node.IsSequence() || members.size() != node.size()) return false;  // reported already
  bool ok = true;
  for (size_t j = 0; j < members.size(); ++j) {
    if (!users.contains(members[j])) {
      errors.Add(node[j], StrCat(Quoted(path), ": unknown user \"", members[j], "\""));
      ok = false;
    }
  }
  return ok;
}

void ParseUsers(const YAML::Node& list, ConfigErrors& errors, OnCallConfig& cfg) {
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string where = StrCat("oncall.users[", i, "]");
    MapReader r(item, where, errors);
    User u;
    r.String("name", u.name);
    r.String("email", u.email);
    r.String("phone", u.phone);
    r.String("chat", u.chat);
    r.String("time_zone", u.time_zone);
    YAML::Node contact_rules = RawKey(item, r, "contact_rules");
    r.Finish();
    if (!item.IsMap()) continue;
    if (u.name.empty()) {
      errors.Add(item, StrCat(Quoted(r.Path("name")), " is required"));
      continue;
    }
    if (cfg.users.contains(u.name)) {
      errors.Add(item["name"], StrCat("duplicate user name \"", u.name, "\""));
      continue;
    }
    if (!u.email.empty() && !ValidEmail(u.email)) {
      errors.Add(item["email"], StrCat(Quoted(r.Path("email")), ": invalid email address \"",
                                       u.email, "\" (expected name@domain)"));
    }
    if (!u.phone.empty() && !ValidPhone(u.phone)) {
      errors.Add(item["phone"],
                 StrCat(Quoted(r.Path("phone")), ": invalid phone number \"", u.phone,
                        "\" (digits, spaces, - . ( ) and a leading +, e.g. +33 6 12 34 56 78)"));
    }
    if (!u.time_zone.empty() && FindZone(u.time_zone) == nullptr) {
      errors.Add(item["time_zone"], StrCat(Quoted(r.Path("time_zone")), ": unknown time zone \"",
                                           u.time_zone, "\" (IANA name, e.g. Europe/Paris)"));
    }
    // Kept even when invalid, so that references to it are not reported too.
    if (contact_rules.IsDefined()) cfg.user_contact_rules[u.name] = contact_rules;
    cfg.users[u.name] = std::move(u);
  }
}

void ParseTeams(const YAML::Node& list, ConfigErrors& errors, OnCallConfig& cfg) {
  std::set<std::string> names;  // valid or not
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string where = StrCat("oncall.teams[", i, "]");
    MapReader r(item, where, errors);
    Team t;
    std::string receiver;
    r.String("name", t.name);
    r.StringList("members", t.members);
    r.String("receiver", receiver);
    r.Finish();
    if (!item.IsMap()) continue;
    bool ok = true;
    if (t.name.empty()) {
      errors.Add(item, StrCat(Quoted(r.Path("name")), " is required"));
      ok = false;
    } else if (!names.insert(t.name).second) {
      errors.Add(item["name"], StrCat("duplicate team name \"", t.name, "\""));
      ok = false;
    }
    if (!CheckMembers(item, r.Path("members"), t.members, cfg.users, errors)) ok = false;
    if (!receiver.empty()) t.receiver = receiver;
    if (ok) cfg.teams[t.name] = std::move(t);
  }
}

bool ParseRestriction(const YAML::Node& item, const std::string& where, ConfigErrors& errors,
                      Restriction& out) {
  MapReader r(item, where, errors);
  const size_t errors_before = errors.errors().size();
  std::vector<std::string> days;
  std::string from, to;
  r.StringList("days", days);
  r.String("from", from);
  r.String("to", to);
  r.Finish();
  if (!item.IsMap() || errors.errors().size() != errors_before) return false;
  bool ok = true;
  if (item["days"].IsDefined() && !item["days"].IsNull()) {
    if (days.empty()) {
      errors.Add(item["days"], StrCat(Quoted(r.Path("days")), " needs at least one day"));
      ok = false;
    }
    out.days = 0;
    for (size_t j = 0; j < days.size(); ++j) {
      auto d = ParseWeekday(days[j]);
      if (!d) {
        errors.Add(item["days"][j], StrCat(Quoted(r.Path("days")), ": invalid day \"", days[j],
                                           "\" (mon..sun or monday..sunday)"));
        ok = false;
        continue;
      }
      out.days = static_cast<uint8_t>(out.days | (1u << *d));
    }
  }
  for (auto [key, text, dest] :
       {std::tuple{"from", &from, &out.from_minute}, std::tuple{"to", &to, &out.to_minute}}) {
    if (text->empty()) {
      errors.Add(item, StrCat(Quoted(r.Path(key)), " is required (local time, HH:MM)"));
      ok = false;
    } else if (auto minute = ParseTimeOfDay(*text)) {
      *dest = *minute;
    } else {
      errors.Add(item[key], StrCat(Quoted(r.Path(key)), ": invalid time \"", *text,
                                   "\" (expected HH:MM, 00:00..23:59)"));
      ok = false;
    }
  }
  return ok;
}

bool ParseLayer(const YAML::Node& item, const std::string& where, const OnCallConfig& cfg,
                std::set<std::string>& names, ConfigErrors& errors, Layer& out) {
  MapReader r(item, where, errors);
  const size_t errors_before = errors.errors().size();
  std::string start;
  r.String("name", out.name);
  r.StringList("members", out.members);
  r.String("start", start);
  const size_t errors_before_shift = errors.errors().size();
  r.Duration("shift", out.shift);
  const bool shift_read = errors.errors().size() == errors_before_shift;
  YAML::Node restrictions = r.Sequence("restrictions");
  r.Bool("on_holidays", out.on_holidays);
  r.Finish();
  if (!item.IsMap()) return false;
  bool ok = errors.errors().size() == errors_before;
  if (out.name.empty()) {
    errors.Add(item, StrCat(Quoted(r.Path("name")), " is required"));
    ok = false;
  } else if (!names.insert(out.name).second) {
    errors.Add(item["name"], StrCat("duplicate layer name \"", out.name, "\""));
    ok = false;
  }
  if (!CheckMembers(item, r.Path("members"), out.members, cfg.users, errors)) ok = false;
  if (start.empty()) {
    if (!item["start"].IsDefined() || item["start"].IsNull()) {
      errors.Add(item, StrCat(Quoted(r.Path("start")),
                              " is required (local date-time of the first hand-off)"));
      ok = false;
    }
  } else if (auto t = ParseLocalDateTime(start); t.ok()) {
    out.start_local_ms = *t;
  } else {
    errors.Add(item["start"], StrCat(Quoted(r.Path("start")), ": ", StatusMessage(t.status())));
    ok = false;
  }
  const YAML::Node shift = item["shift"];
  if (!shift.IsDefined() || shift.IsNull()) {
    errors.Add(item, StrCat(Quoted(r.Path("shift")), " is required (e.g. 1w, 1d, 12h)"));
    ok = false;
  } else if (shift_read && out.shift < kMinShift) {
    errors.Add(shift,
               StrCat(Quoted(r.Path("shift")), " must be at least 1m, not ", shift.Scalar()));
    ok = false;
  }
  for (size_t j = 0; restrictions.IsDefined() && j < restrictions.size(); ++j) {
    Restriction restriction;
    if (ParseRestriction(restrictions[j], StrCat(r.Path("restrictions"), "[", j, "]"), errors,
                         restriction)) {
      out.restrictions.push_back(restriction);
    } else {
      ok = false;
    }
  }
  return ok;
}

void ParseSchedules(const YAML::Node& list, ConfigErrors& errors, OnCallConfig& cfg) {
  std::set<std::string> names;  // valid or not
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string where = StrCat("oncall.schedules[", i, "]");
    MapReader r(item, where, errors);
    Schedule s;
    r.String("name", s.name);
    r.String("time_zone", s.time_zone);
    YAML::Node layers = r.Sequence("layers");
    r.Finish();
    if (!item.IsMap()) continue;
    bool ok = true;
    if (s.name.empty()) {
      errors.Add(item, StrCat(Quoted(r.Path("name")), " is required"));
      ok = false;
    } else if (!ValidScheduleName(s.name)) {
      errors.Add(item["name"], StrCat(Quoted(r.Path("name")), ": invalid schedule name \"", s.name,
                                      "\" (letters, digits, _ - and ., for URLs)"));
      ok = false;
    } else if (!names.insert(s.name).second) {
      errors.Add(item["name"], StrCat("duplicate schedule name \"", s.name, "\""));
      ok = false;
    }
    if (FindZone(s.time_zone) == nullptr) {
      errors.Add(item["time_zone"], StrCat(Quoted(r.Path("time_zone")), ": unknown time zone \"",
                                           s.time_zone, "\" (IANA name, e.g. Europe/Paris)"));
      ok = false;
    }
    if (!layers.IsDefined() || layers.size() == 0) {
      errors.Add(layers.IsDefined() ? layers : item,
                 StrCat(Quoted(r.Path("layers")), " needs at least one layer"));
      ok = false;
    }
    std::set<std::string> layer_names;
    for (size_t j = 0; layers.IsDefined() && j < layers.size(); ++j) {
      Layer layer;
      if (ParseLayer(layers[j], StrCat(r.Path("layers"), "[", j, "]"), cfg, layer_names, errors,
                     layer)) {
        s.layers.push_back(std::move(layer));
      } else {
        ok = false;
      }
    }
    if (ok) cfg.schedules[s.name] = std::move(s);
  }
}

}  // namespace

OnCallConfig ParseOnCall(const YAML::Node& oncall_node, ConfigErrors& errors) {
  OnCallConfig cfg;
  if (!oncall_node.IsDefined() || oncall_node.IsNull()) return cfg;
  MapReader r(oncall_node, "oncall", errors);
  const YAML::Node users = r.Sequence("users");
  const YAML::Node teams = r.Sequence("teams");
  const YAML::Node holidays = r.Sequence("holidays");
  const YAML::Node schedules = r.Sequence("schedules");
  cfg.escalation_policies_node = RawKey(oncall_node, r, "escalation_policies");
  r.Finish();
  if (!oncall_node.IsMap()) return cfg;

  // Users first: teams and layers refer to them, whatever the order of keys.
  if (users.IsDefined()) ParseUsers(users, errors, cfg);
  if (teams.IsDefined()) ParseTeams(teams, errors, cfg);
  for (size_t i = 0; holidays.IsDefined() && i < holidays.size(); ++i) {
    const YAML::Node h = holidays[i];
    auto day = h.IsScalar() ? ParseDate(h.Scalar())
                            : absl::InvalidArgumentError("expected a date (YYYY-MM-DD)");
    if (!day.ok()) {
      errors.Add(h, StrCat("\"oncall.holidays[", i, "]\": ", StatusMessage(day.status())));
      continue;
    }
    cfg.holidays.days.insert(*day);
  }
  if (schedules.IsDefined()) ParseSchedules(schedules, errors, cfg);
  return cfg;
}

}  // namespace vigie::daemon::oncall
