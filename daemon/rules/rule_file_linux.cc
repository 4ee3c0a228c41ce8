// ExpandRuleFilePatterns with POSIX glob(3).
#include <glob.h>
#include <sys/stat.h>

#include <set>

#include "absl/status/status.h"
#include "common/file.h"
#include "common/strings.h"
#include "daemon/rules/rule_file.h"

namespace vigie::daemon::rules {

absl::StatusOr<std::vector<std::string>> ExpandRuleFilePatterns(
    const std::vector<std::string>& patterns, const std::string& base_dir) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](std::string path) {
    if (seen.insert(path).second) out.push_back(std::move(path));
  };
  for (const std::string& pattern : patterns) {
    if (pattern.empty()) return absl::InvalidArgumentError("rule_files: empty path");
    std::string full =
        (pattern.front() == '/' || base_dir.empty()) ? pattern : JoinPath(base_dir, pattern);
    if (full.find_first_of("*?[") == std::string::npos) {
      struct stat st;
      if (::stat(full.c_str(), &st) != 0) {
        return absl::NotFoundError(
            StrCat("rule_files: \"", pattern, "\": ", full, " does not exist"));
      }
      add(std::move(full));
      continue;
    }
    glob_t g{};
    int rc = ::glob(full.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) add(g.gl_pathv[i]);
    }
    ::globfree(&g);
    if (rc == GLOB_NOMATCH) continue;
    if (rc != 0) {
      return absl::InvalidArgumentError(
          StrCat("rule_files: \"", pattern, "\": cannot expand ", full));
    }
  }
  return out;
}

}  // namespace vigie::daemon::rules
