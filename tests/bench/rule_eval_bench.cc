// Cost of one evaluation cycle of the default rule set (deploy/rules/default.yml, as
// vigied loads it: DefaultRuleFiles() flattened by rules::FlattenGroups) over a State
// holding N hosts, read through StateQueryable, alerts going to a no-op AlertSink.
//
// Each host reports 208 series every 15 s: the 198 node_exporter-like series of
// tests/bench/node_series.h plus what the vigie agent adds and the rules read
// (node_memory_mem_{total,available}_bytes, vigie_agent_collector_success x 8).
// Values that the rules compare are made plausible: node_time_seconds is the sample
// time, error counters stay at 0, collectors succeed, load averages stay under the CPU
// count (4), memory is half available, filesystems are 30-70 % used; 1 % of the hosts
// have a root filesystem filling up (88 % used an hour ago, 96 % now), so that
// FilesystemAlmostFull and FilesystemFullIn4h are pending for them: 2 alerts per 100 hosts.
//
// History: the longest range in the default rules is [1h] (predict_linear in
// FilesystemFullIn4h; rate() uses [5m]), so the State is filled with 1 h of samples
// (retention 1 h): one round every 120 s for the first 50 min, then every 15 s for the
// last 10 min (the [5m] ranges and instant lookbacks see the real 15 s step), 66 rounds.
// FULL_HISTORY=1 in the environment fills the whole hour at 15 s (241 rounds: the real
// memory, ~3.5x the setup time).
//
// One cycle = EvaluateDue() at the next 15 s boundary, which evaluates each of the
// two groups (vigie-host, vigie-resources) once; before each cycle (not timed) every
// host reports one more round and the clock moves 15 s, as in vigied.
//
// BM_HostTriggeredEval: one host's batch triggering its rules (EvaluateForHost), time per
// call, over the 10,000-host State.
//
// Counters: series in the State, active alerts after the cycle, the RSS the State
// added (VmRSS after filling - before), per series, the RSS the first evaluation left
// (VmRSS after - before) and its peak (VmHWM, reset through /proc/self/clear_refs,
// minus VmRSS before it), in MiB (2^20 B).
//
//   build/tests/bench/rule_eval_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/strings.h"
#include "daemon/config/daemon_config.h"
#include "daemon/ingest/batch_validator.h"
#include "daemon/rules/rule_manager.h"
#include "daemon/state/state.h"
#include "daemon/state/state_queryable.h"
#include "tests/bench/node_series.h"
#include "tests/bench/proc_memory.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {
namespace {

using vigie::bench::MiB;
using vigie::bench::ProcStatusBytes;
using vigie::bench::ResetPeakRss;

constexpr int64_t kIntervalMs = 15'000;
constexpr int64_t kCoarseStepMs = 120'000;
constexpr int64_t kFineSpanMs = 600'000;         // last 10 min at 15 s
constexpr int64_t kHistoryMs = 3'600'000;        // 1 h: the longest range of the default rules
constexpr int64_t kStartMs = 1'700'000'000'020;  // not on a 15 s boundary
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// Counts the active alerts per rule; nothing else.
class NoopSink final : public rules::AlertSink {
 public:
  void OnEvaluated(const std::string&, const std::vector<Alert>& active,
                   const std::vector<AlertEvent>&, int64_t) override {
    for (const Alert& a : active) ++active_[a.rule];
  }
  std::map<std::string, size_t> TakeActive() { return std::exchange(active_, {}); }

 private:
  std::map<std::string, size_t> active_;
};

// What a sample's value follows (see the file comment).
enum class Role {
  kGeneric,
  kTime,
  kZero,
  kOne,
  kLoad,
  kFsSize,
  kFsAvail,
  kMemTotal,
  kMemAvailable
};

struct HostSeries {
  std::vector<bench::SeriesDef> defs;
  std::vector<Role> roles;
  std::vector<bool> root_fs;  // per series: labels mountpoint="/"
};

HostSeries MakeHostSeries() {
  HostSeries hs;
  hs.defs = bench::NodeExporterLikeSeries(198);  // one full node_exporter-like host
  hs.defs.push_back({"node_memory_mem_total_bytes", {}, false});
  hs.defs.push_back({"node_memory_mem_available_bytes", {}, false});
  for (const char* c :
       {"cpu", "meminfo", "loadavg", "filesystem", "diskstats", "netdev", "processes", "uname"}) {
    hs.defs.push_back({"vigie_agent_collector_success", {{"collector", c}}, false});
  }
  for (const bench::SeriesDef& d : hs.defs) {
    Role r = Role::kGeneric;
    const std::string_view n = d.name;
    if (n == "node_time_seconds") {
      r = Role::kTime;
    } else if (n.ends_with("_errs_total") || n == "node_filesystem_readonly" ||
               n == "node_filesystem_device_error") {
      r = Role::kZero;
    } else if (n == "vigie_agent_collector_success") {
      r = Role::kOne;
    } else if (n == "node_load1" || n == "node_load5" || n == "node_load15") {
      r = Role::kLoad;
    } else if (n == "node_filesystem_size_bytes") {
      r = Role::kFsSize;
    } else if (n == "node_filesystem_avail_bytes" || n == "node_filesystem_free_bytes") {
      r = Role::kFsAvail;
    } else if (n == "node_memory_mem_total_bytes") {
      r = Role::kMemTotal;
    } else if (n == "node_memory_mem_available_bytes") {
      r = Role::kMemAvailable;
    }
    hs.roles.push_back(r);
    bool root = false;
    for (const auto& [k, v] : d.labels) root |= k == "mountpoint" && v == "/";
    hs.root_fs.push_back(root);
  }
  return hs;
}

// Sets the values FillBatch/UpdateBatch gave to the series the rules compare.
void OverrideValues(const HostSeries& hs, size_t host, uint64_t round, int64_t ts_ms,
                    vigie::v1::Batch& batch) {
  const bool filling = host % 100 == 7;  // 1 % of the hosts
  for (size_t i = 0; i < hs.roles.size(); ++i) {
    double v = 0;
    const double size = 100 * kGiB;
    switch (hs.roles[i]) {
      case Role::kGeneric:
        continue;
      case Role::kTime:
        v = static_cast<double>(ts_ms) / 1000.0;
        break;
      case Role::kZero:
        v = 0;
        break;
      case Role::kOne:
        v = 1;
        break;
      case Role::kLoad:  // 4 CPUs, 0.2 to 3.2 runnable
        v = 0.2 + static_cast<double>(Mix(host ^ (round << 24) ^ i) % 300) / 100.0;
        break;
      case Role::kFsSize:
        v = size;
        break;
      case Role::kFsAvail:
        if (filling && hs.root_fs[i]) {
          // 88 % used at the start, 8 GiB less free space per hour: 96 % after the hour.
          v = size * 0.12 - static_cast<double>(ts_ms - kStartMs) / 3'600'000.0 * 8 * kGiB;
        } else {
          v = size * (0.3 + 0.4 * static_cast<double>(Mix(host * 1000 + i) % 1000) / 1000.0);
        }
        break;
      case Role::kMemTotal:
        v = 16 * kGiB;
        break;
      case Role::kMemAvailable:
        v = 8 * kGiB + static_cast<double>(Mix(host ^ (round << 20)) % 1024) * 1048576.0;
        break;
    }
    batch.mutable_samples(static_cast<int>(i))->set_value(v);
  }
}

// A State with `hosts` hosts and 1 h of history, and a RuleManager over it.
class Fixture {
 public:
  explicit Fixture(size_t hosts)
      : hosts_(hosts), series_(MakeHostSeries()), state_(clock_, StateOptions{}) {
    rss_before_state_ = ProcStatusBytes("VmRSS");
    names_.reserve(hosts_);
    for (size_t h = 0; h < hosts_; ++h) {
      names_.push_back(StrCat("host-", h, ".dc", h % 4, ".example.com"));
      vigie::v1::HelloRequest hello;
      hello.set_host(names_.back());
      hello.set_interval_ms(kIntervalMs);
      auto* env = hello.add_host_labels();
      env->set_name("env");
      env->set_value(h % 10 == 0 ? "staging" : "prod");
      auto* role = hello.add_host_labels();
      role->set_name("role");
      role->set_value(StrCat("role-", h % 20));
      state_.Hello(hello);
    }
    bench::FillBatch(series_.defs, 1, 0, kStartMs, batch_);
    if (absl::Status st = ValidateBatch(batch_, IngestLimits{}); !st.ok()) {
      error_ = st.ToString();
      return;
    }
    // 50 min at 120 s, then 10 min at 15 s (or all of it at 15 s).
    const char* full = std::getenv("FULL_HISTORY");
    const int64_t fine_span =
        full != nullptr && std::string_view(full) == "1" ? kHistoryMs : kFineSpanMs;
    const int64_t end = kStartMs + kHistoryMs;
    for (int64_t ts = kStartMs; ts < end - fine_span; ts += kCoarseStepMs) Round(ts);
    for (int64_t ts = end - fine_span; ts <= end; ts += kIntervalMs) Round(ts);
    rounds_ = round_;
    rss_state_ = ProcStatusBytes("VmRSS") - rss_before_state_;

    // Created one interval back: the first EvaluateDue() at now evaluates each group once.
    auto manager =
        rules::RuleManager::Create(rules::FlattenGroups(DefaultRuleFiles()), queryable_, sink_,
                                   rules::RuleManagerOptions{}, now_ms_ - kIntervalMs + 1);
    if (!manager.ok()) {
      error_ = manager.status().ToString();
      return;
    }
    manager_ = std::move(*manager);
    for (const auto& g : manager_->Status()) rules_ += g.rules.size();

    // The first cycle, for memory: what it leaves and its peak.
    const int64_t before = ProcStatusBytes("VmRSS");
    ResetPeakRss();
    if (!Cycle()) error_ = "the first cycle did not evaluate every group once";
    rss_first_eval_ = ProcStatusBytes("VmRSS") - before;
    peak_first_eval_ = ProcStatusBytes("VmHWM") - before;
    for (const auto& g : manager_->Status()) {
      for (const auto& r : g.rules) {
        std::fprintf(stderr, "%zu hosts: %s %.1f ms%s%s\n", hosts_, r.name.c_str(),
                     static_cast<double>(r.eval_duration.count()) / 1e6,
                     r.last_error.empty() ? "" : " error: ", r.last_error.c_str());
      }
    }
  }

  // One more round for every host, 15 s later (not timed).
  void NextRound() { Round(last_ts_ + kIntervalMs); }

  // EvaluateDue() at now; returns false unless every group was evaluated once.
  bool Cycle() {
    const uint64_t before = Evaluations();
    manager_->EvaluateDue(now_ms_);
    active_ = 0;
    for (const auto& [rule, n] : sink_.TakeActive()) {
      active_ += n;
      if (!reported_) std::fprintf(stderr, "%zu hosts: %zu %s alerts\n", hosts_, n, rule.c_str());
    }
    reported_ = true;
    return Evaluations() == before + groups();
  }

  // A batch of the next host (in name order, wrapping) triggers its rules, as in vigied:
  // EvaluateForHost at the time of the last round. Each host at most once per
  // min_host_eval_interval, or the call would be deferred, not evaluated.
  void TriggerNextHost() {
    manager_->EvaluateForHost(names_[next_host_], now_ms_);
    next_host_ = (next_host_ + 1) % hosts_;
  }

  // Host-triggered evaluations so far, over every rule.
  uint64_t HostEvaluations() const {
    uint64_t n = 0;
    for (const auto& g : manager_->Status()) {
      for (const auto& r : g.rules) n += r.host_evaluations;
    }
    return n;
  }

  uint64_t Evaluations() const {
    uint64_t n = 0;
    for (const auto& g : manager_->Status()) n += g.rules.empty() ? 0 : g.rules[0].evaluations;
    return n;
  }
  size_t groups() const { return manager_->Status().size(); }

  const std::string& error() const { return error_; }
  size_t hosts() const { return hosts_; }
  size_t rules() const { return rules_; }
  size_t active() const { return active_; }
  uint64_t rounds() const { return rounds_; }
  int64_t rss_state() const { return rss_state_; }
  int64_t rss_first_eval() const { return rss_first_eval_; }
  int64_t peak_first_eval() const { return peak_first_eval_; }
  const State& state() const { return state_; }

 private:
  void Round(int64_t ts) {
    ++round_;
    now_ms_ = ts + 500;  // the daemon's clock when the round arrives
    clock_.SetMillis(now_ms_);
    bench::UpdateBatch(series_.defs, round_, round_, ts, batch_);
    for (size_t h = 0; h < hosts_; ++h) {
      OverrideValues(series_, h, round_, ts, batch_);
      state_.Apply(names_[h], batch_);
    }
    last_ts_ = ts;
  }

  size_t hosts_;
  HostSeries series_;
  FakeClock clock_{kStartMs};
  State state_;
  StateQueryable queryable_{state_};
  NoopSink sink_;
  std::unique_ptr<rules::RuleManager> manager_;
  std::vector<std::string> names_;
  vigie::v1::Batch batch_;
  uint64_t round_ = 0;
  size_t next_host_ = 0;
  int64_t last_ts_ = 0;
  int64_t now_ms_ = 0;
  size_t rules_ = 0;
  size_t active_ = 0;
  uint64_t rounds_ = 0;
  bool reported_ = false;
  int64_t rss_before_state_ = 0;
  int64_t rss_state_ = 0;
  int64_t rss_first_eval_ = 0;
  int64_t peak_first_eval_ = 0;
  std::string error_;
};

// One fixture at a time (the 10,000-host one holds ~1 GiB): built on first use by a
// benchmark, replaced when the next one asks for another host count.
Fixture& GetFixture(size_t hosts) {
  static std::unique_ptr<Fixture> fixture;
  if (!fixture || fixture->hosts() != hosts) {
    fixture.reset();
    fixture = std::make_unique<Fixture>(hosts);
  }
  return *fixture;
}

void BM_DefaultRulesCycle(benchmark::State& st) {
  Fixture& f = GetFixture(static_cast<size_t>(st.range(0)));
  if (!f.error().empty()) {
    st.SkipWithError(f.error().c_str());
    return;
  }
  for (auto _ : st) {
    st.PauseTiming();
    f.NextRound();
    st.ResumeTiming();
    if (!f.Cycle()) st.SkipWithError("a group was not evaluated exactly once");
  }
  const double series = static_cast<double>(f.state().SeriesCount());
  st.counters["hosts"] = static_cast<double>(f.hosts());
  st.counters["series"] = series;
  st.counters["rules"] = static_cast<double>(f.rules());
  st.counters["history_rounds"] = static_cast<double>(f.rounds());
  st.counters["alerts"] = static_cast<double>(f.active());
  st.counters["state_MiB"] = MiB(f.rss_state());
  st.counters["state_B/series"] = static_cast<double>(f.rss_state()) / series;
  st.counters["eval_left_MiB"] = MiB(f.rss_first_eval());
  st.counters["eval_peak_MiB"] = MiB(f.peak_first_eval());
}
// Fixed iteration counts keep the run bounded (~1.5 min here, half of it filling the State).
BENCHMARK(BM_DefaultRulesCycle)->Arg(1'000)->Iterations(10)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DefaultRulesCycle)->Arg(10'000)->Iterations(3)->Unit(benchmark::kMillisecond);

// One host's batch arriving: RuleManager::EvaluateForHost for one host of the State, after
// the cycles above (same fixture). Every default rule is host-separable, so each call
// evaluates the 8 rules for that host only (host="..." added to every selector) and hands
// each group's whole active list to the sink. Distinct hosts, so none is rate-limited.
void BM_HostTriggeredEval(benchmark::State& st) {
  Fixture& f = GetFixture(static_cast<size_t>(st.range(0)));
  if (!f.error().empty()) {
    st.SkipWithError(f.error().c_str());
    return;
  }
  const uint64_t before = f.HostEvaluations();
  for (auto _ : st) f.TriggerNextHost();
  const double calls = static_cast<double>(st.iterations());
  st.counters["hosts"] = static_cast<double>(f.hosts());
  st.counters["rules_per_call"] = static_cast<double>(f.HostEvaluations() - before) / calls;
  st.counters["calls_per_s"] = benchmark::Counter(calls, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HostTriggeredEval)->Arg(10'000)->Iterations(2'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vigie::daemon
