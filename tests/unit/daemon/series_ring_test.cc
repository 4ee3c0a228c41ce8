#include "daemon/state/series_ring.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "daemon/state/bit_stream.h"

namespace vigie::daemon {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

std::vector<Point> Collect(const SeriesRing& ring, int64_t from = kMin, int64_t to = kMax) {
  std::vector<Point> out;
  ring.ForEachInRange(from, to, [&](const Point& p) { out.push_back(p); });
  return out;
}

// Compares timestamps and value bits (NaN payloads included).
void ExpectSame(const std::vector<Point>& got, const std::vector<Point>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].timestamp_ms, want[i].timestamp_ms) << "point " << i;
    ASSERT_EQ(Bits(got[i].value), Bits(want[i].value))
        << "point " << i << ": " << got[i].value << " vs " << want[i].value;
  }
}

// Appends every point to a ring whose retention keeps them all and checks the round trip
// through ForEachInRange, VisitRange, Scan and Latest.
void RoundTrip(const std::vector<Point>& points) {
  SeriesRing ring(kMax, std::numeric_limits<uint32_t>::max());
  for (const Point& p : points) ASSERT_TRUE(ring.Append(p.timestamp_ms, p.value));
  EXPECT_EQ(ring.size(), points.size());
  ExpectSame(Collect(ring), points);

  std::vector<Point> visited;
  ring.VisitRange(kMin, kMax, [&](const Point& p) { visited.push_back(p); });
  ExpectSame(visited, points);

  std::vector<Point> scanned;
  Point p;
  for (auto it = ring.Scan(kMin, kMax); it.Next(&p);) scanned.push_back(p);
  ExpectSame(scanned, points);

  if (!points.empty()) {
    auto latest = ring.Latest();
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->timestamp_ms, points.back().timestamp_ms);
    EXPECT_EQ(Bits(latest->value), Bits(points.back().value));
  }
}

TEST(SeriesRingBitStreamTest, WritesAndReadsEveryWidth) {
  std::vector<uint8_t> buf(2048, 0xAB);  // garbage: the writer must not OR into it
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int>> runs;
  BitWriter writer(buf.data(), 0);
  for (int i = 0; i < 200; ++i) {
    const int n = static_cast<int>(rng() % 65);
    const uint64_t v = n == 64 ? rng() : rng() & ((uint64_t{1} << n) - 1);
    runs.emplace_back(v, n);
    writer.WriteBits(v, n);
  }
  BitReader reader(buf.data(), (writer.bit_len() + 7) / 8);
  for (const auto& [v, n] : runs) ASSERT_EQ(reader.ReadBits(n), v) << n;
}

TEST(SeriesRingBitStreamTest, ReadsZerosPastTheEnd) {
  const uint8_t data[] = {0xff};
  BitReader reader(data, 1);
  EXPECT_EQ(reader.ReadBits(4), 0xfu);
  EXPECT_EQ(reader.ReadBits(8), 0xf0u);
  EXPECT_EQ(reader.ReadBits(64), 0u);
}

TEST(SeriesRingTest, EmptyRing) {
  SeriesRing ring(kHour);
  EXPECT_EQ(ring.size(), 0u);
  EXPECT_TRUE(ring.empty());
  EXPECT_FALSE(ring.Latest().has_value());
  EXPECT_TRUE(Collect(ring).empty());
  EXPECT_EQ(ring.MemoryBytes(), sizeof(SeriesRing));
  EXPECT_EQ(ring.retention_ms(), kHour);
}

TEST(SeriesRingTest, ObjectIsSmall) { EXPECT_LE(sizeof(SeriesRing), 48u); }

TEST(SeriesRingTest, RoundTripsRandomWalk) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> step(0, 3.5);
  std::vector<Point> points;
  double v = 100;
  for (int i = 0; i < 1000; ++i) {
    v += step(rng);
    points.push_back({1'700'000'000'000 + i * 15'000 + static_cast<int64_t>(rng() % 40), v});
  }
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsConstantValues) {
  std::vector<Point> points;
  for (int i = 0; i < 500; ++i) points.push_back({i * 15'000LL, 42.0});
  RoundTrip(points);
  points.clear();
  for (int i = 0; i < 500; ++i) points.push_back({i * 15'000LL, 0.0});
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsCounters) {
  std::mt19937_64 rng(2);
  std::vector<Point> points;
  double c = 123456789;
  for (int i = 0; i < 700; ++i) {
    c += static_cast<double>(rng() % 100'000);
    if (i == 300) c = 0;  // counter reset
    points.push_back({i * 10'000LL, c});
  }
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsSpecialValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double stale = std::bit_cast<double>(uint64_t{0x7ff0000000000002});  // Prometheus
  const double snan = std::numeric_limits<double>::signaling_NaN();
  const double neg_nan = std::bit_cast<double>(uint64_t{0xfff8000000000123});
  const double inf = std::numeric_limits<double>::infinity();
  const double values[] = {1.0,
                           nan,
                           stale,
                           1.0,
                           inf,
                           -inf,
                           -0.0,
                           0.0,
                           snan,
                           neg_nan,
                           -1.5,
                           1e308,
                           -1e-308,
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest(),
                           stale,
                           stale,
                           nan,
                           3.0};
  std::vector<Point> points;
  int64_t t = 0;
  for (double v : values) points.push_back({t += 15'000, v});
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsNegativeValues) {
  std::vector<Point> points;
  for (int i = 0; i < 300; ++i) points.push_back({i * 1000LL, -1000.0 + i * -0.25});
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsIrregularTimestamps) {
  std::mt19937_64 rng(3);
  std::vector<Point> points;
  int64_t t = -5 * kHour;  // negative timestamps too
  const int64_t gaps[] = {
      1, 2,   15'000, 14'999,      15'001,    60'000,    3 * kHour, 26 * kHour,
      1, 255, 256,    -0 + 32'768, 8'388'607, 8'388'608, 1'000,     kHour * 24 * 400};
  for (int i = 0; i < 2000; ++i) {
    t += i % 7 == 0 ? gaps[rng() % std::size(gaps)] : 1 + static_cast<int64_t>(rng() % 30'000);
    points.push_back({t, static_cast<double>(rng() % 1000) / 7});
  }
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsOneMillisecondSteps) {
  std::vector<Point> points;
  for (int i = 0; i < 1000; ++i) points.push_back({1'000'000 + i, i * 0.5});
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsExtremeTimestamps) {
  RoundTrip({{kMin, 1}, {kMin + 1, 2}, {-1, 3}, {0, 4}});
  RoundTrip({{0, 1}, {1, 2}, {kMax - 1, 3}, {kMax, 4}});
  RoundTrip({{kMin, 1}, {kMin + 1, 2}, {kMin + 3, 2}, {kMin + kMax, 3}});
  // A delta of 2^64 - 1 ms: the window (kMax ms back from kMax) no longer holds kMin.
  SeriesRing ring(kMax);
  ASSERT_TRUE(ring.Append(kMin, 1));
  ASSERT_TRUE(ring.Append(kMax, 2));
  ExpectSame(Collect(ring), {{kMax, 2}});
}

TEST(SeriesRingTest, RoundTripsHugeAndTinyValueDeltas) {
  std::mt19937_64 rng(4);
  std::vector<Point> points;
  for (int i = 0; i < 600; ++i) {
    double v = 0;
    switch (i % 4) {
      case 0:
        v = std::bit_cast<double>(rng());
        break;  // any bit pattern, NaNs included
      case 1:
        v = 1.0 + i * std::numeric_limits<double>::epsilon();
        break;
      case 2:
        v = (i % 8 == 2 ? 1e300 : -1e-300);
        break;
      default:
        v = static_cast<double>(i);
        break;
    }
    points.push_back({i * 15'000LL, v});
  }
  RoundTrip(points);
}

TEST(SeriesRingTest, RoundTripsDecimalValues) {
  std::mt19937_64 rng(6);
  std::vector<Point> points;
  double counter = 1e6;
  double seconds = 12345.67;
  int64_t t = 0;
  for (int i = 0; i < 400; ++i) {
    counter += static_cast<double>(rng() % 5'000'000);
    seconds = std::round((seconds + static_cast<double>(rng() % 1500) / 100) * 100) / 100;
    const double load = static_cast<double>(rng() % 400) / 100;
    const double micro = static_cast<double>(rng() % 10'000'000) / 1e7;
    const double mixed[] = {counter,
                            seconds,
                            load,
                            micro,
                            -load,
                            0.1,
                            0.2,
                            0.3,
                            -0.0,
                            0.0,
                            9007199254740991.0,
                            9007199254740993.0,
                            1e15 + 0.5,
                            std::numeric_limits<double>::quiet_NaN(),
                            2.5e-8};
    points.push_back({t += 15'000, mixed[i % std::size(mixed)]});
  }
  RoundTrip(points);
  // One kind per series too, so the decimal path is taken back to back.
  for (int kind = 0; kind < 3; ++kind) {
    points.clear();
    for (int i = 0; i < 300; ++i) {
      const double v = kind == 0   ? counter += static_cast<double>(rng() % 100'000)
                       : kind == 1 ? static_cast<double>(rng() % 400) / 100
                                   : -static_cast<double>(rng() % 10'000'000) / 1e7;
      points.push_back({t += 15'000, v});
    }
    RoundTrip(points);
  }
}

TEST(SeriesRingTest, DecimalValuesCompressWell) {
  SeriesRing ring(kHour);
  double counter = 1e9;
  std::mt19937_64 rng(8);
  for (int64_t i = 0; i < 240; ++i) {
    counter += static_cast<double>(rng() % 1'000'000);  // ~20 bits of delta
    ring.Append(i * 15'000, counter);
  }
  // ~1 (ts) + 12 + 20 bits a point, well under the ~40 of the XOR encoding.
  EXPECT_LT(ring.MemoryBytes(), 240u * 36 / 8 + 200);
}

TEST(SeriesRingTest, RejectsOldAndEqualTimestamps) {
  SeriesRing ring(kHour);
  EXPECT_TRUE(ring.Append(1000, 1));
  EXPECT_FALSE(ring.Append(1000, 2));
  EXPECT_FALSE(ring.Append(999, 3));
  EXPECT_FALSE(ring.Append(kMin, 3));
  EXPECT_TRUE(ring.Append(1001, 4));
  EXPECT_EQ(ring.size(), 2u);
  ExpectSame(Collect(ring), {{1000, 1}, {1001, 4}});
  EXPECT_EQ(ring.Latest()->value, 4);
}

TEST(SeriesRingTest, AcceptsAnyFirstTimestamp) {
  SeriesRing ring(kHour);
  EXPECT_TRUE(ring.Append(kMin, 1));
  EXPECT_EQ(ring.size(), 1u);
}

TEST(SeriesRingTest, KeepsTheRetentionWindowAndDropsWholeOldChunks) {
  SeriesRing ring(kHour);
  std::vector<Point> all;
  for (int64_t i = 0; i < 4 * 240; ++i) {
    const Point p{i * 15'000, static_cast<double>(i)};
    all.push_back(p);
    ASSERT_TRUE(ring.Append(p.timestamp_ms, p.value));
    // Every point within the window is kept, and no more than one chunk beyond it.
    const int64_t cutoff = p.timestamp_ms - kHour;
    const auto kept = Collect(ring);
    ASSERT_FALSE(kept.empty());
    ASSERT_EQ(kept.size(), ring.size());
    ASSERT_LE(kept.front().timestamp_ms, std::max<int64_t>(cutoff, 0));
    ASSERT_LE(kept.size(), 240 + 1 + SeriesRing::kMaxPointsPerChunk);
    std::vector<Point> want(all.end() - static_cast<std::ptrdiff_t>(kept.size()), all.end());
    ExpectSame(kept, want);
  }
  // Steady state at 15 s: between 1 h and 1.5 h of points.
  EXPECT_GE(ring.size(), 241u);
  EXPECT_LE(ring.size(), 360u);
}

TEST(SeriesRingTest, LongGapDropsEverythingButTheNewChunk) {
  SeriesRing ring(kHour);
  for (int64_t i = 0; i < 500; ++i) ring.Append(i * 15'000, 1);
  ASSERT_TRUE(ring.Append(100 * kHour, 2));
  ExpectSame(Collect(ring), {{100 * kHour, 2}});
  EXPECT_EQ(ring.size(), 1u);
  ASSERT_TRUE(ring.Append(100 * kHour + 15'000, 3));
  ExpectSame(Collect(ring), {{100 * kHour, 2}, {100 * kHour + 15'000, 3}});
}

TEST(SeriesRingTest, ZeroAndNegativeRetentionKeepOnlyTheNewestChunk) {
  for (int64_t retention : {int64_t{0}, int64_t{-5}}) {
    SeriesRing ring(retention);
    EXPECT_EQ(ring.retention_ms(), 0);
    for (int64_t i = 0; i < 10; ++i) ring.Append(i, static_cast<double>(i));
    ExpectSame(Collect(ring), {{9, 9}});
  }
}

TEST(SeriesRingTest, SafetyCapDropsOldestChunks) {
  SeriesRing ring(kMax, 300);
  for (int64_t i = 0; i < 10'000; ++i) {
    ring.Append(i, 1);
    ASSERT_LE(ring.size(), 300u);
  }
  const auto kept = Collect(ring);
  ASSERT_EQ(kept.size(), ring.size());
  EXPECT_GE(ring.size(), 300u - SeriesRing::kMaxPointsPerChunk);
  EXPECT_EQ(kept.back().timestamp_ms, 9999);
}

TEST(SeriesRingTest, RangeQueriesAtChunkBoundaries) {
  SeriesRing ring(kMax, std::numeric_limits<uint32_t>::max());
  std::vector<Point> all;
  for (int64_t i = 0; i < 1000; ++i) {
    all.push_back({i * 10, static_cast<double>(i * i)});
    ring.Append(i * 10, static_cast<double>(i * i));
  }
  const auto expect_range = [&](int64_t from, int64_t to) {
    std::vector<Point> want;
    for (const Point& p : all) {
      if (p.timestamp_ms >= from && p.timestamp_ms <= to) want.push_back(p);
    }
    ExpectSame(Collect(ring, from, to), want);
  };
  const int64_t n = SeriesRing::kMaxPointsPerChunk;
  for (int64_t k : {int64_t{0}, n - 1, n, n + 1, 2 * n - 1, 2 * n, 8 * n, int64_t{999}}) {
    const int64_t t = k * 10;
    expect_range(t, t);  // exactly one point
    expect_range(t - 1, t + 1);
    expect_range(t + 1, t + 9);  // between two points: nothing
    expect_range(t, t + 10 * n);
    expect_range(kMin, t);
    expect_range(t, kMax);
  }
  expect_range(20, 10);  // inverted
  expect_range(10'000, kMax);
  expect_range(kMin, -1);
}

TEST(SeriesRingTest, VisitRangeStopsAfterTheRange) {
  SeriesRing ring(kHour);
  for (int64_t i = 0; i < 200; ++i) ring.Append(i * 15'000, 1);
  int calls = 0;
  ring.VisitRange(15'000, 45'000, [&](const Point&) { ++calls; });
  EXPECT_EQ(calls, 3);
}

TEST(SeriesRingTest, MovesOwnership) {
  SeriesRing a(kHour);
  for (int64_t i = 0; i < 300; ++i) a.Append(i * 15'000, static_cast<double>(i));
  const auto before = Collect(a);
  SeriesRing b(std::move(a));
  ExpectSame(Collect(b), before);
  SeriesRing c(1);
  c.Append(5, 5);
  c = std::move(b);
  ExpectSame(Collect(c), before);
  EXPECT_EQ(c.retention_ms(), kHour);
  // Still appendable after the move.
  EXPECT_TRUE(c.Append(300 * 15'000, 1));
  EXPECT_EQ(c.Latest()->timestamp_ms, 300 * 15'000);
}

TEST(SeriesRingTest, MemoryBytesIsSaneAndCompact) {
  SeriesRing constant(kHour);
  SeriesRing noisy(kHour);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(50, 10);
  for (int64_t i = 0; i < 480; ++i) {
    constant.Append(i * 15'000, 1);
    noisy.Append(i * 15'000 + static_cast<int64_t>(rng() % 20), noise(rng));
  }
  // Constant gauge: ~2 bits a point plus a chunk header and first value per chunk.
  EXPECT_GT(constant.MemoryBytes(), sizeof(SeriesRing) + constant.size() / 4);
  EXPECT_LT(constant.MemoryBytes(), 400u);
  // Noisy doubles are nearly incompressible: bounded by ~ (10 + 2 + 13 + 52) bits a point.
  EXPECT_GT(noisy.MemoryBytes(), noisy.size() * 6);
  EXPECT_LT(noisy.MemoryBytes(), noisy.size() * 11 + 400);
}

}  // namespace
}  // namespace vigie::daemon
