#include "daemon/state/series_ring.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <optional>

namespace vigie::daemon {

// A chunk is one heap block: this header followed by its encoded bytes. The block comes from
// std::malloc/realloc, which implicitly create the (implicit-lifetime) header object.
struct SeriesRing::Chunk {
  Chunk* next;       // the next newer chunk; the newest one points to the oldest
  int64_t first_ms;  // timestamp of the first point (not repeated in the bit stream)
  uint32_t bit_len;  // encoded bits
  uint16_t count;    // points
  uint8_t leading;   // XOR window of the newest value, while the chunk is open;
  uint8_t trailing;  //   leading == kNoWindow before the first '110' value

  uint8_t* data() { return reinterpret_cast<uint8_t*>(this) + sizeof(Chunk); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this) + sizeof(Chunk); }
  uint32_t bytes() const { return (bit_len + 7) / 8; }
};

namespace {

static_assert(SeriesRing::kMaxPointsPerChunk <= std::numeric_limits<uint16_t>::max());

constexpr uint8_t kNoWindow = 0xff;
constexpr int kMaxLeading = 31;  // 5 bits

// Delta-of-delta buckets after the '0' (dod == 0) case; the last one is 64 raw bits.
struct DodBucket {
  uint64_t prefix;
  int prefix_bits;
  int value_bits;
};
constexpr DodBucket kDodBuckets[] = {{0b10, 2, 5}, {0b110, 3, 9}, {0b1110, 4, 20}, {0b1111, 4, 64}};

bool FitsSigned(int64_t v, int bits) {
  if (bits >= 64) return true;
  const int64_t bound = int64_t{1} << (bits - 1);
  return v >= -bound && v < bound;
}

uint64_t LowBits(uint64_t v, int bits) { return bits >= 64 ? v : v & ((uint64_t{1} << bits) - 1); }

int64_t SignExtend(uint64_t v, int bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  return static_cast<int64_t>(v << (64 - bits)) >> (64 - bits);
}

uint32_t RoundUp(uint32_t n, uint32_t step) { return (n + step - 1) / step * step; }

// What one heap block of `n` requested bytes costs with a glibc-like allocator.
size_t AllocatedBytes(size_t n) {
  const size_t block = (n + sizeof(void*) + 15) / 16 * 16;
  return block < 32 ? 32 : block;
}

// Capacity of a chunk's data from its encoded size: exact once sealed, rounded up to the
// growth step while open (the growth policy keeps that invariant, so it needs no field).
uint32_t Capacity(uint32_t bytes, bool open) {
  return open ? RoundUp(bytes, SeriesRing::kGrowStepBytes) : bytes;
}

// Wrapping arithmetic on timestamps: deltas and delta-of-deltas of any int64 timestamps
// round-trip exactly modulo 2^64, without signed overflow.
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// Decimal values: v == scaled / 10^scale exactly (bit for bit), |scaled| < 2^53. Counters in
// bytes or packets (scale 0) and gauges with a few decimals (load 1.37, seconds 12.25) are
// stored as the delta of `scaled` against the previous value scaled alike, which is much
// shorter than their XOR. Encoder and decoder compute the same IEEE operations on the same
// bits (no -ffast-math), so the round trip is exact; the encoder checks it.
constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
constexpr int kMaxScale = 7;                 // 3 bits
constexpr double kMaxExactInteger = 0x1p53;  // |scaled| below this is exact in a double
constexpr int kDecimalHeadBits = 3 + 3 + 6;  // '111', scale, length of the zigzag delta
constexpr int kDecimalMinBits = 14;          // XOR encodings this short are kept as they are

struct Decimal {
  int64_t scaled;
  int scale;
};

// `v` * 10^scale rounded, or 0 when out of the exact range (NaN, Inf, huge values).
int64_t Scaled(double v, int scale) {
  const double x = v * kPow10[scale];
  return std::fabs(x) < kMaxExactInteger ? std::llround(x) : 0;
}

std::optional<Decimal> ToDecimal(uint64_t bits) {
  const auto v = std::bit_cast<double>(bits);
  for (int scale = 0; scale <= kMaxScale; ++scale) {
    const double x = v * kPow10[scale];
    if (!(std::fabs(x) < kMaxExactInteger)) return std::nullopt;  // NaN too
    const int64_t scaled = std::llround(x);
    if (std::bit_cast<uint64_t>(static_cast<double>(scaled) / kPow10[scale]) == bits) {
      return Decimal{scaled, scale};
    }
  }
  return std::nullopt;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// A run of bits to write: `n` low bits of `bits`.
struct Bits {
  uint64_t bits = 0;
  int n = 0;
};

}  // namespace

SeriesRing::SeriesRing(int64_t retention_ms, uint32_t max_points)
    : retention_ms_(retention_ms < 0 ? 0 : retention_ms), max_points_(max_points) {
  static_assert(sizeof(Chunk) == 24);
}

SeriesRing::~SeriesRing() { Clear(); }

SeriesRing::SeriesRing(SeriesRing&& other) noexcept
    : retention_ms_(other.retention_ms_),
      last_timestamp_ms_(other.last_timestamp_ms_),
      last_value_bits_(other.last_value_bits_),
      last_delta_ms_(other.last_delta_ms_),
      newest_(std::exchange(other.newest_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      max_points_(other.max_points_) {}

SeriesRing& SeriesRing::operator=(SeriesRing&& other) noexcept {
  if (this != &other) {
    Clear();
    retention_ms_ = other.retention_ms_;
    last_timestamp_ms_ = other.last_timestamp_ms_;
    last_value_bits_ = other.last_value_bits_;
    last_delta_ms_ = other.last_delta_ms_;
    newest_ = std::exchange(other.newest_, nullptr);
    size_ = std::exchange(other.size_, 0);
    max_points_ = other.max_points_;
  }
  return *this;
}

void SeriesRing::Clear() {
  if (newest_ == nullptr) return;
  Chunk* chunk = newest_->next;
  newest_->next = nullptr;  // break the circle
  while (chunk != nullptr) {
    Chunk* next = chunk->next;
    std::free(chunk);
    chunk = next;
  }
  newest_ = nullptr;
  size_ = 0;
}

bool SeriesRing::Append(int64_t timestamp_ms, double value) {
  if (size_ > 0 && timestamp_ms <= last_timestamp_ms_) return false;
  const auto value_bits = std::bit_cast<uint64_t>(value);
  if (newest_ == nullptr) {
    StartChunk(timestamp_ms, value_bits);
  } else {
    // Unsigned: the true span of two increasing int64 values always fits.
    const uint64_t span =
        static_cast<uint64_t>(timestamp_ms) - static_cast<uint64_t>(newest_->first_ms);
    if (newest_->count >= kMaxPointsPerChunk || span >= static_cast<uint64_t>(retention_ms_ / 2)) {
      if (last_timestamp_ms_ < Cutoff(timestamp_ms)) {
        Clear();  // a gap longer than the retention: every point kept so far is out
      } else {
        ResizeNewest(newest_->bytes());  // seal: shrink to fit
      }
      StartChunk(timestamp_ms, value_bits);
    } else {
      AppendToNewest(timestamp_ms, value_bits);
    }
  }
  last_timestamp_ms_ = timestamp_ms;
  last_value_bits_ = value_bits;
  ++size_;
  DropOld();
  return true;
}

void SeriesRing::StartChunk(int64_t timestamp_ms, uint64_t value_bits) {
  void* block = std::malloc(sizeof(Chunk) + kGrowStepBytes);
  if (block == nullptr) throw std::bad_alloc();
  auto* chunk = static_cast<Chunk*>(block);
  chunk->first_ms = timestamp_ms;
  chunk->bit_len = 0;
  chunk->count = 1;
  chunk->leading = kNoWindow;
  chunk->trailing = 0;
  BitWriter writer(chunk->data(), 0);
  writer.WriteBits(value_bits, 64);
  chunk->bit_len = writer.bit_len();
  if (newest_ == nullptr) {
    chunk->next = chunk;
  } else {
    chunk->next = newest_->next;
    newest_->next = chunk;
  }
  newest_ = chunk;
  last_delta_ms_ = 0;
}

void SeriesRing::AppendToNewest(int64_t timestamp_ms, uint64_t value_bits) {
  // Timestamp: delta of delta.
  const int64_t delta = WrapSub(timestamp_ms, last_timestamp_ms_);
  const int64_t dod = WrapSub(delta, last_delta_ms_);
  Bits ts_head;
  Bits ts_tail;
  if (dod == 0) {
    ts_head = {0, 1};
  } else {
    for (const DodBucket& bucket : kDodBuckets) {
      if (FitsSigned(dod, bucket.value_bits)) {
        ts_head = {bucket.prefix, bucket.prefix_bits};
        ts_tail = {LowBits(static_cast<uint64_t>(dod), bucket.value_bits), bucket.value_bits};
        break;
      }
    }
  }

  // Value: XOR with the previous one, or a decimal delta when that is shorter.
  Chunk* chunk = newest_;
  const uint64_t xored = value_bits ^ last_value_bits_;
  Bits value_head;
  Bits value_tail;
  uint8_t leading = chunk->leading;
  uint8_t trailing = chunk->trailing;
  if (xored == 0) {
    value_head = {0, 1};
  } else {
    int lead = std::countl_zero(xored);
    const int trail = std::countr_zero(xored);
    if (lead > kMaxLeading) lead = kMaxLeading;
    if (chunk->leading != kNoWindow && lead >= chunk->leading && trail >= chunk->trailing) {
      value_head = {0b10, 2};
      value_tail = {xored >> chunk->trailing, 64 - chunk->leading - chunk->trailing};
    } else {
      const int significant = 64 - lead - trail;  // 1..64; 64 is written as 0
      value_head = {(uint64_t{0b110} << 11) | (static_cast<uint64_t>(lead) << 6) |
                        static_cast<uint64_t>(significant & 63),
                    14};
      value_tail = {xored >> trail, significant};
      leading = static_cast<uint8_t>(lead);
      trailing = static_cast<uint8_t>(trail);
    }
    if (value_head.n + value_tail.n > kDecimalMinBits) {
      if (const std::optional<Decimal> decimal = ToDecimal(value_bits); decimal.has_value()) {
        const uint64_t zigzag = ZigZag(
            decimal->scaled - Scaled(std::bit_cast<double>(last_value_bits_), decimal->scale));
        const int n = 64 - std::countl_zero(zigzag);
        if (kDecimalHeadBits + n < value_head.n + value_tail.n) {
          value_head = {(uint64_t{0b111} << 9) | (static_cast<uint64_t>(decimal->scale) << 6) |
                            static_cast<uint64_t>(n),
                        kDecimalHeadBits};
          value_tail = {zigzag, n};
          leading = chunk->leading;  // the XOR window carries over
          trailing = chunk->trailing;
        }
      }
    }
  }

  const uint32_t new_bits =
      chunk->bit_len + static_cast<uint32_t>(ts_head.n + ts_tail.n + value_head.n + value_tail.n);
  const uint32_t new_bytes = (new_bits + 7) / 8;
  if (new_bytes > Capacity(chunk->bytes(), /*open=*/true)) {
    ResizeNewest(RoundUp(new_bytes, kGrowStepBytes));
    chunk = newest_;
  }
  BitWriter writer(chunk->data(), chunk->bit_len);
  for (const Bits& run : {ts_head, ts_tail, value_head, value_tail}) {
    writer.WriteBits(run.bits, run.n);
  }
  chunk->bit_len = writer.bit_len();
  chunk->count = static_cast<uint16_t>(chunk->count + 1);
  chunk->leading = leading;
  chunk->trailing = trailing;
  last_delta_ms_ = delta;
}

void SeriesRing::ResizeNewest(uint32_t data_bytes) {
  Chunk* const old = newest_;
  Chunk* before = old;  // the chunk whose `next` is `old`
  while (before->next != old) before = before->next;
  const bool alone = before == old;
  void* block = std::realloc(old, sizeof(Chunk) + data_bytes);
  if (block == nullptr) throw std::bad_alloc();
  auto* chunk = static_cast<Chunk*>(block);
  if (alone) {
    chunk->next = chunk;
  } else {
    before->next = chunk;
  }
  newest_ = chunk;
}

int64_t SeriesRing::Cutoff(int64_t newest_ms) const {
  constexpr int64_t kLowest = std::numeric_limits<int64_t>::min();
  return newest_ms < kLowest + retention_ms_ ? kLowest : newest_ms - retention_ms_;
}

void SeriesRing::DropOld() {
  const int64_t cutoff = Cutoff(last_timestamp_ms_);
  while (newest_->next != newest_) {
    Chunk* oldest = newest_->next;
    // Every point of `oldest` is older than the first point of the chunk after it.
    const bool expired = oldest->next->first_ms <= cutoff;
    if (!expired && size_ <= max_points_) break;
    newest_->next = oldest->next;
    size_ -= oldest->count;
    std::free(oldest);
  }
}

std::optional<Point> SeriesRing::Latest() const {
  if (size_ == 0) return std::nullopt;
  return Point{last_timestamp_ms_, std::bit_cast<double>(last_value_bits_)};
}

void SeriesRing::ForEachInRange(int64_t from_ms, int64_t to_ms,
                                const std::function<void(const Point&)>& fn) const {
  VisitRange(from_ms, to_ms, fn);
}

SeriesRing::Iterator SeriesRing::Scan(int64_t from_ms, int64_t to_ms) const {
  return Iterator(*this, from_ms, to_ms);
}

size_t SeriesRing::MemoryBytes() const {
  size_t total = sizeof(*this);
  if (newest_ == nullptr) return total;
  const Chunk* chunk = newest_;
  do {
    chunk = chunk->next;
    total += AllocatedBytes(sizeof(Chunk) + Capacity(chunk->bytes(), chunk == newest_));
  } while (chunk != newest_);
  return total;
}

// Iterator.

SeriesRing::Iterator::Iterator(const SeriesRing& ring, int64_t from_ms, int64_t to_ms)
    : newest_(ring.newest_),
      newest_timestamp_ms_(ring.last_timestamp_ms_),
      from_ms_(from_ms),
      to_ms_(to_ms) {
  if (newest_ != nullptr && from_ms <= to_ms) EnterChunk(newest_->next);
}

void SeriesRing::Iterator::EnterChunk(const Chunk* chunk) {
  for (;;) {
    if (chunk->first_ms > to_ms_) break;
    if (chunk == newest_) {
      if (newest_timestamp_ms_ < from_ms_) break;
    } else if (chunk->next->first_ms <= from_ms_) {
      chunk = chunk->next;  // every point is older than from_ms
      continue;
    }
    chunk_ = chunk;
    reader_ = BitReader(chunk->data(), chunk->bytes());
    decoded_ = 0;
    count_ = chunk->count;
    return;
  }
  chunk_ = nullptr;
}

void SeriesRing::Iterator::DecodeNext() {
  if (decoded_++ == 0) {
    timestamp_ms_ = chunk_->first_ms;
    delta_ms_ = 0;
    value_bits_ = reader_.ReadBits(64);
    leading_ = kNoWindow;
    return;
  }

  int64_t dod = 0;
  if (reader_.ReadBit()) {
    for (const DodBucket& bucket : kDodBuckets) {
      // The last bucket's prefix is all ones: no terminating zero to read.
      if (bucket.value_bits == 64 || !reader_.ReadBit()) {
        dod = SignExtend(reader_.ReadBits(bucket.value_bits), bucket.value_bits);
        break;
      }
    }
  }
  delta_ms_ = WrapAdd(delta_ms_, dod);
  timestamp_ms_ = WrapAdd(timestamp_ms_, delta_ms_);

  if (!reader_.ReadBit()) return;  // '0': same value
  if (reader_.ReadBit()) {
    if (reader_.ReadBit()) {  // '111': decimal delta
      const auto scale = static_cast<int>(reader_.ReadBits(3));
      const auto n = static_cast<int>(reader_.ReadBits(6));
      const int64_t delta = UnZigZag(reader_.ReadBits(n));
      const int64_t scaled = WrapAdd(Scaled(std::bit_cast<double>(value_bits_), scale), delta);
      value_bits_ = std::bit_cast<uint64_t>(static_cast<double>(scaled) / kPow10[scale]);
      return;
    }
    // '110': a new XOR window.
    leading_ = static_cast<uint8_t>(reader_.ReadBits(5));
    int significant = static_cast<int>(reader_.ReadBits(6));
    if (significant == 0) significant = 64;
    trailing_ = static_cast<uint8_t>(64 - leading_ - significant);
  }
  const int significant = 64 - leading_ - trailing_;
  value_bits_ ^= reader_.ReadBits(significant) << trailing_;
}

bool SeriesRing::Iterator::Next(Point* point) {
  while (chunk_ != nullptr) {
    if (decoded_ == count_) {
      if (chunk_ == newest_) {
        chunk_ = nullptr;
      } else {
        EnterChunk(chunk_->next);
      }
      continue;
    }
    DecodeNext();
    if (timestamp_ms_ > to_ms_) {
      chunk_ = nullptr;
      break;
    }
    if (timestamp_ms_ >= from_ms_) {
      *point = Point{timestamp_ms_, std::bit_cast<double>(value_bits_)};
      return true;
    }
  }
  return false;
}

}  // namespace vigie::daemon
