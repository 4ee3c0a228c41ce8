// Benchmarks of the non-quality report (daemon/incidents/report.h) over a busy
// month: 100,000 incidents opened over 30 days (January 2026) on 500 hosts by
// 30 rules (one of them HostDown, 2 % of the incidents), with 5 timeline lines
// each on average (triggered, notified, paged, acknowledged by 80 %, resolved
// by 95 %; a tenth also pages a team channel), 20 users in 5 time zones, 8
// maintenance windows (daily, weekly and one-off, some matching many hosts).
// Reported:
//   BM_ComputeReport   time to compute the report (one iteration), and the
//                      peak RSS added by one computation holding its result
//                      (VmHWM reset through /proc/self/clear_refs, minus VmRSS
//                      before), in KiB, after loading the time zones
//                      (input_rss_KiB: what building the input took)
//   BM_Render/<format> time to render the computed report in each format
//                      (bytes: the rendering's size)
//
//   build/tests/bench/report_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/matcher.h"
#include "common/strings.h"
#include "daemon/incidents/report.h"
#include "tests/bench/proc_memory.h"

namespace vigie::daemon::incidents {
namespace {

using vigie::bench::MiB;
using vigie::bench::ProcStatusBytes;
using vigie::bench::ResetPeakRss;

constexpr int kIncidents = 100'000;
constexpr int kHosts = 500;
constexpr int kRules = 30;
constexpr int kUsers = 20;
constexpr int64_t kMin = 60'000;
constexpr int64_t kDay = 86'400'000;
constexpr int64_t kFrom = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kTo = kFrom + 30 * kDay;

routing::MaintenanceWindow Window(std::string name, std::string matcher, std::string zone,
                                  routing::MaintenanceSchedule s) {
  return *routing::MaintenanceWindow::Make(std::move(name), {*Matcher::Parse(matcher)},
                                           std::move(zone), s);
}

ReportInput MakeInput() {
  ReportInput in;
  in.from_ms = kFrom;
  in.to_ms = kTo;
  in.now_ms = kTo;
  std::mt19937_64 rng(42);
  auto uniform = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  const char* zones[] = {"Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC",
                         "Australia/Sydney"};
  std::vector<std::string> users;
  for (int u = 0; u < kUsers; ++u) {
    const std::string name = StrCat("user", u);
    in.users[name] = oncall::User{name, "", "", "", zones[u % 5]};
    users.push_back(name);
  }
  std::vector<std::string> hosts;
  for (int h = 0; h < kHosts; ++h) {
    hosts.push_back(StrCat(h % 5 == 0 ? "db-" : "web-", h));
    // A tenth of the hosts appeared during the month.
    const int64_t first = h % 10 == 0 ? kFrom + uniform(20 * kDay) : kFrom - 90 * kDay;
    in.hosts_monitored[hosts.back()] = {first, kTo};
  }
  const char* causes[] = {"", "hardware", "software", "network", "capacity", "change"};
  const char* owners[] = {"", "internal", "internal", "ovh", "acme"};
  in.incidents.reserve(kIncidents);
  in.timelines.reserve(kIncidents * 5 + kIncidents / 10);
  for (int i = 0; i < kIncidents; ++i) {
    IncidentRecord r;
    r.id = i + 1;
    // 2 % HostDown; the other rules skewed (rule k about twice as often as k+10).
    r.rule = uniform(50) == 0 ? "HostDown" : StrCat("Rule", uniform(1 + uniform(kRules - 1)));
    r.host = hosts[static_cast<size_t>(uniform(kHosts))];
    r.title = StrCat(r.rule, " on ", r.host);
    r.source = "alert";
    r.labels = {{"alertname", r.rule}, {"host", r.host}, {"team", StrCat("team", uniform(8))}};
    r.cause = causes[uniform(6)];
    r.owner = owners[uniform(5)];
    r.opened_ms = kFrom + uniform(30 * kDay);
    const std::string& user = users[static_cast<size_t>(uniform(kUsers))];
    in.timelines.push_back({r.id, r.opened_ms, "triggered", "vigied", "3 alerts"});
    in.timelines.push_back({r.id, r.opened_ms, "notified", "vigied", "ops-mail"});
    in.timelines.push_back({r.id, r.opened_ms, "paged", user, "step 1 via mail"});
    if (i % 10 == 0) {
      in.timelines.push_back({r.id, r.opened_ms + 10 * kMin, "paged", "ops", "step 2 via chat"});
    }
    if (uniform(10) < 8) {
      r.acked_ms = r.opened_ms + uniform(30 * kMin);
      r.acked_by = i % 3 == 0 ? StrCat(user, " (link)") : user;
      in.timelines.push_back({r.id, r.acked_ms, "acknowledged", r.acked_by, ""});
    }
    if (uniform(20) != 0) {
      r.resolved_ms = r.opened_ms + uniform(r.rule == "HostDown" ? 120 * kMin : 600 * kMin);
      in.timelines.push_back({r.id, r.resolved_ms, "resolved", "vigied", ""});
    }
    r.state = r.resolved_ms ? "resolved" : r.acked_ms ? "acknowledged" : "triggered";
    in.incidents.push_back(std::move(r));
  }
  using Kind = routing::MaintenanceSchedule::Kind;
  auto daily = [](int minute, int hours) {
    routing::MaintenanceSchedule s;
    s.kind = Kind::kDaily;
    s.minute_of_day = minute;
    s.duration = std::chrono::hours(hours);
    return s;
  };
  auto weekly = [&](uint8_t days, int minute, int hours) {
    routing::MaintenanceSchedule s = daily(minute, hours);
    s.kind = Kind::kWeekly;
    s.weekdays = days;
    return s;
  };
  auto once = [](int64_t start, int64_t end) {
    return routing::MaintenanceSchedule{Kind::kOnce, start, end};
  };
  in.maintenance = {
      Window("db-backup", "host=~db-.*", "Europe/Paris", daily(3 * 60, 1)),
      Window("web-deploy", "host=~web-1.*", "UTC", weekly(0b0010100, 20 * 60, 2)),
      Window("sunday-patch", "host=~.*7", "America/New_York", weekly(0b0000001, 60, 4)),
      Window("nightly-10", "host=~.*0", "Asia/Tokyo", daily(23 * 60 + 30, 1)),
      Window("move-1", "host=web-1", "UTC", once(kFrom + 3 * kDay, kFrom + 4 * kDay)),
      Window("move-2", "host=db-5", "UTC", once(kFrom + 10 * kDay, kFrom + 10 * kDay + kDay / 2)),
      Window("dc-outage", "host=~web-2.*", "UTC", once(kFrom - kDay, kFrom + kDay)),
      Window("never", "host=nothing", "UTC", daily(0, 1)),
  };
  return in;
}

// What building the input took, in bytes of RSS.
int64_t input_rss = 0;

const ReportInput& Input() {
  static const ReportInput* in = [] {
    const int64_t before = ProcStatusBytes("VmRSS");
    auto* p = new ReportInput(MakeInput());
    input_rss = ProcStatusBytes("VmRSS") - before;
    return p;
  }();
  return *in;
}

// Peak RSS added by one computation holding its result, in bytes: measured
// once, with the tz database loaded and free heap memory given back first.
int64_t PeakRssAdded(const ReportInput& in) {
  static const int64_t added = [&] {
    benchmark::DoNotOptimize(ComputeReport(in));  // loads the time zones
    malloc_trim(0);
    const int64_t before = ProcStatusBytes("VmRSS");
    ResetPeakRss();
    Report r = ComputeReport(in);
    benchmark::DoNotOptimize(r);
    return ProcStatusBytes("VmHWM") - before;
  }();
  return added;
}

void BM_ComputeReport(benchmark::State& st) {
  const ReportInput& in = Input();
  st.counters["input_rss_KiB"] = static_cast<double>(input_rss) / 1024.0;
  st.counters["peak_rss_added_KiB"] = static_cast<double>(PeakRssAdded(in)) / 1024.0;
  for (auto _ : st) benchmark::DoNotOptimize(ComputeReport(in));
  st.counters["incidents"] = static_cast<double>(in.incidents.size());
  st.counters["timeline_lines"] = static_cast<double>(in.timelines.size());
}
BENCHMARK(BM_ComputeReport)->Unit(benchmark::kMillisecond);

void BM_Render(benchmark::State& st, std::string_view format) {
  static const Report* report = new Report(ComputeReport(Input()));
  size_t bytes = 0;
  for (auto _ : st) {
    auto text = RenderReport(*report, format);
    bytes = text->size();
    benchmark::DoNotOptimize(text);
  }
  st.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(BM_Render, table, "table")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, csv, "csv")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, json, "json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, html, "html")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vigie::daemon::incidents
