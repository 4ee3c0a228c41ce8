// Human units in config files and on the command line: durations ("15s",
// "1h30m", "250ms") and byte sizes ("4MiB", "512k", "1GB").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie {

// Accepts a sequence of <number><unit> with units ms, s, m, h, d, w (as in
// Prometheus), e.g. "1h30m". A bare "0" is zero.
absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);
// Shortest exact rendering: 90000ms -> "1m30s".
std::string FormatDuration(std::chrono::milliseconds d);

// Accepts an integer with an optional unit: B, k/K/KB (1000), KiB (1024),
// M/MB, MiB, G/GB, GiB.
absl::StatusOr<uint64_t> ParseBytes(std::string_view text);

// "HH:MM" or "H:MM" (00:00-23:59) -> minutes since midnight; nullopt otherwise.
std::optional<int> ParseTimeOfDay(std::string_view text);

// "sunday"/"sun" -> 0 ... "saturday"/"sat" -> 6, case-insensitive; nullopt otherwise.
std::optional<int> ParseWeekday(std::string_view text);

}  // namespace vigie
