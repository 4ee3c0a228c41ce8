#include "agent/collector/inventory.h"

#include <utility>

#include "agent/collector/collector_util.h"

namespace vigie::agent {
namespace {

// The value of an os-release assignment, without quotes and escapes.
std::string UnquoteOsReleaseValue(std::string_view v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    return std::string(v.substr(1, v.size() - 2));
  }
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

// "key<spaces>: value" lines of /proc/cpuinfo.
std::pair<std::string_view, std::string_view> SplitCpuInfoLine(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  return {TrimSpace(line.substr(0, colon)), TrimSpace(line.substr(colon + 1))};
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

OsRelease ParseOsRelease(std::string_view content) {
  OsRelease out;
  std::pair<std::string_view, std::string*> wanted[] = {{"ID", &out.id},
                                                        {"NAME", &out.name},
                                                        {"PRETTY_NAME", &out.pretty_name},
                                                        {"VERSION_ID", &out.version_id}};
  std::string_view line;
  while (NextLine(content, line)) {
    line = TrimSpace(line);
    const size_t eq = line.find('=');
    if (line.empty() || line.front() == '#' || eq == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, eq);
    for (auto& [name, field] : wanted) {
      if (key == name) *field = UnquoteOsReleaseValue(line.substr(eq + 1));
    }
  }
  return out;
}

CpuInfo ParseCpuInfo(std::string_view content) {
  CpuInfo out;
  // Lower rank = preferred source for the model.
  constexpr std::string_view kModelKeys[] = {"model name", "Processor", "cpu model", "cpu"};
  size_t model_rank = std::size(kModelKeys);
  std::string_view line;
  while (NextLine(content, line)) {
    const auto [key, value] = SplitCpuInfoLine(line);
    if (key == "processor") {
      ++out.count;
    } else if (key == "flags" && !out.hypervisor) {
      std::vector<std::string_view> flags;
      SplitFields(value, flags);
      for (std::string_view f : flags) out.hypervisor = out.hypervisor || f == "hypervisor";
    }
    for (size_t rank = 0; rank < model_rank; ++rank) {
      if (key == kModelKeys[rank] && !value.empty()) {
        out.model = std::string(value);
        model_rank = rank;
      }
    }
  }
  return out;
}

std::string DetectVirtualization(const VirtualizationHints& hints) {
  if (std::string_view c = TrimSpace(hints.systemd_container); !c.empty()) return std::string(c);
  if (hints.dockerenv) return "docker";
  if (hints.containerenv) return "podman";
  if (hints.pid1_cgroup.find("/docker") != std::string::npos) return "docker";
  if (hints.pid1_cgroup.find("/lxc/") != std::string::npos) return "lxc";

  // systemd's DMI table (prefix match), QEMU mapped to kvm (see the header).
  constexpr std::pair<std::string_view, std::string_view> kDmi[] = {
      {"KVM", "kvm"},     {"OpenStack", "kvm"},       {"KubeVirt", "kvm"},
      {"QEMU", "kvm"},    {"Amazon EC2", "amazon"},   {"VMware", "vmware"},
      {"VMW", "vmware"},  {"innotek GmbH", "oracle"}, {"VirtualBox", "oracle"},
      {"Xen", "xen"},     {"Bochs", "bochs"},         {"Parallels", "parallels"},
      {"BHYVE", "bhyve"}, {"Google", "google"},       {"Hyper-V", "microsoft"},
  };
  for (std::string_view dmi :
       {std::string_view(hints.product_name), std::string_view(hints.sys_vendor)}) {
    dmi = TrimSpace(dmi);
    for (const auto& [prefix, name] : kDmi) {
      if (StartsWith(dmi, prefix)) return std::string(name);
    }
  }
  if (TrimSpace(hints.sys_vendor) == "Microsoft Corporation" &&
      TrimSpace(hints.product_name) == "Virtual Machine") {
    return "microsoft";
  }
  return hints.cpu_hypervisor ? "unknown" : "none";
}

}  // namespace vigie::agent
