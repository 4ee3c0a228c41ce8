// Memory of the benchmark process itself, from /proc/self (Linux).
#pragma once

#include <cstdint>
#include <string_view>

namespace vigie::bench {

// A "kB" field of /proc/self/status (e.g. "VmRSS", "VmHWM") in bytes; 0 when absent.
int64_t ProcStatusBytes(std::string_view field);

// Resets VmHWM to the current RSS (writes 5 to /proc/self/clear_refs; Linux >= 4.0).
void ResetPeakRss();

inline double MiB(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace vigie::bench
