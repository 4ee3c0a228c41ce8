#include "agent/collector/filesystem.h"

namespace vigie::agent {

std::vector<std::string> DefaultFsExcludeTypes() {
  return {"autofs",     "binfmt_misc", "bpf",       "cgroup",   "cgroup2",   "configfs",
          "debugfs",    "devpts",      "devtmpfs",  "fusectl",  "hugetlbfs", "iso9660",
          "mqueue",     "nsfs",        "overlay",   "proc",     "procfs",    "pstore",
          "rpc_pipefs", "securityfs",  "selinuxfs", "squashfs", "sysfs",     "tracefs"};
}

std::string UnescapeMountField(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view oct = field.substr(i + 1, 3);
      if (oct[0] >= '0' && oct[0] <= '3' && oct[1] >= '0' && oct[1] <= '7' && oct[2] >= '0' &&
          oct[2] <= '7') {
        out.push_back(static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

absl::Status ParseMounts(std::string_view content, std::vector<MountEntry>& out) {
  out.clear();
  return ForEachFieldLine(content, "/proc/mounts", [&](const auto& fields) {
    if (fields.size() < 4) return false;
    MountEntry m;
    m.device = UnescapeMountField(fields[0]);
    m.mountpoint = UnescapeMountField(fields[1]);
    m.fstype = std::string(fields[2]);
    std::string_view opts = fields[3];
    while (!opts.empty()) {
      const size_t comma = opts.find(',');
      if (opts.substr(0, comma) == "ro") m.read_only = true;
      if (comma == std::string_view::npos) break;
      opts.remove_prefix(comma + 1);
    }
    out.push_back(std::move(m));
    return true;
  });
}

}  // namespace vigie::agent
