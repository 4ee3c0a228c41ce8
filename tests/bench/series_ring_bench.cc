// Benchmarks of SeriesRing: append throughput, a 1 h range scan, and the memory one series
// costs with node_exporter-like data (run first, so that RSS growth is the rings' alone).
//
//   build/tests/bench/series_ring_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "daemon/state/series_ring.h"

namespace vigie::daemon {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kInterval = 15'000;
constexpr int64_t kStart = 1'700'000'000'000;

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

double Uniform(uint64_t& state) {  // [0, 1)
  return static_cast<double>(SplitMix(state) >> 11) * 0x1.0p-53;
}

enum class Kind { kConstant, kSecondsCounter, kBytesCounter, kLoad, kMemAvailable, kRatio };

// One node_exporter-like series: 40 % constant gauges, 40 % counters (CPU seconds with
// 10 ms resolution, byte counters growing by irregular amounts, sometimes not at all),
// 20 % noisy gauges (load average, available memory in pages, a free-running ratio).
class SeriesGen {
 public:
  SeriesGen(int index, uint64_t seed) : rng_(seed) {
    const int slot = index % 10;
    kind_ = slot < 4    ? Kind::kConstant
            : slot < 6  ? Kind::kSecondsCounter
            : slot < 8  ? Kind::kBytesCounter
            : slot == 8 ? (index % 20 < 10 ? Kind::kLoad : Kind::kMemAvailable)
                        : Kind::kRatio;
    value_ = kind_ == Kind::kConstant       ? std::floor(Uniform(rng_) * 64) * 1073741824.0
             : kind_ == Kind::kMemAvailable ? 8e9
                                            : std::floor(Uniform(rng_) * 1e6);
  }

  // The next sample at the nominal time `t`, stamped as the agent does (wall clock when the
  // round runs): 0-3 ms of timer jitter, and 0-40 ms one round in ten (a loaded host).
  Point Next(int64_t t) {
    switch (kind_) {
      case Kind::kConstant:
        break;
      case Kind::kSecondsCounter:
        value_ = std::round((value_ + Uniform(rng_) * 15) * 100) / 100;
        break;
      case Kind::kBytesCounter:
        if (Uniform(rng_) < 0.8) value_ += std::floor(Uniform(rng_) * Uniform(rng_) * 5e6);
        break;
      case Kind::kLoad:
        value_ =
            std::round(std::fabs(std::sin(static_cast<double>(t) / 6e5) * 3 + Uniform(rng_) * 0.5) *
                       100) /
            100;
        break;
      case Kind::kMemAvailable:
        value_ += std::floor((Uniform(rng_) - 0.5) * 2000) * 4096;
        break;
      case Kind::kRatio:
        value_ = Uniform(rng_);
        break;
    }
    const uint64_t jitter_ms = SplitMix(rng_) % 10 == 0 ? 41 : 4;
    return {t + static_cast<int64_t>(SplitMix(rng_) % jitter_ms), value_};
  }

 private:
  uint64_t rng_;
  Kind kind_;
  double value_;
};

std::optional<double> RssBytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib * 1024;
    }
  }
  return std::nullopt;
}

// 10,000 series with 1 h retention, fed round-robin (as ingest does) for 2 h plus a random
// phase of up to 30 min, so that chunk cuts are spread and the figure is a steady state.
void BM_MemoryPerSeries(benchmark::State& state) {
  constexpr int kSeries = 10'000;
  for (auto _ : state) {
    std::vector<SeriesGen> gens;
    std::vector<int64_t> starts;
    uint64_t seed = 42;
    for (int i = 0; i < kSeries; ++i) {
      gens.emplace_back(i, SplitMix(seed));
      starts.push_back(kStart - static_cast<int64_t>(SplitMix(seed) % 120) * kInterval);
    }
    const std::optional<double> rss_before = RssBytes();
    std::vector<SeriesRing> rings;
    rings.reserve(kSeries);
    for (int i = 0; i < kSeries; ++i) rings.emplace_back(kHour);
    const int64_t end = kStart + 2 * kHour;
    for (int64_t t = kStart - 120 * kInterval; t < end; t += kInterval) {
      for (int i = 0; i < kSeries; ++i) {
        if (t < starts[static_cast<size_t>(i)]) continue;
        const Point p = gens[static_cast<size_t>(i)].Next(t);
        rings[static_cast<size_t>(i)].Append(p.timestamp_ms, p.value);
      }
    }
    const std::optional<double> rss_after = RssBytes();

    double bytes = 0;
    double points = 0;
    double group_bytes[3] = {};  // constant gauges, counters, noisy gauges
    for (size_t i = 0; i < rings.size(); ++i) {
      const auto ring_bytes = static_cast<double>(rings[i].MemoryBytes());
      bytes += ring_bytes;
      points += static_cast<double>(rings[i].size());
      group_bytes[i % 10 < 4 ? 0 : i % 10 < 8 ? 1 : 2] += ring_bytes;
    }
    state.counters["constant_B"] = group_bytes[0] / (kSeries * 0.4);
    state.counters["counter_B"] = group_bytes[1] / (kSeries * 0.4);
    state.counters["noisy_B"] = group_bytes[2] / (kSeries * 0.2);
    state.counters["bytes/series"] = bytes / kSeries;
    state.counters["points/series"] = points / kSeries;
    state.counters["bits/point"] = bytes * 8 / points;
    state.counters["sizeof"] = sizeof(SeriesRing);
    if (rss_before && rss_after) {
      state.counters["rss_bytes/series"] = (*rss_after - *rss_before) / kSeries;
    }
  }
}
BENCHMARK(BM_MemoryPerSeries)->Iterations(1)->Unit(benchmark::kMillisecond);

// Appends to one ring with 1 h retention (chunks are cut, sealed and dropped as in production).
// Arg: 0 constant gauge, 1 CPU seconds counter, 2 bytes counter, 5 ratio (incompressible).
void BM_Append(benchmark::State& state) {
  constexpr size_t kPoints = 1 << 14;
  SeriesGen gen(static_cast<int>(state.range(0)), 1);
  std::vector<Point> deltas;  // timestamps relative to the block start
  for (size_t i = 0; i < kPoints; ++i) {
    deltas.push_back(gen.Next(static_cast<int64_t>(i) * kInterval));
  }
  SeriesRing ring(kHour);
  int64_t base = kStart;
  size_t i = 0;
  for (auto _ : state) {
    const Point& p = deltas[i];
    benchmark::DoNotOptimize(ring.Append(base + p.timestamp_ms, p.value));
    if (++i == kPoints) {
      i = 0;
      base += static_cast<int64_t>(kPoints) * kInterval;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Append)->Arg(0)->Arg(4)->Arg(6)->Arg(9);

// A ring holding 2 h 9 min of a CPU seconds counter at 15 s (1 h retention: ~1.5 h kept).
SeriesRing CounterRing() {
  SeriesGen gen(4, 1);
  SeriesRing ring(kHour);
  int64_t t = kStart;
  for (int i = 0; i < 2 * 240 + 37; ++i, t += kInterval) {
    const Point p = gen.Next(t);
    ring.Append(p.timestamp_ms, p.value);
  }
  return ring;
}

// A rule-window scan: every point of the last hour, through std::function (kStdFunction) or
// the inlined visitor.
enum class Visit { kStdFunction, kInlined };

template <Visit kVisit>
void BM_Scan1h(benchmark::State& state) {
  const SeriesRing ring = CounterRing();
  const int64_t newest = ring.Latest()->timestamp_ms;
  int64_t points = 0;
  for (auto _ : state) {
    double sum = 0;
    const auto add = [&](const Point& p) {
      sum += p.value;
      ++points;
    };
    if constexpr (kVisit == Visit::kStdFunction) {
      ring.ForEachInRange(newest - kHour, newest, add);
    } else {
      ring.VisitRange(newest - kHour, newest, add);
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(points);
}
BENCHMARK(BM_Scan1h<Visit::kStdFunction>)->Name("BM_ForEachInRange1h");
BENCHMARK(BM_Scan1h<Visit::kInlined>)->Name("BM_VisitRange1h");

}  // namespace
}  // namespace vigie::daemon
