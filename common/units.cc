#include "common/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>

#include "common/strings.h"

namespace vigie {
namespace {

bool ParseLeadingNumber(std::string_view& text, uint64_t& out) {
  size_t n = 0;
  while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n]))) ++n;
  if (n == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, out);
  if (ec != std::errc()) return false;
  text.remove_prefix(n);
  return true;
}

}  // namespace

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string_view original = text;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        StrCat("invalid duration \"", original, "\" (expected e.g. 500ms, 15s, 1h30m)"));
  };
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return bad();
  int64_t total = 0;
  while (!text.empty()) {
    uint64_t n = 0;
    if (!ParseLeadingNumber(text, n)) return bad();
    int64_t unit = 0;
    if (text.starts_with("ms")) {
      unit = 1;
      text.remove_prefix(2);
    } else if (!text.empty()) {
      switch (text[0]) {
        case 's':
          unit = 1000;
          break;
        case 'm':
          unit = 60'000;
          break;
        case 'h':
          unit = 3'600'000;
          break;
        case 'd':
          unit = 86'400'000;
          break;
        case 'w':
          unit = 604'800'000;
          break;
        default:
          return bad();
      }
      text.remove_prefix(1);
    } else {
      return bad();
    }
    if (n > static_cast<uint64_t>(INT64_MAX / unit)) return bad();
    total += static_cast<int64_t>(n) * unit;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : kUnits) {
    if (ms >= size) {
      StrAppend(out, ms / size, name);
      ms %= size;
    }
  }
  return out;
}

absl::StatusOr<uint64_t> ParseBytes(std::string_view text) {
  const std::string_view original = text;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        StrCat("invalid size \"", original, "\" (expected e.g. 4096, 512KiB, 64MiB, 1GB)"));
  };
  uint64_t n = 0;
  if (!ParseLeadingNumber(text, n)) return bad();
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {{"", 1},
                                                                     {"B", 1},
                                                                     {"k", 1000},
                                                                     {"K", 1000},
                                                                     {"KB", 1000},
                                                                     {"KiB", 1ULL << 10},
                                                                     {"M", 1000'000},
                                                                     {"MB", 1000'000},
                                                                     {"MiB", 1ULL << 20},
                                                                     {"G", 1000'000'000},
                                                                     {"GB", 1000'000'000},
                                                                     {"GiB", 1ULL << 30}};
  for (const auto& [name, mult] : kUnits) {
    if (text == name) {
      if (n > UINT64_MAX / mult) return bad();
      return n * mult;
    }
  }
  return bad();
}

std::optional<int> ParseTimeOfDay(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) {
    return std::nullopt;
  }
  auto number = [](std::string_view digits) -> std::optional<int> {
    int n = 0;
    for (char c : digits) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  };
  auto h = number(s.substr(0, colon));
  auto m = number(s.substr(colon + 1));
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  return *h * 60 + *m;
}

std::optional<int> ParseWeekday(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t d = 0; d < kNames.size(); ++d) {
    if (lower == kNames[d] || (lower.size() == 3 && kNames[d].starts_with(lower))) {
      return static_cast<int>(d);
    }
  }
  return std::nullopt;
}

}  // namespace vigie
