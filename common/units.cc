#include "common/units.h"

#include <cctype>
#include <charconv>
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

}  // namespace vigie
