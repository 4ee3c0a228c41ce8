// SeriesRing: the recent samples of one series, kept in memory for rule windows, compressed.
//
// Samples go into chunks encoded as in Facebook's Gorilla paper (VLDB 2015), as Prometheus'
// head chunks do; the code is written from the published algorithm, with one addition:
// - a chunk stores its first timestamp in its header and its first value as 64 raw bits;
// - each later timestamp is a delta-of-delta (ms) in buckets: '0' (same interval),
//   '10'+5 bits (timer jitter), '110'+9 bits, '1110'+20 bits (up to ~8.7 min), '1111'+64;
// - each later value is '0' (same bits), or XOR-ed with the previous one: '10' + the
//   meaningful bits inside the previous leading/trailing-zero window, '110' + 5 bits of
//   leading zeros + 6 bits of length + the meaningful bits;
// - or, the addition, '111' + 3 bits of scale s + 6 bits of length + a zigzag delta when the
//   value is exactly k / 10^s (|k| < 2^53, s <= 7) and that is shorter than the XOR: the delta
//   is k - round(previous * 10^s). Byte counters and decimal gauges (load 1.37, CPU seconds)
//   take 15-30 bits instead of 35-55. It relies on IEEE arithmetic being deterministic (do
//   not build with -ffast-math); the encoder checks the round trip of every such value.
// Values round-trip bit-exactly (NaN payloads, stale markers, +-Inf, -0.0).
// A chunk is cut at kMaxPointsPerChunk points or when it spans half the retention, then sealed
// (shrunk to its exact size). The open chunk grows by kGrowStepBytes. The newest point is also
// kept uncompressed, so Latest() is O(1).
//
// Retention is time-bounded: every point with timestamp >= newest - retention is kept; whole
// chunks are dropped once all their points are older than that (known from the first
// timestamp of the next chunk). So up to one chunk's worth of older points remains. A safety
// cap (`max_points`) drops whole oldest chunks while more than that many points are kept. The
// open (newest) chunk is never dropped, except when a gap longer than the retention empties it.
//
// Memory, measured with tests/bench/series_ring_bench.cc (BM_MemoryPerSeries: g++ 12 -O2,
// glibc 2.36, 10,000 series, 1 h retention at 15 s, 40 % constant gauges, 40 % counters, 20 %
// noisy gauges, 0-3 ms timestamp jitter with 0-40 ms spikes, steady state ~300 points kept):
//   sizeof(SeriesRing) = 48 B; MemoryBytes() = 1.12 KiB/series on average (constant gauges
//   0.52, counters 1.36, noisy gauges 1.85); process RSS growth 1.20 KiB/series. Prometheus
//   needs ~2.7 KiB per head series, all structures included.
// Append costs 15-55 ns; decoding runs at ~60-70 M points/s.
//
// Thread safety: thread-compatible. Const methods may run concurrently with each other;
// everything else needs external synchronization (the owner's lock). An Iterator is
// invalidated by any non-const call on its ring.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "daemon/state/bit_stream.h"

namespace vigie::daemon {

struct Point {
  int64_t timestamp_ms;
  double value;
};

class SeriesRing {
 public:
  static constexpr uint32_t kMaxPointsPerChunk = 120;
  static constexpr uint32_t kGrowStepBytes = 32;
  static constexpr uint32_t kDefaultMaxPoints = 1u << 16;

  class Iterator;

  // A negative retention is taken as 0 (only the newest chunk is kept).
  explicit SeriesRing(int64_t retention_ms, uint32_t max_points = kDefaultMaxPoints);
  ~SeriesRing();
  SeriesRing(SeriesRing&& other) noexcept;
  SeriesRing& operator=(SeriesRing&& other) noexcept;
  SeriesRing(const SeriesRing&) = delete;
  SeriesRing& operator=(const SeriesRing&) = delete;

  // Stores the point and returns true, or returns false and stores nothing when
  // `timestamp_ms` is not newer than the newest stored point.
  bool Append(int64_t timestamp_ms, double value);

  // The newest point, if any. O(1).
  std::optional<Point> Latest() const;

  // Calls fn for every stored point with from_ms <= timestamp <= to_ms, oldest first.
  void ForEachInRange(int64_t from_ms, int64_t to_ms,
                      const std::function<void(const Point&)>& fn) const;

  // The same without std::function: fn(const Point&) is inlined.
  template <typename Fn>
  void VisitRange(int64_t from_ms, int64_t to_ms, Fn&& fn) const;

  // An iterator over the stored points with from_ms <= timestamp <= to_ms, oldest first.
  Iterator Scan(int64_t from_ms, int64_t to_ms) const;

  // Number of points kept.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Bytes used by this object and its chunks: allocated capacity, not encoded size, plus
  // the allocator's per-block overhead (8 bytes and 16-byte granularity, as in glibc).
  size_t MemoryBytes() const;

  int64_t retention_ms() const { return retention_ms_; }
  uint32_t max_points() const { return max_points_; }

 private:
  struct Chunk;  // defined in series_ring.cc

  void StartChunk(int64_t timestamp_ms, uint64_t value_bits);
  void AppendToNewest(int64_t timestamp_ms, uint64_t value_bits);
  void ResizeNewest(uint32_t data_bytes);
  // Points older than this are out of the window that ends at `newest_ms`.
  int64_t Cutoff(int64_t newest_ms) const;
  void DropOld();
  void Clear();

  // Constant after construction.
  int64_t retention_ms_;
  // The newest point (uncompressed) and the delta between the two newest timestamps of the
  // newest chunk (0 when it holds one point): the encoder state with the chunk's header.
  int64_t last_timestamp_ms_ = 0;
  uint64_t last_value_bits_ = 0;
  int64_t last_delta_ms_ = 0;
  // Chunks form a circular singly linked list, oldest to newest; `newest_` is the open chunk
  // and newest_->next the oldest one. nullptr when empty.
  Chunk* newest_ = nullptr;
  uint32_t size_ = 0;
  uint32_t max_points_;
};

// Decodes the points of a ring in a time range. Use:
//   Point p;
//   for (auto it = ring.Scan(from, to); it.Next(&p);) { ... }
class SeriesRing::Iterator {
 public:
  // Stores the next point into *point and returns true, or returns false at the end.
  bool Next(Point* point);

 private:
  friend class SeriesRing;
  Iterator(const SeriesRing& ring, int64_t from_ms, int64_t to_ms);

  // Positions on the first chunk at or after `chunk` that may hold points in range, or ends.
  void EnterChunk(const Chunk* chunk);
  // Decodes the next point of the current chunk into timestamp_ms_ and value_bits_.
  void DecodeNext();

  const Chunk* newest_ = nullptr;
  int64_t newest_timestamp_ms_ = 0;
  int64_t from_ms_ = 0;
  int64_t to_ms_ = 0;
  const Chunk* chunk_ = nullptr;  // nullptr once the iteration is over
  BitReader reader_;
  uint32_t decoded_ = 0;  // points of chunk_ decoded so far
  uint32_t count_ = 0;    // points in chunk_
  int64_t timestamp_ms_ = 0;
  int64_t delta_ms_ = 0;
  uint64_t value_bits_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
};

template <typename Fn>
void SeriesRing::VisitRange(int64_t from_ms, int64_t to_ms, Fn&& fn) const {
  Point point;
  for (Iterator it = Scan(from_ms, to_ms); it.Next(&point);) {
    fn(std::as_const(point));
  }
}

}  // namespace vigie::daemon
