#include "common/backoff.h"

#include <algorithm>
#include <cmath>

namespace vigie {

Backoff::Backoff(Options options, uint64_t seed) : options_(options), rng_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  const double base = static_cast<double>(options_.initial.count()) *
                      std::pow(options_.multiplier, std::min(attempt_, 62));
  const double capped = std::min(base, static_cast<double>(options_.max.count()));
  ++attempt_;
  std::uniform_real_distribution<double> spread(1.0 - options_.jitter, 1.0 + options_.jitter);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(capped * spread(rng_))));
}

}  // namespace vigie
