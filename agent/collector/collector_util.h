// Small helpers shared by the collectors: reading /proc and /sys files into a
// reused buffer, splitting lines and fields without allocating, parsing
// numbers with std::from_chars, and a full-match name filter (RE2).
//
// Everything here is platform neutral and thread-compatible: functions are
// pure except ReadFileInto; a NameFilter may be used from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace vigie::agent {

// Replaces `buf` with the whole content of `path`, reusing its capacity
// (files in /proc report size 0, so this reads until EOF).
// Errors: NotFound (ENOENT, or ESRCH for a process that went away),
// PermissionDenied, Unavailable; the message names the path.
absl::Status ReadFileInto(const std::string& path, std::string& buf);

// One-value files (/sys/class/net/eth0/operstate): content without surrounding
// whitespace.
absl::StatusOr<std::string> ReadTrimmedFile(const std::string& path);

// True if `path` exists (any type).
bool PathExists(const std::string& path);

// Line iteration: `while (NextLine(rest, line)) {...}`. Lines exclude '\n';
// a last line without '\n' is returned too.
bool NextLine(std::string_view& rest, std::string_view& line);

// Splits on spaces and tabs, dropping empty fields. `fields` is cleared first
// so that callers can reuse it across lines. Returns fields.size().
size_t SplitFields(std::string_view line, std::vector<std::string_view>& fields);

// The n-th (0-based) space/tab separated field of `line`, or "" when the line
// has fewer fields. Does not allocate.
std::string_view NthField(std::string_view line, size_t n);

std::string_view TrimSpace(std::string_view s);

// Whole-string decimal parses; false on any junk, sign or overflow.
bool ParseUint64(std::string_view s, uint64_t& out);
bool ParseDouble(std::string_view s, double& out);

// InvalidArgument "<what> line <n>: malformed: \"<line>\"" (line shortened).
absl::Status MalformedLine(std::string_view what, size_t line_no, std::string_view line);

// The loop of the line-oriented /proc parsers: calls `fn(fields)` with the
// fields of each non-blank line of `content`; when fn returns false, stops
// with MalformedLine(what, ...) for that line.
template <typename Fn>
absl::Status ForEachFieldLine(std::string_view content, std::string_view what, Fn&& fn) {
  std::vector<std::string_view> fields;
  std::string_view line;
  size_t line_no = 0;
  while (NextLine(content, line)) {
    ++line_no;
    if (SplitFields(line, fields) == 0) continue;
    if (!fn(static_cast<const std::vector<std::string_view>&>(fields))) {
      return MalformedLine(what, line_no, line);
    }
  }
  return absl::OkStatus();
}

// RE2 filter on names (devices, mount points). kFullMatch: the whole name must
// match; kSearch: the pattern may match anywhere (Go's MatchString, which is
// what node_exporter's exclude flags use). An empty pattern matches nothing.
// An invalid pattern makes status() an InvalidArgument error naming it;
// Matches() is then always false.
class NameFilter {
 public:
  enum class Mode { kFullMatch, kSearch };
  explicit NameFilter(const std::string& pattern, Mode mode = Mode::kFullMatch);
  ~NameFilter();
  NameFilter(NameFilter&&) noexcept;
  NameFilter& operator=(NameFilter&&) noexcept;

  const absl::Status& status() const { return status_; }
  bool Matches(std::string_view name) const;

 private:
  std::unique_ptr<re2::RE2> re_;  // null when the pattern is empty or invalid
  Mode mode_;
  absl::Status status_;
};

}  // namespace vigie::agent
