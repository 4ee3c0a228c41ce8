// Helpers shared by the on-call tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "common/config.h"
#include "daemon/oncall/schedule.h"
#include "date/date.h"
#include "gtest/gtest.h"

namespace vigie::daemon::oncall::testing {

constexpr int64_t kHourMs = 3'600'000;

// "2026-03-29T01:00" read as UTC -> ms since the epoch.
inline int64_t Utc(const char* text) {
  auto t = ParseLocalDateTime(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.value_or(0);
}

inline Shift S(const char* user, const char* start_utc, const char* end_utc, const char* source) {
  return Shift{user, Utc(start_utc), Utc(end_utc), source};
}

inline Layer MakeLayer(const char* name, std::vector<std::string> members, const char* start,
                       std::chrono::milliseconds shift) {
  Layer l;
  l.name = name;
  l.members = std::move(members);
  l.start_local_ms = Utc(start);
  l.shift = shift;
  return l;
}

// The errors of `errors` joined by newlines ("" when none).
inline std::string ErrorText(const ConfigErrors& errors) {
  return std::string(errors.ToStatus().message());
}

}  // namespace vigie::daemon::oncall::testing

namespace vigie::daemon::oncall {

// Readable failures: "alice [2026-03-23T08:00Z, 2026-03-30T07:00Z) layer:weekly".
inline void PrintTo(const Shift& s, std::ostream* os) {
  auto fmt = [](int64_t ms) {
    return date::format(
        "%FT%RZ", date::floor<std::chrono::seconds>(
                      date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms))));
  };
  *os << s.user << " [" << fmt(s.start_ms) << ", " << fmt(s.end_ms) << ") " << s.source;
}

}  // namespace vigie::daemon::oncall
