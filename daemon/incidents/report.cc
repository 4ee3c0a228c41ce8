#include "daemon/incidents/report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "absl/status/status.h"
#include "common/matcher.h"
#include "common/strings.h"
#include "date/date.h"
#include "date/tz.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace vigie::daemon::incidents {

namespace {

using Intervals = std::vector<routing::Interval>;

// ---------------------------------------------------------------- figures

// Sorts `v` and returns the median (mean of the two middle values, rounded
// down, for an even count).
std::optional<int64_t> Median(const std::vector<int64_t>& sorted) {
  const size_t n = sorted.size();
  if (n == 0) return std::nullopt;
  if (n % 2 == 1) return sorted[n / 2];
  const int64_t a = sorted[n / 2 - 1];
  const int64_t b = sorted[n / 2];
  return a + (b - a) / 2;
}

// Nearest rank: the sample of 1-based rank ceil(0.9 * n).
std::optional<int64_t> P90(const std::vector<int64_t>& sorted) {
  const size_t n = sorted.size();
  if (n == 0) return std::nullopt;
  const size_t rank = (9 * n + 9) / 10;  // ceil(9n / 10)
  return sorted[rank - 1];
}

struct Samples {
  int64_t count = 0;
  int64_t acknowledged = 0;
  int64_t resolved = 0;
  std::vector<int64_t> tta;
  std::vector<int64_t> ttr;

  void Add(const IncidentRecord& r) {
    ++count;
    if (r.acked_ms != 0) {
      ++acknowledged;
      tta.push_back(std::max<int64_t>(0, r.acked_ms - r.opened_ms));
    }
    if (r.resolved_ms != 0) {
      ++resolved;
      ttr.push_back(std::max<int64_t>(0, r.resolved_ms - r.opened_ms));
    }
  }

  Durations Compute() {
    std::sort(tta.begin(), tta.end());
    std::sort(ttr.begin(), ttr.end());
    return Durations{Median(tta), P90(tta), Median(ttr), P90(ttr)};
  }
};

const std::string* LabelValue(const Labels& labels, std::string_view name) {
  for (const Label& l : labels) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

std::vector<BreakdownRow> Finish(std::unordered_map<std::string, Samples>& groups) {
  std::vector<BreakdownRow> rows;
  rows.reserve(groups.size());
  for (auto& [key, samples] : groups) {
    rows.push_back(BreakdownRow{key, samples.count, samples.Compute()});
  }
  std::sort(rows.begin(), rows.end(), [](const BreakdownRow& a, const BreakdownRow& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.key < b.key;
  });
  return rows;
}

// ---------------------------------------------------------------- intervals

// Sorted, disjoint, non-empty.
Intervals Merge(Intervals v) {
  std::sort(v.begin(), v.end(), [](const routing::Interval& a, const routing::Interval& b) {
    return a.start_ms < b.start_ms;
  });
  Intervals out;
  for (const routing::Interval& i : v) {
    if (i.end_ms <= i.start_ms) continue;
    if (!out.empty() && i.start_ms <= out.back().end_ms) {
      out.back().end_ms = std::max(out.back().end_ms, i.end_ms);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

Intervals Clip(const Intervals& v, int64_t from, int64_t to) {
  Intervals out;
  for (const routing::Interval& i : v) {
    const int64_t s = std::max(i.start_ms, from);
    const int64_t e = std::min(i.end_ms, to);
    if (s < e) out.push_back({s, e});
  }
  return out;
}

int64_t Length(const Intervals& v) {
  int64_t total = 0;
  for (const routing::Interval& i : v) total += i.end_ms - i.start_ms;
  return total;
}

// Length of the intersection of two merged lists.
int64_t OverlapLength(const Intervals& a, const Intervals& b) {
  int64_t total = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const int64_t s = std::max(a[i].start_ms, b[j].start_ms);
    const int64_t e = std::min(a[i].end_ms, b[j].end_ms);
    if (s < e) total += e - s;
    if (a[i].end_ms < b[j].end_ms) {
      ++i;
    } else {
      ++j;
    }
  }
  return total;
}

// The occurrences of `w` that meet [from, to), merged (not clipped).
Intervals Occurrences(const routing::MaintenanceWindow& w, int64_t from, int64_t to) {
  Intervals out;
  int64_t t = from;
  // A bound against a schedule that would not progress (it always does).
  for (int guard = 0; t < to && guard < 1'000'000; ++guard) {
    if (auto cur = w.Current(t)) {
      out.push_back(*cur);
      t = std::max(t + 1, cur->end_ms);
      continue;
    }
    auto next = w.NextStart(t);
    if (!next || *next >= to) break;
    t = *next;
  }
  return Merge(std::move(out));
}

// ---------------------------------------------------------------- time zones

const date::time_zone* FindZone(const std::string& name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// The person an acknowledgement's actor names: "alice (link)" -> "alice".
std::string_view ActorPerson(std::string_view actor) {
  const size_t paren = actor.find(" (");
  return paren == std::string_view::npos ? actor : actor.substr(0, paren);
}

}  // namespace

Report ComputeReport(const ReportInput& in) {
  Report report;
  report.from_ms = in.from_ms;
  report.to_ms = in.to_ms;

  // Totals and breakdowns.
  Samples all;
  std::unordered_map<std::string, Samples> cause, team, owner, host, rule;
  std::unordered_map<int64_t, const IncidentRecord*> by_id;
  by_id.reserve(in.incidents.size());
  static const std::string kUnrecorded = "unrecorded";
  static const std::string kNone = "-";
  for (const IncidentRecord& r : in.incidents) {
    by_id.emplace(r.id, &r);
    all.Add(r);
    cause[r.cause.empty() ? kUnrecorded : r.cause].Add(r);
    const std::string* t = LabelValue(r.labels, "team");
    team[t == nullptr || t->empty() ? kNone : *t].Add(r);
    owner[r.owner.empty() ? kUnrecorded : r.owner].Add(r);
    host[r.host.empty() ? kNone : r.host].Add(r);
    rule[r.rule.empty() ? kNone : r.rule].Add(r);
  }
  report.totals.count = all.count;
  report.totals.acknowledged = all.acknowledged;
  report.totals.resolved = all.resolved;
  report.totals.durations = all.Compute();
  report.by_cause = Finish(cause);
  report.by_team = Finish(team);
  report.by_owner = Finish(owner);
  report.by_host = Finish(host);
  report.by_rule = Finish(rule);

  // Pages per rule, on-call load per person.
  struct Zone {
    const date::time_zone* zone;
    std::string name;
  };
  const date::time_zone* utc = FindZone("UTC");
  const date::time_zone* default_zone = FindZone(in.default_time_zone);
  const std::string default_name = default_zone != nullptr ? in.default_time_zone : "UTC";
  if (default_zone == nullptr) default_zone = utc;
  std::map<std::string, PersonLoad> load;
  std::unordered_map<std::string, const date::time_zone*> zones;
  for (const auto& [name, user] : in.users) {
    PersonLoad& p = load[name];
    p.user = name;
    const date::time_zone* z = FindZone(user.time_zone);
    p.time_zone = z != nullptr ? user.time_zone : default_name;
    zones[name] = z != nullptr ? z : default_zone;
  }
  std::unordered_map<std::string_view, int64_t> rule_pages;
  for (const TimelineRecord& line : in.timelines) {
    if (line.kind == "paged") {
      auto inc = by_id.find(line.incident_id);
      if (inc != by_id.end()) {
        const std::string& r = inc->second->rule.empty() ? kNone : inc->second->rule;
        ++rule_pages[r];
      }
      auto person = load.find(line.actor);
      if (person == load.end()) continue;  // a channel (team, receiver) page
      PersonLoad& p = person->second;
      ++p.pages;
      const date::time_zone* z = zones[p.user];
      if (z == nullptr) continue;  // no tz database at all
      const auto local = z->to_local(
          date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(line.at_ms)));
      const auto day = date::floor<date::days>(local);
      const auto hour = date::floor<std::chrono::hours>(local - day).count();
      if (hour >= 22 || hour < 7) ++p.night_pages;
      const unsigned wd = date::weekday(day).c_encoding();  // 0 = Sunday
      if (wd == 0 || wd == 6) ++p.weekend_pages;
    } else if (line.kind == "acknowledged") {
      auto person = load.find(std::string(ActorPerson(line.actor)));
      if (person != load.end()) ++person->second.acknowledgements;
    }
  }
  for (auto& [name, p] : load) report.oncall_load.push_back(std::move(p));
  std::stable_sort(report.oncall_load.begin(), report.oncall_load.end(),
                   [](const PersonLoad& a, const PersonLoad& b) { return a.pages > b.pages; });

  // Noisiest rules.
  for (const BreakdownRow& row : report.by_rule) {
    auto pages = rule_pages.find(row.key);
    report.noisiest_rules.push_back(
        RuleNoise{row.key, row.count, pages == rule_pages.end() ? 0 : pages->second});
  }
  std::sort(report.noisiest_rules.begin(), report.noisiest_rules.end(),
            [](const RuleNoise& a, const RuleNoise& b) {
              if (a.incidents != b.incidents) return a.incidents > b.incidents;
              if (a.pages != b.pages) return a.pages > b.pages;
              return a.rule < b.rule;
            });
  if (report.noisiest_rules.size() > kReportTopN) report.noisiest_rules.resize(kReportTopN);

  // Availability.
  std::unordered_map<std::string, Intervals> downs;
  std::unordered_map<std::string, int64_t> down_count;
  for (const IncidentRecord& r : in.incidents) {
    if (r.rule != in.host_down_rule || r.host.empty()) continue;
    const int64_t end = r.resolved_ms != 0 ? r.resolved_ms : in.to_ms;
    downs[r.host].push_back({r.opened_ms, end});
    ++down_count[r.host];
  }
  std::vector<std::optional<Intervals>> occurrences(in.maintenance.size());
  for (const auto& [name, seen] : in.hosts_monitored) {
    HostAvailability a;
    a.host = name;
    const int64_t start = std::max(in.from_ms, seen.first);
    const int64_t end = std::min(in.to_ms, seen.second);
    if (start < end) {
      const Labels labels{{"host", name}};
      Intervals maintenance;
      for (size_t i = 0; i < in.maintenance.size(); ++i) {
        if (!MatchesAll(in.maintenance[i].matchers(), labels)) continue;
        if (!occurrences[i]) {
          occurrences[i] = Occurrences(in.maintenance[i], in.from_ms, in.to_ms);
        }
        const Intervals clipped = Clip(*occurrences[i], start, end);
        maintenance.insert(maintenance.end(), clipped.begin(), clipped.end());
      }
      maintenance = Merge(std::move(maintenance));
      a.maintenance_ms = Length(maintenance);
      a.monitored_ms = (end - start) - a.maintenance_ms;
      auto d = downs.find(name);
      if (d != downs.end()) {
        const Intervals down = Clip(Merge(d->second), start, end);
        a.down_ms = Length(down) - OverlapLength(down, maintenance);
      }
    }
    auto c = down_count.find(name);
    a.incidents = c == down_count.end() ? 0 : c->second;
    if (a.monitored_ms > 0) {
      a.availability_percent =
          100.0 * (1.0 - static_cast<double>(a.down_ms) / static_cast<double>(a.monitored_ms));
    }
    report.availability.push_back(std::move(a));
  }
  std::stable_sort(report.availability.begin(), report.availability.end(),
                   [](const HostAvailability& a, const HostAvailability& b) {
                     // Hosts without a figure (never monitored in the period) last.
                     const double x = a.availability_percent.value_or(1000.0);
                     const double y = b.availability_percent.value_or(1000.0);
                     return x < y;
                   });

  // Longest incidents.
  std::vector<LongIncident> longest;
  longest.reserve(in.incidents.size());
  for (const IncidentRecord& r : in.incidents) {
    const bool open = r.resolved_ms == 0;
    const int64_t end = open ? in.now_ms : r.resolved_ms;
    longest.push_back(
        LongIncident{r.id, "", "", "", r.opened_ms, std::max<int64_t>(0, end - r.opened_ms), open});
  }
  auto longer = [](const LongIncident& a, const LongIncident& b) {
    if (a.duration_ms != b.duration_ms) return a.duration_ms > b.duration_ms;
    return a.id < b.id;
  };
  const size_t top = std::min(kReportTopN, longest.size());
  std::partial_sort(longest.begin(), longest.begin() + static_cast<ptrdiff_t>(top), longest.end(),
                    longer);
  longest.resize(top);
  for (LongIncident& l : longest) {
    const IncidentRecord& r = *by_id[l.id];
    l.title = r.title;
    l.rule = r.rule;
    l.host = r.host;
  }
  report.longest = std::move(longest);
  return report;
}

// ---------------------------------------------------------------- rendering

std::string FormatReportDuration(int64_t ms) {
  if (ms < 0) return StrCat("-", FormatReportDuration(-ms));
  if (ms < 10'000 && ms % 1000 != 0) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1e3);
  const int64_t s = ms / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

namespace {

std::string Human(const std::optional<int64_t>& ms) {
  return ms ? FormatReportDuration(*ms) : std::string("-");
}

// Seconds, exact: 192000 -> "192", 800 -> "0.8".
std::string Seconds(int64_t ms) {
  if (ms % 1000 == 0) return StrCat(ms / 1000);
  std::string s = fmt::format("{:.3f}", static_cast<double>(ms) / 1e3);
  while (s.back() == '0') s.pop_back();
  return s;
}

std::string Seconds(const std::optional<int64_t>& ms) { return ms ? Seconds(*ms) : ""; }

std::string Percent(const std::optional<double>& p) {
  return p ? fmt::format("{:.3f}", *p) : std::string();
}

// One section of the table and HTML renderings: cells already formatted.
struct Section {
  std::string title;
  std::vector<std::string> headers;
  std::vector<bool> numeric;  // right-aligned columns
  std::vector<std::vector<std::string>> rows;
};

Section BreakdownSection(std::string title, std::string key,
                         const std::vector<BreakdownRow>& rows) {
  Section s{std::move(title),
            {std::move(key), "incidents", "MTTA median", "MTTA p90", "MTTR median", "MTTR p90"},
            {false, true, true, true, true, true},
            {}};
  for (const BreakdownRow& r : rows) {
    s.rows.push_back({r.key, StrCat(r.count), Human(r.durations.mtta_median),
                      Human(r.durations.mtta_p90), Human(r.durations.mttr_median),
                      Human(r.durations.mttr_p90)});
  }
  return s;
}

std::vector<Section> Sections(const Report& r) {
  std::vector<Section> out;
  const Durations& d = r.totals.durations;
  out.push_back(Section{
      "Totals",
      {"incidents", "acknowledged", "resolved", "MTTA median", "MTTA p90", "MTTR median",
       "MTTR p90"},
      {true, true, true, true, true, true, true},
      {{StrCat(r.totals.count), StrCat(r.totals.acknowledged), StrCat(r.totals.resolved),
        Human(d.mtta_median), Human(d.mtta_p90), Human(d.mttr_median), Human(d.mttr_p90)}}});
  out.push_back(BreakdownSection("By cause", "cause", r.by_cause));
  out.push_back(BreakdownSection("By team", "team", r.by_team));
  out.push_back(BreakdownSection("By owner", "owner", r.by_owner));
  out.push_back(BreakdownSection("By host", "host", r.by_host));
  out.push_back(BreakdownSection("By rule", "rule", r.by_rule));
  Section noisy{"Noisiest rules", {"rule", "incidents", "pages"}, {false, true, true}, {}};
  for (const RuleNoise& n : r.noisiest_rules) {
    noisy.rows.push_back({n.rule, StrCat(n.incidents), StrCat(n.pages)});
  }
  out.push_back(std::move(noisy));
  Section avail{"Availability",
                {"host", "availability %", "monitored", "maintenance", "down", "down incidents"},
                {false, true, true, true, true, true},
                {}};
  for (const HostAvailability& a : r.availability) {
    avail.rows.push_back({a.host, a.availability_percent ? Percent(a.availability_percent) : "-",
                          FormatReportDuration(a.monitored_ms),
                          FormatReportDuration(a.maintenance_ms), FormatReportDuration(a.down_ms),
                          StrCat(a.incidents)});
  }
  out.push_back(std::move(avail));
  Section load{"On-call load",
               {"user", "time zone", "pages", "at night", "on weekends", "acknowledgements"},
               {false, false, true, true, true, true},
               {}};
  for (const PersonLoad& p : r.oncall_load) {
    load.rows.push_back({p.user, p.time_zone, StrCat(p.pages), StrCat(p.night_pages),
                         StrCat(p.weekend_pages), StrCat(p.acknowledgements)});
  }
  out.push_back(std::move(load));
  Section longest{"Longest incidents",
                  {"id", "title", "rule", "host", "opened", "duration"},
                  {true, false, false, false, false, true},
                  {}};
  for (const LongIncident& l : r.longest) {
    longest.rows.push_back({StrCat(l.id), l.title, l.rule.empty() ? "-" : l.rule,
                            l.host.empty() ? "-" : l.host, routing::FormatRfc3339(l.opened_ms),
                            l.open ? StrCat(FormatReportDuration(l.duration_ms), " (open)")
                                   : FormatReportDuration(l.duration_ms)});
  }
  out.push_back(std::move(longest));
  return out;
}

std::string Title(const Report& r) {
  return StrCat("Non-quality report ", routing::FormatRfc3339(r.from_ms), " to ",
                routing::FormatRfc3339(r.to_ms));
}

// Display width: UTF-8 code points (continuation bytes do not count).
size_t Width(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Control characters would break the table's alignment.
std::string Printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string RenderTable(const Report& r) {
  std::string out = StrCat(Title(r), "\n");
  for (const Section& s : Sections(r)) {
    StrAppend(out, "\n", s.title, "\n", std::string(Width(s.title), '='), "\n");
    if (s.rows.empty()) {
      out += "(none)\n";
      continue;
    }
    std::vector<size_t> width(s.headers.size());
    for (size_t c = 0; c < s.headers.size(); ++c) width[c] = Width(s.headers[c]);
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : s.rows) {
      std::vector<std::string> cells;
      for (size_t c = 0; c < row.size(); ++c) {
        cells.push_back(Printable(row[c]));
        width[c] = std::max(width[c], Width(cells.back()));
      }
      rows.push_back(std::move(cells));
    }
    auto line = [&](const std::vector<std::string>& cells) {
      std::string l;
      for (size_t c = 0; c < cells.size(); ++c) {
        const std::string pad(width[c] - Width(cells[c]), ' ');
        if (c > 0) l += "  ";
        l += s.numeric[c] ? pad + cells[c] : cells[c] + pad;
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      StrAppend(out, l, "\n");
    };
    line(s.headers);
    for (const auto& row : rows) line(row);
  }
  return out;
}

std::string CsvField(std::string_view f) {
  if (f.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(f);
  std::string out = "\"";
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// Columns of the CSV document, the same for every section; a row leaves the
// columns that do not apply to its section empty.
constexpr const char* kCsvColumns[] = {"section",
                                       "key",
                                       "title",
                                       "rule",
                                       "host",
                                       "count",
                                       "acknowledged",
                                       "resolved",
                                       "mtta_median_s",
                                       "mtta_p90_s",
                                       "mttr_median_s",
                                       "mttr_p90_s",
                                       "pages",
                                       "night_pages",
                                       "weekend_pages",
                                       "acknowledgements",
                                       "time_zone",
                                       "monitored_s",
                                       "maintenance_s",
                                       "down_s",
                                       "availability_percent",
                                       "opened",
                                       "duration_s",
                                       "open"};

std::string RenderCsv(const Report& r) {
  const std::vector<std::string_view> columns(std::begin(kCsvColumns), std::end(kCsvColumns));
  auto index = [&](std::string_view name) {
    return static_cast<size_t>(std::find(columns.begin(), columns.end(), name) - columns.begin());
  };
  std::string out;
  auto row = [&](std::initializer_list<std::pair<std::string_view, std::string>> cells) {
    std::vector<std::string> fields(columns.size());
    for (const auto& [name, value] : cells) fields[index(name)] = value;
    for (size_t c = 0; c < fields.size(); ++c) StrAppend(out, c ? "," : "", CsvField(fields[c]));
    out += "\r\n";
  };
  out = JoinStrings(columns, ",") + "\r\n";
  const Durations& d = r.totals.durations;
  row({{"section", "totals"},
       {"key", StrCat(routing::FormatRfc3339(r.from_ms), "/", routing::FormatRfc3339(r.to_ms))},
       {"count", StrCat(r.totals.count)},
       {"acknowledged", StrCat(r.totals.acknowledged)},
       {"resolved", StrCat(r.totals.resolved)},
       {"mtta_median_s", Seconds(d.mtta_median)},
       {"mtta_p90_s", Seconds(d.mtta_p90)},
       {"mttr_median_s", Seconds(d.mttr_median)},
       {"mttr_p90_s", Seconds(d.mttr_p90)}});
  auto breakdown = [&](std::string_view section, const std::vector<BreakdownRow>& rows) {
    for (const BreakdownRow& b : rows) {
      row({{"section", std::string(section)},
           {"key", b.key},
           {"count", StrCat(b.count)},
           {"mtta_median_s", Seconds(b.durations.mtta_median)},
           {"mtta_p90_s", Seconds(b.durations.mtta_p90)},
           {"mttr_median_s", Seconds(b.durations.mttr_median)},
           {"mttr_p90_s", Seconds(b.durations.mttr_p90)}});
    }
  };
  breakdown("cause", r.by_cause);
  breakdown("team", r.by_team);
  breakdown("owner", r.by_owner);
  breakdown("host", r.by_host);
  breakdown("rule", r.by_rule);
  for (const RuleNoise& n : r.noisiest_rules) {
    row({{"section", "noisiest_rule"},
         {"key", n.rule},
         {"count", StrCat(n.incidents)},
         {"pages", StrCat(n.pages)}});
  }
  for (const HostAvailability& a : r.availability) {
    row({{"section", "availability"},
         {"key", a.host},
         {"count", StrCat(a.incidents)},
         {"monitored_s", Seconds(a.monitored_ms)},
         {"maintenance_s", Seconds(a.maintenance_ms)},
         {"down_s", Seconds(a.down_ms)},
         {"availability_percent", Percent(a.availability_percent)}});
  }
  for (const PersonLoad& p : r.oncall_load) {
    row({{"section", "oncall_load"},
         {"key", p.user},
         {"pages", StrCat(p.pages)},
         {"night_pages", StrCat(p.night_pages)},
         {"weekend_pages", StrCat(p.weekend_pages)},
         {"acknowledgements", StrCat(p.acknowledgements)},
         {"time_zone", p.time_zone}});
  }
  for (const LongIncident& l : r.longest) {
    row({{"section", "longest_incident"},
         {"key", StrCat(l.id)},
         {"title", l.title},
         {"rule", l.rule},
         {"host", l.host},
         {"opened", routing::FormatRfc3339(l.opened_ms)},
         {"duration_s", Seconds(l.duration_ms)},
         {"open", l.open ? "true" : "false"}});
  }
  return out;
}

nlohmann::json JsonSeconds(const std::optional<int64_t>& ms) {
  if (!ms) return nullptr;
  return static_cast<double>(*ms) / 1e3;
}

nlohmann::json JsonDurations(const Durations& d) {
  return {{"mtta_median_s", JsonSeconds(d.mtta_median)},
          {"mtta_p90_s", JsonSeconds(d.mtta_p90)},
          {"mttr_median_s", JsonSeconds(d.mttr_median)},
          {"mttr_p90_s", JsonSeconds(d.mttr_p90)}};
}

nlohmann::json JsonBreakdown(const std::vector<BreakdownRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const BreakdownRow& b : rows) {
    nlohmann::json j = JsonDurations(b.durations);
    j["key"] = b.key;
    j["count"] = b.count;
    out.push_back(std::move(j));
  }
  return out;
}

std::string RenderJson(const Report& r) {
  nlohmann::json j;  // std::map keys: sorted, stable
  j["from"] = routing::FormatRfc3339(r.from_ms);
  j["to"] = routing::FormatRfc3339(r.to_ms);
  j["from_ms"] = r.from_ms;
  j["to_ms"] = r.to_ms;
  nlohmann::json totals = JsonDurations(r.totals.durations);
  totals["count"] = r.totals.count;
  totals["acknowledged"] = r.totals.acknowledged;
  totals["resolved"] = r.totals.resolved;
  j["totals"] = std::move(totals);
  j["by_cause"] = JsonBreakdown(r.by_cause);
  j["by_team"] = JsonBreakdown(r.by_team);
  j["by_owner"] = JsonBreakdown(r.by_owner);
  j["by_host"] = JsonBreakdown(r.by_host);
  j["by_rule"] = JsonBreakdown(r.by_rule);
  j["noisiest_rules"] = nlohmann::json::array();
  for (const RuleNoise& n : r.noisiest_rules) {
    j["noisiest_rules"].push_back(
        {{"rule", n.rule}, {"incidents", n.incidents}, {"pages", n.pages}});
  }
  j["availability"] = nlohmann::json::array();
  for (const HostAvailability& a : r.availability) {
    nlohmann::json percent = nullptr;
    if (a.availability_percent) percent = std::round(*a.availability_percent * 1000.0) / 1000.0;
    j["availability"].push_back({{"host", a.host},
                                 {"availability_percent", percent},
                                 {"monitored_s", static_cast<double>(a.monitored_ms) / 1e3},
                                 {"maintenance_s", static_cast<double>(a.maintenance_ms) / 1e3},
                                 {"down_s", static_cast<double>(a.down_ms) / 1e3},
                                 {"incidents", a.incidents}});
  }
  j["oncall_load"] = nlohmann::json::array();
  for (const PersonLoad& p : r.oncall_load) {
    j["oncall_load"].push_back({{"user", p.user},
                                {"time_zone", p.time_zone},
                                {"pages", p.pages},
                                {"night_pages", p.night_pages},
                                {"weekend_pages", p.weekend_pages},
                                {"acknowledgements", p.acknowledgements}});
  }
  j["longest_incidents"] = nlohmann::json::array();
  for (const LongIncident& l : r.longest) {
    j["longest_incidents"].push_back({{"id", l.id},
                                      {"title", l.title},
                                      {"rule", l.rule},
                                      {"host", l.host},
                                      {"opened", routing::FormatRfc3339(l.opened_ms)},
                                      {"duration_s", static_cast<double>(l.duration_ms) / 1e3},
                                      {"open", l.open}});
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string RenderHtml(const Report& r) {
  const std::string title = HtmlEscape(Title(r));
  std::string out = StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", title,
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:2em;color:#222}\n"
      "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}\n"
      "table{border-collapse:collapse}\n"
      "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}\n"
      "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
      "</style>\n</head>\n<body>\n<h1>",
      title, "</h1>\n");
  for (const Section& s : Sections(r)) {
    StrAppend(out, "<h2>", HtmlEscape(s.title), "</h2>\n");
    if (s.rows.empty()) {
      out += "<p>(none)</p>\n";
      continue;
    }
    out += "<table>\n<tr>";
    for (const std::string& h : s.headers) StrAppend(out, "<th>", HtmlEscape(h), "</th>");
    out += "</tr>\n";
    for (const auto& row : s.rows) {
      out += "<tr>";
      for (size_t c = 0; c < row.size(); ++c) {
        StrAppend(out, s.numeric[c] ? "<td class=\"n\">" : "<td>", HtmlEscape(row[c]), "</td>");
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace

absl::StatusOr<std::string> RenderReport(const Report& report, std::string_view format) {
  if (format == "table") return RenderTable(report);
  if (format == "csv") return RenderCsv(report);
  if (format == "json") return RenderJson(report);
  if (format == "html") return RenderHtml(report);
  return absl::InvalidArgumentError(
      StrCat("unknown report format \"", format, "\" (table, csv, json, html)"));
}

}  // namespace vigie::daemon::incidents
