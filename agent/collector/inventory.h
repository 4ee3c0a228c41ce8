// Host inventory: what the host is (OS, kernel, CPU, memory, interfaces,
// virtualization), sent to vigied as vigie.v1.Inventory. HostInventory mirrors
// that message field by field so that this code needs no generated headers;
// the transport converts it.
//
// ReadInventory is best effort: a missing or unreadable source leaves its
// fields empty (virtualization "unknown" only when a hypervisor is seen but
// not identified; "none" on bare metal). The parsers never fail: unparsable
// lines are skipped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/collector/collector.h"

namespace vigie::agent {

struct NetworkInterfaceInfo {
  std::string name;
  std::string mac;
  std::vector<std::string> addresses;  // CIDR notation, e.g. "192.0.2.7/24"
  bool up = false;
};

struct HostInventory {
  std::string hostname;
  std::string fqdn;
  std::string os_id;       // os-release ID, e.g. debian
  std::string os_name;     // os-release PRETTY_NAME (NAME when absent)
  std::string os_version;  // os-release VERSION_ID
  std::string kernel;      // uname release
  std::string arch;        // uname machine
  std::string cpu_model;
  uint32_t cpu_count = 0;
  uint64_t memory_bytes = 0;
  std::vector<NetworkInterfaceInfo> interfaces;
  std::string virtualization;  // none, kvm, vmware, docker, ...
  std::string agent_version;
  int64_t boot_time_ms = 0;
  std::string machine_id;
  std::string os_family;  // linux
};

// What the OS tells through system calls rather than files.
struct PlatformInfo {
  std::string hostname;
  std::string fqdn;  // canonical name from the resolver, else the hostname
  std::string kernel_release;
  std::string machine;
  // Interface name -> addresses in CIDR notation.
  std::map<std::string, std::vector<std::string>> interface_addresses;
};

// uname(2), gethostname(2), getaddrinfo(AI_CANONNAME), getifaddrs(3). Defined in
// inventory_linux.cc. May block on DNS for the FQDN: do not call it on a gRPC
// or Asio thread.
PlatformInfo ReadPlatformInfo();

struct OsRelease {
  std::string id;
  std::string name;
  std::string pretty_name;
  std::string version_id;
};

// os-release(5): KEY=VALUE lines, values optionally in double or single
// quotes, backslash escapes in double quotes, '#' comments.
OsRelease ParseOsRelease(std::string_view content);

struct CpuInfo {
  std::string model;        // "model name" (x86), else "Processor", "cpu model", "cpu"
  uint32_t count = 0;       // number of "processor" entries
  bool hypervisor = false;  // the "hypervisor" CPU flag is set
};

CpuInfo ParseCpuInfo(std::string_view content);

// Inputs to DetectVirtualization, read by ReadInventory.
struct VirtualizationHints {
  std::string sys_vendor;         // <sys>/class/dmi/id/sys_vendor
  std::string product_name;       // <sys>/class/dmi/id/product_name
  std::string systemd_container;  // <root>/run/systemd/container
  std::string pid1_cgroup;        // <proc>/1/cgroup
  bool dockerenv = false;         // <root>/.dockerenv exists
  bool containerenv = false;      // <root>/run/.containerenv exists (podman)
  bool cpu_hypervisor = false;    // cpuinfo "hypervisor" flag
};

// systemd-detect-virt's names: a container wins over the VM it runs in
// ("docker", "podman", "lxc", or what systemd wrote), then DMI ("kvm",
// "vmware", "oracle", "xen", "microsoft", "amazon", "google", ...), then
// "unknown" when the CPU says hypervisor, else "none". A QEMU DMI vendor is
// reported as "kvm": on servers QEMU runs with KVM, and that is what
// systemd-detect-virt prints there (it asks CPUID, which we do not).
std::string DetectVirtualization(const VirtualizationHints& hints);

// Reads everything under ctx.proc_root, ctx.sys_root and ctx.root, and merges
// `platform`. Interfaces matching ctx.net_exclude_devices are left out.
// Errors: only an invalid ctx.net_exclude_devices pattern.
absl::StatusOr<HostInventory> ReadInventory(const CollectorContext& ctx,
                                            const PlatformInfo& platform);

}  // namespace vigie::agent
