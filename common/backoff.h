// Exponential backoff with jitter, for reconnects and retries.
//
// Delay n (0-based) is min(max, initial * multiplier^n), then spread uniformly
// over [delay * (1 - jitter), delay * (1 + jitter)] so that many agents
// restarted together do not reconnect in lockstep.
//
// Thread-compatible: one owner at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace vigie {

class Backoff {
 public:
  struct Options {
    std::chrono::milliseconds initial{500};
    std::chrono::milliseconds max{30'000};
    double multiplier = 2.0;
    double jitter = 0.2;  // 0..1
  };

  Backoff(Options options, uint64_t seed);

  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  Options options_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace vigie
