#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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
  // /proc/self/statm: size resident shared ... in pages.
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long size = 0, resident = 0;
    if (std::fscanf(f, "%lu %lu", &size, &resident) == 2) {
      s.resident_bytes =
          static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    }
    std::fclose(f);
  }
  if (FILE* f = std::fopen("/proc/self/stat", "r")) {
    // Field 20 is num_threads; the comm field (2) may hold spaces, so skip to
    // the last ')'.
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    std::fclose(f);
    std::string_view line(buf, n);
    auto close = line.rfind(')');
    if (close != std::string_view::npos) {
      int field = 2;
      size_t i = close + 1;
      while (i < line.size() && field < 20) {
        if (line[i] == ' ') ++field;
        ++i;
      }
      s.threads = std::strtoull(line.data() + i, nullptr, 10);
    }
  }
  return s;
}

}  // namespace vigie::agent
