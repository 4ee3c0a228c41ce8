// Bit-granular writer and reader over a byte buffer, most significant bit first. They are the
// substrate of the Gorilla chunk encoding in series_ring.cc and know nothing about samples.
//
// Neither class owns its buffer: the writer's caller guarantees room for every bit it writes,
// and the reader never reads past the `size` bytes it was given (missing bits read as zero).
// Thread-compatible: one object per thread, or external locking.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigie::daemon {

class BitWriter {
 public:
  // `data` holds `bit_len` bits already written; writing continues after them. Bits after
  // `bit_len` in the current byte may hold garbage: they are overwritten, never OR-ed into.
  BitWriter(uint8_t* data, uint32_t bit_len) : data_(data), bit_len_(bit_len) {}

  // Appends the low `n` bits of `bits`, most significant first.
  // REQUIRES: 0 <= n <= 64 and room for `n` more bits in the buffer.
  void WriteBits(uint64_t bits, int n) {
    while (n > 0) {
      const uint32_t used = bit_len_ & 7u;
      const int room = 8 - static_cast<int>(used);
      const int take = n < room ? n : room;
      const uint64_t part = (bits >> (n - take)) & ((uint64_t{1} << take) - 1);
      const auto shifted = static_cast<uint8_t>(part << (room - take));
      uint8_t& byte = data_[bit_len_ >> 3];
      // The first write into a byte assigns it (fresh capacity is not zeroed).
      byte = used == 0 ? shifted : static_cast<uint8_t>(byte | shifted);
      bit_len_ += static_cast<uint32_t>(take);
      n -= take;
    }
  }

  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }

  uint32_t bit_len() const { return bit_len_; }

 private:
  uint8_t* data_;
  uint32_t bit_len_;
};

class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* data, size_t size) : next_(data), end_(data + size) {}

  bool ReadBit() { return ReadBits(1) != 0; }

  // Returns the next `n` bits as the low bits of the result. REQUIRES: 0 <= n <= 64.
  uint64_t ReadBits(int n) {
    if (n > 32) {
      const uint64_t high = ReadBits(n - 32);
      return (high << 32) | ReadBits(32);
    }
    if (n == 0) return 0;
    if (available_ < n) Refill();
    // `buffer_` is MSB-aligned: its top `available_` bits are the next ones in the stream.
    const uint64_t result = buffer_ >> (64 - n);
    buffer_ <<= n;
    available_ = available_ > n ? available_ - n : 0;
    return result;
  }

 private:
  // Tops the buffer up to at least 57 bits, or to the end of the data.
  void Refill() {
    while (available_ <= 56 && next_ != end_) {
      buffer_ |= uint64_t{*next_++} << (56 - available_);
      available_ += 8;
    }
  }

  const uint8_t* next_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t buffer_ = 0;
  int available_ = 0;
};

}  // namespace vigie::daemon
