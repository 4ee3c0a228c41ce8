#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <string_view>

#include "agent/platform/self_stats.h"

namespace vigie::agent {

SelfStats ReadSelfStats() {
  SelfStats s;
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    s.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  // One read of /proc/self/stat: field 20 is num_threads, field 24 rss (pages).
  // The comm field (2) may hold spaces, so fields are counted after the last ')'.
  const int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return s;
  char buf[1024];
  const ssize_t n = read(fd, buf, sizeof(buf));
  close(fd);
  if (n <= 0) return s;
  const std::string_view line(buf, static_cast<size_t>(n));
  size_t i = line.rfind(')');
  if (i == std::string_view::npos) return s;
  int field = 2;
  ++i;
  while (i < line.size() && field < 24) {
    while (i < line.size() && line[i] == ' ') ++i;
    ++field;
    const size_t end = line.find(' ', i);
    const std::string_view value = line.substr(i, end == std::string_view::npos ? end : end - i);
    uint64_t v = 0;
    std::from_chars(value.data(), value.data() + value.size(), v);
    if (field == 20) s.threads = v;
    if (field == 24) s.resident_bytes = v * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    if (end == std::string_view::npos) break;
    i = end;
  }
  return s;
}

}  // namespace vigie::agent
