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

// The items joined by `sep`.
template <typename Range>
std::string JoinStrings(const Range& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) StrAppend(out, out.empty() ? "" : sep, item);
  return out;
}

// Text made safe for HTML element content and attribute values.
inline std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The message of a status as a std::string.
inline std::string StatusMessage(const absl::Status& s) { return std::string(s.message()); }

}  // namespace vigie
