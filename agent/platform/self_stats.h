// The agent's own resource use, reported as samples so its footprint is
// visible next to the host's (and watched by the benchmarks).
#pragma once

#include <cstdint>

namespace vigie::agent {

struct SelfStats {
  double cpu_seconds = 0;       // user + system since start
  uint64_t resident_bytes = 0;  // RSS now
  uint64_t threads = 0;
};

// Platform-specific: self_stats_linux.cc / self_stats_windows.cc.
SelfStats ReadSelfStats();

}  // namespace vigie::agent
