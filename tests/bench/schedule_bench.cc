// Benchmarks of on-call schedules (daemon/oncall): rendering 50 schedules over one
// year, as the daemon does for /oncall/<schedule>.ics and the on-call views.
//
// Each schedule has 2 layers: a weekly 24/7 rotation and a weekly business-hours
// layer (Monday..Friday 08:00-18:00, off on holidays), 5 to 8 members each, in
// one of five time zones (three with DST), 10 holidays and 6 overrides (two of
// which overlap). Reported:
//   BM_RenderAll        time to render all 50 schedules over 2026 (one iteration),
//                       shifts produced, and the peak RSS added by one full render
//                       holding every result (VmHWM reset through
//                       /proc/self/clear_refs, minus VmRSS before), in KiB, after
//                       loading the zones (tzdb_rss_KiB: what loading them added)
//   BM_RenderOneYear    one schedule over 2026
//   BM_OnCallAt         who is on call now (a 1 ms render)
//   BM_NextHandoff      the next hand-off from now
//   BM_ICalOneYear      the .ics of one schedule over 2026 (render + iCalendar text)
//
//   build/tests/bench/schedule_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/oncall/ical.h"
#include "daemon/oncall/schedule.h"
#include "tests/bench/proc_memory.h"

namespace vigie::daemon::oncall {
namespace {

using vigie::bench::MiB;
using vigie::bench::ProcStatusBytes;
using vigie::bench::ResetPeakRss;

constexpr int kSchedules = 50;
constexpr int64_t kDayMs = 86'400'000;

int64_t Local(const char* text) { return *ParseLocalDateTime(text); }

struct Fixture {
  std::vector<Schedule> schedules;
  std::vector<Override> overrides;
  Holidays holidays;
  std::map<std::string, User> users;
  int64_t from = Local("2026-01-01T00:00");
  int64_t to = Local("2027-01-01T00:00");

  Fixture() {
    static constexpr const char* kZones[] = {"Europe/Paris", "America/New_York", "UTC",
                                             "Asia/Tokyo", "Australia/Sydney"};
    for (const char* d : {"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14",
                          "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25"}) {
      holidays.days.insert(*ParseDate(d));
    }
    for (int i = 0; i < kSchedules; ++i) {
      Schedule s;
      s.name = "team-" + std::to_string(i);
      s.time_zone = kZones[i % 5];
      Layer weekly;
      weekly.name = "weekly";
      weekly.start_local_ms = Local("2026-01-05T09:00");
      weekly.shift = std::chrono::hours(168);
      Layer business = weekly;
      business.name = "business";
      business.on_holidays = false;
      business.restrictions.push_back({0b0111110, 8 * 60, 18 * 60});
      const int members = 5 + i % 4;
      for (int m = 0; m < members; ++m) {
        const std::string user = s.name + "-u" + std::to_string(m);
        users[user] = {user, user + "@example.com", "+33 6 12 34 56 78", "@" + user, ""};
        weekly.members.push_back(user);
        business.members.push_back(user);
      }
      std::rotate(business.members.begin(), business.members.begin() + 2, business.members.end());
      s.layers = {weekly, business};
      for (int o = 0; o < 6; ++o) {
        Override ov;
        ov.id = s.name + "-o" + std::to_string(o);
        ov.schedule = s.name;
        ov.user = weekly.members[static_cast<size_t>(o) % weekly.members.size()];
        ov.start_ms = from + (30 + o * 50 + i) * kDayMs + 7 * 3'600'000;
        ov.end_ms = ov.start_ms + (o % 2 == 0 ? 2 : 1) * kDayMs;
        if (o == 5) ov.start_ms = overrides.back().start_ms + 12 * 3'600'000;  // overlaps
        ov.created_at_ms = o;
        overrides.push_back(ov);
      }
      schedules.push_back(std::move(s));
    }
  }
};

const Fixture& F() {
  static const Fixture* f = new Fixture();
  return *f;
}

void BM_RenderAll(benchmark::State& st) {
  const Fixture& f = F();
  // The first use of each time zone loads it from the system tz database.
  const int64_t rss_cold = ProcStatusBytes("VmRSS");
  for (const Schedule& s : f.schedules) benchmark::DoNotOptimize(OnCallAt(s, {}, {}, f.from));
  st.counters["tzdb_rss_KiB"] = static_cast<double>(ProcStatusBytes("VmRSS") - rss_cold) / 1024.0;
  // Peak memory of one full render that keeps every result.
  const int64_t rss_before = ProcStatusBytes("VmRSS");
  ResetPeakRss();
  size_t shifts = 0;
  {
    std::vector<std::vector<Shift>> all;
    for (const Schedule& s : f.schedules) {
      all.push_back(Render(s, f.overrides, f.holidays, f.from, f.to));
      shifts += all.back().size();
    }
    st.counters["peak_rss_added_KiB"] =
        static_cast<double>(ProcStatusBytes("VmHWM") - rss_before) / 1024.0;
  }
  for (auto _ : st) {
    for (const Schedule& s : f.schedules) {
      benchmark::DoNotOptimize(Render(s, f.overrides, f.holidays, f.from, f.to));
    }
  }
  st.counters["shifts"] = static_cast<double>(shifts);
  st.counters["time/schedule"] = benchmark::Counter(
      static_cast<double>(kSchedules),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RenderAll)->Unit(benchmark::kMillisecond);

void BM_RenderOneYear(benchmark::State& st) {
  const Fixture& f = F();
  for (auto _ : st) {
    benchmark::DoNotOptimize(Render(f.schedules[0], f.overrides, f.holidays, f.from, f.to));
  }
}
BENCHMARK(BM_RenderOneYear)->Unit(benchmark::kMicrosecond);

void BM_OnCallAt(benchmark::State& st) {
  const Fixture& f = F();
  const int64_t now = Local("2026-06-17T14:30");
  for (auto _ : st) {
    benchmark::DoNotOptimize(OnCallAt(f.schedules[0], f.overrides, f.holidays, now));
  }
}
BENCHMARK(BM_OnCallAt)->Unit(benchmark::kMicrosecond);

void BM_NextHandoff(benchmark::State& st) {
  const Fixture& f = F();
  const int64_t now = Local("2026-06-17T14:30");
  for (auto _ : st) {
    benchmark::DoNotOptimize(NextHandoff(f.schedules[0], f.overrides, f.holidays, now));
  }
}
BENCHMARK(BM_NextHandoff)->Unit(benchmark::kMicrosecond);

void BM_ICalOneYear(benchmark::State& st) {
  const Fixture& f = F();
  size_t bytes = 0;
  for (auto _ : st) {
    const std::string ics = RenderICalendar(
        f.schedules[0].name, Render(f.schedules[0], f.overrides, f.holidays, f.from, f.to), f.users,
        f.to);
    bytes = ics.size();
    benchmark::DoNotOptimize(ics);
  }
  st.counters["ics_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ICalOneYear)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vigie::daemon::oncall
