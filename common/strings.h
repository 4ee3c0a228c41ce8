// String building that accepts std::string_view. (Debian's abseil is built with
// its own absl::string_view, so absl::StrCat does not take std::string_view.)
#pragma once

#include <iterator>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace vigie {

// Appends the fmt "{}" rendering of each argument.
template <typename... Args>
void StrAppend(std::string& out, const Args&... args) {
  (fmt::format_to(std::back_inserter(out), "{}", args), ...);
}

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  StrAppend(out, args...);
  return out;
}

// The message of a status as a std::string.
inline std::string StatusMessage(const absl::Status& s) { return std::string(s.message()); }

}  // namespace vigie
