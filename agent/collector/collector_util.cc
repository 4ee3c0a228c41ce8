#include "agent/collector/collector_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/strings.h"
#include "re2/re2.h"

namespace vigie::agent {
namespace {

absl::Status ErrnoStatus(const std::string& path, int err) {
  std::string msg = StrCat(path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ESRCH:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg);
    default:
      return absl::UnavailableError(msg);
  }
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

absl::Status ReadFileInto(const std::string& path, std::string& buf) {
  buf.clear();
  // open/read/close straight into `buf`: no FILE, no stdio buffer, and one
  // read() past the content to see EOF (a short read is no EOF for seq_file).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, errno);
  buf.resize(std::max<size_t>(buf.capacity(), 4096));
  size_t len = 0;
  int err = 0;
  for (;;) {
    if (len == buf.size()) buf.resize(buf.size() * 2);
    const ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n > 0) {
      len += static_cast<size_t>(n);
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      err = errno;
      break;
    }
  }
  ::close(fd);
  buf.resize(len);
  if (err != 0) return ErrnoStatus(path, err);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadTrimmedFile(const std::string& path) {
  std::string buf;
  if (absl::Status st = ReadFileInto(path, buf); !st.ok()) return st;
  return std::string(TrimSpace(buf));
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool NextLine(std::string_view& rest, std::string_view& line) {
  if (rest.empty()) return false;
  size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    line = rest;
    rest = {};
  } else {
    line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }
  return true;
}

size_t SplitFields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields.size();
}

std::string_view NthField(std::string_view line, size_t n) {
  size_t i = 0;
  for (size_t field = 0;; ++field) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size()) return {};
    const size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    if (field == n) return line.substr(start, i - start);
  }
}

std::string_view TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

bool ParseUint64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

absl::Status MalformedLine(std::string_view what, size_t line_no, std::string_view line) {
  constexpr size_t kMaxShown = 120;
  std::string_view shown = line.substr(0, kMaxShown);
  return absl::InvalidArgumentError(StrCat(what, " line ", line_no, ": malformed: \"", shown,
                                           line.size() > kMaxShown ? "...\"" : "\""));
}

NameFilter::NameFilter(const std::string& pattern, Mode mode) : mode_(mode) {
  if (pattern.empty()) return;
  auto re = std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) {
    status_ = absl::InvalidArgumentError(
        StrCat("invalid regular expression \"", pattern, "\": ", re->error()));
    return;
  }
  re_ = std::move(re);
}

NameFilter::~NameFilter() = default;
NameFilter::NameFilter(NameFilter&&) noexcept = default;
NameFilter& NameFilter::operator=(NameFilter&&) noexcept = default;

bool NameFilter::Matches(std::string_view name) const {
  if (re_ == nullptr) return false;
  const re2::StringPiece text(name.data(), name.size());
  return mode_ == Mode::kFullMatch ? re2::RE2::FullMatch(text, *re_)
                                   : re2::RE2::PartialMatch(text, *re_);
}

}  // namespace vigie::agent
