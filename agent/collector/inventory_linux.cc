#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cstring>

#include "agent/collector/collector_util.h"
#include "agent/collector/inventory.h"
#include "agent/collector/meminfo.h"
#include "agent/collector/uptime.h"
#include "common/file.h"
#include "common/strings.h"
#include "common/version.h"

namespace vigie::agent {
namespace {

// Number of leading one bits of a netmask.
int PrefixLength(const unsigned char* mask, size_t len) {
  int bits = 0;
  for (size_t i = 0; i < len; ++i) bits += std::popcount(static_cast<unsigned>(mask[i]));
  return bits;
}

// "address/prefix" of an interface address whose sockaddr type is SockAddr
// (sockaddr_in or sockaddr_in6) with the address in member `addr_of`.
template <typename SockAddr, typename Addr>
std::string FormatCidr(int family, const ifaddrs& ifa, Addr SockAddr::*addr_of) {
  SockAddr addr{};
  SockAddr mask{};
  std::memcpy(&addr, ifa.ifa_addr, sizeof addr);
  if (ifa.ifa_netmask != nullptr) std::memcpy(&mask, ifa.ifa_netmask, sizeof mask);
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (inet_ntop(family, &(addr.*addr_of), text.data(), text.size()) == nullptr) return {};
  unsigned char bytes[sizeof(Addr)];
  std::memcpy(bytes, &(mask.*addr_of), sizeof bytes);
  return StrCat(text.data(), "/", PrefixLength(bytes, sizeof bytes));
}

// CIDR text of an AF_INET or AF_INET6 interface address, or "".
std::string FormatCidr(const ifaddrs& ifa) {
  switch (ifa.ifa_addr->sa_family) {
    case AF_INET:
      return FormatCidr(AF_INET, ifa, &sockaddr_in::sin_addr);
    case AF_INET6:
      return FormatCidr(AF_INET6, ifa, &sockaddr_in6::sin6_addr);
    default:
      return {};
  }
}

std::string CanonicalName(const std::string& hostname) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* res = nullptr;
  std::string fqdn = hostname;
  if (getaddrinfo(hostname.c_str(), nullptr, &hints, &res) == 0 && res != nullptr) {
    if (res->ai_canonname != nullptr && res->ai_canonname[0] != '\0') fqdn = res->ai_canonname;
    freeaddrinfo(res);
  }
  return fqdn;
}

// Trimmed file content, or "" when it cannot be read.
std::string ReadOptional(const std::string& path) {
  absl::StatusOr<std::string> s = ReadTrimmedFile(path);
  return s.ok() ? *std::move(s) : std::string();
}

}  // namespace

PlatformInfo ReadPlatformInfo() {
  PlatformInfo p;
  utsname uts{};
  if (uname(&uts) == 0) {
    p.kernel_release = uts.release;
    p.machine = uts.machine;
  }
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) p.hostname = host.data();
  p.fqdn = p.hostname.empty() ? std::string() : CanonicalName(p.hostname);

  ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) == 0) {
    for (const ifaddrs* ifa = addrs; ifa != nullptr; ifa = ifa->ifa_next) {
      if (ifa->ifa_addr == nullptr || ifa->ifa_name == nullptr) continue;
      if (std::string cidr = FormatCidr(*ifa); !cidr.empty()) {
        p.interface_addresses[ifa->ifa_name].push_back(std::move(cidr));
      }
    }
    freeifaddrs(addrs);
  }
  return p;
}

absl::StatusOr<HostInventory> ReadInventory(const CollectorContext& ctx,
                                            const PlatformInfo& platform) {
  const NameFilter exclude(ctx.net_exclude_devices);
  if (!exclude.status().ok()) return exclude.status();

  HostInventory inv;
  inv.hostname = platform.hostname;
  inv.fqdn = platform.fqdn;
  inv.kernel = platform.kernel_release;
  inv.arch = platform.machine;
  inv.agent_version = kVersion;
  inv.os_family = "linux";

  std::string buf;
  if (ReadFileInto(JoinPath(ctx.root, "etc/os-release"), buf).ok() ||
      ReadFileInto(JoinPath(ctx.root, "usr/lib/os-release"), buf).ok()) {
    OsRelease os = ParseOsRelease(buf);
    inv.os_id = std::move(os.id);
    inv.os_name = os.pretty_name.empty() ? std::move(os.name) : std::move(os.pretty_name);
    inv.os_version = std::move(os.version_id);
  }

  VirtualizationHints virt;
  if (ReadFileInto(JoinPath(ctx.proc_root, "cpuinfo"), buf).ok()) {
    CpuInfo cpu = ParseCpuInfo(buf);
    inv.cpu_model = std::move(cpu.model);
    inv.cpu_count = cpu.count;
    virt.cpu_hypervisor = cpu.hypervisor;
  }
  if (ReadFileInto(JoinPath(ctx.proc_root, "meminfo"), buf).ok()) {
    std::vector<MeminfoField> fields;
    if (ParseMeminfo(buf, fields).ok()) {
      inv.memory_bytes = FindMeminfoField(fields, "MemTotal").value_or(0);
    }
  }
  if (ReadFileInto(JoinPath(ctx.proc_root, "stat"), buf).ok()) {
    if (absl::StatusOr<uint64_t> btime = ParseBootTime(buf); btime.ok()) {
      inv.boot_time_ms = static_cast<int64_t>(*btime) * 1000;
    }
  }
  inv.machine_id = ReadOptional(JoinPath(ctx.root, "etc/machine-id"));
  if (inv.machine_id.empty()) {
    inv.machine_id = ReadOptional(JoinPath(ctx.root, "var/lib/dbus/machine-id"));
  }

  const std::string net = JoinPath(ctx.sys_root, "class/net");
  if (absl::StatusOr<std::vector<std::string>> names = ListDir(net); names.ok()) {
    for (const std::string& name : *names) {
      if (exclude.Matches(name)) continue;
      NetworkInterfaceInfo nic;
      nic.name = name;
      nic.mac = ReadOptional(JoinPath(net, name) + "/address");
      nic.up = ReadOptional(JoinPath(net, name) + "/operstate") == "up";
      if (auto it = platform.interface_addresses.find(name);
          it != platform.interface_addresses.end()) {
        nic.addresses = it->second;
      }
      inv.interfaces.push_back(std::move(nic));
    }
  }

  const std::string dmi = JoinPath(ctx.sys_root, "class/dmi/id");
  virt.sys_vendor = ReadOptional(dmi + "/sys_vendor");
  virt.product_name = ReadOptional(dmi + "/product_name");
  virt.systemd_container = ReadOptional(JoinPath(ctx.root, "run/systemd/container"));
  virt.pid1_cgroup = ReadOptional(JoinPath(ctx.proc_root, "1/cgroup"));
  virt.dockerenv = PathExists(JoinPath(ctx.root, ".dockerenv"));
  virt.containerenv = PathExists(JoinPath(ctx.root, "run/.containerenv"));
  inv.virtualization = DetectVirtualization(virt);
  return inv;
}

}  // namespace vigie::agent
