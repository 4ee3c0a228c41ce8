#include "agent/collector/inventory.h"

#include "common/version.h"
#include "gtest/gtest.h"
#include "tests/unit/agent/collector_test_util.h"

namespace vigie::agent {
namespace {

using ::vigie::agent::testing::FixtureContext;
using ::vigie::agent::testing::ReadFixture;

TEST(ParseOsReleaseTest, RealDebian) {
  OsRelease os = ParseOsRelease(ReadFixture("debian-docker", "etc/os-release"));
  EXPECT_EQ(os.id, "debian");
  EXPECT_EQ(os.name, "Debian GNU/Linux");
  EXPECT_EQ(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(os.version_id, "12");
}

TEST(ParseOsReleaseTest, QuotingStylesAndComments) {
  OsRelease os = ParseOsRelease(ReadFixture("kvm-swap", "etc/os-release"));
  EXPECT_EQ(os.id, "ubuntu");
  EXPECT_EQ(os.name, "Ubuntu");  // single quotes
  EXPECT_EQ(os.version_id, "22.04");
  os = ParseOsRelease("# ID=commented\nNAME=\"My \\\"OS\\\" \\\\ 1\"\nnot an assignment\n");
  EXPECT_EQ(os.id, "");
  EXPECT_EQ(os.name, "My \"OS\" \\ 1");
}

TEST(ParseCpuInfoTest, X86Hosts) {
  CpuInfo real = ParseCpuInfo(ReadFixture("debian-docker", "proc/cpuinfo"));
  EXPECT_EQ(real.model, "AMD EPYC");
  EXPECT_EQ(real.count, 2u);
  EXPECT_FALSE(real.hypervisor);  // flags were trimmed from the fixture
  CpuInfo kvm = ParseCpuInfo(ReadFixture("kvm-swap", "proc/cpuinfo"));
  EXPECT_EQ(kvm.model, "Intel Xeon Processor (Cascadelake)");
  EXPECT_EQ(kvm.count, 4u);
  EXPECT_TRUE(kvm.hypervisor);
}

TEST(ParseCpuInfoTest, ArmLayout) {
  CpuInfo arm = ParseCpuInfo(
      "processor\t: 0\nBogoMIPS\t: 38.40\n\nprocessor\t: 1\nBogoMIPS\t: 38.40\n\n"
      "Hardware\t: BCM2835\nProcessor\t: ARMv7 Processor rev 4 (v7l)\n");
  EXPECT_EQ(arm.model, "ARMv7 Processor rev 4 (v7l)");
  EXPECT_EQ(arm.count, 2u);
  EXPECT_EQ(ParseCpuInfo("garbage without colon\n").count, 0u);
}

TEST(DetectVirtualizationTest, Rules) {
  auto detect = [](auto&& set) {
    VirtualizationHints h;
    set(h);
    return DetectVirtualization(h);
  };
  EXPECT_EQ(detect([](VirtualizationHints&) {}), "none");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.cpu_hypervisor = true; }), "unknown");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.product_name = "KVM"; }), "kvm");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.sys_vendor = "QEMU"; }), "kvm");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.product_name = "VMware Virtual Platform"; }),
            "vmware");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.product_name = "VirtualBox"; }), "oracle");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.sys_vendor = "Amazon EC2"; }), "amazon");
  EXPECT_EQ(detect([](VirtualizationHints& h) {
              h.sys_vendor = "Microsoft Corporation";
              h.product_name = "Virtual Machine";
            }),
            "microsoft");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.sys_vendor = "Dell Inc."; }), "none");
  // Containers win over the VM they run in.
  EXPECT_EQ(detect([](VirtualizationHints& h) {
              h.sys_vendor = "QEMU";
              h.dockerenv = true;
            }),
            "docker");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.containerenv = true; }), "podman");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.systemd_container = "lxc\n"; }), "lxc");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.pid1_cgroup = "0::/docker/0123abcd\n"; }),
            "docker");
  EXPECT_EQ(detect([](VirtualizationHints& h) { h.pid1_cgroup = "0::/init.scope\n"; }), "none");
}

PlatformInfo FakePlatform() {
  PlatformInfo p;
  p.hostname = "web1";
  p.fqdn = "web1.example.com";
  p.kernel_release = "6.1.0-18-amd64";
  p.machine = "x86_64";
  p.interface_addresses["eth0"] = {"192.0.2.7/24", "2001:db8::7/64"};
  p.interface_addresses["ens3"] = {"198.51.100.3/25"};
  return p;
}

TEST(ReadInventoryTest, RealDockerContainer) {
  absl::StatusOr<HostInventory> inv =
      ReadInventory(FixtureContext("debian-docker"), FakePlatform());
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->hostname, "web1");
  EXPECT_EQ(inv->fqdn, "web1.example.com");
  EXPECT_EQ(inv->kernel, "6.1.0-18-amd64");
  EXPECT_EQ(inv->arch, "x86_64");
  EXPECT_EQ(inv->os_id, "debian");
  EXPECT_EQ(inv->os_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(inv->os_version, "12");
  EXPECT_EQ(inv->os_family, "linux");
  EXPECT_EQ(inv->agent_version, kVersion);
  EXPECT_EQ(inv->cpu_model, "AMD EPYC");
  EXPECT_EQ(inv->cpu_count, 2u);
  EXPECT_EQ(inv->memory_bytes, 24684092ull * 1024);
  EXPECT_EQ(inv->boot_time_ms, 1795932900000);
  EXPECT_EQ(inv->machine_id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
  EXPECT_EQ(inv->virtualization, "docker");  // /.dockerenv
  ASSERT_EQ(inv->interfaces.size(), 3u);     // lo excluded
  const NetworkInterfaceInfo& eth0 = inv->interfaces[0];
  EXPECT_EQ(eth0.name, "eth0");
  EXPECT_EQ(eth0.mac, "02:fc:00:00:00:01");
  EXPECT_TRUE(eth0.up);
  EXPECT_EQ(eth0.addresses, (std::vector<std::string>{"192.0.2.7/24", "2001:db8::7/64"}));
  EXPECT_EQ(inv->interfaces[1].name, "ifb0");
  EXPECT_FALSE(inv->interfaces[1].up);
  EXPECT_TRUE(inv->interfaces[1].addresses.empty());
}

TEST(ReadInventoryTest, KvmGuest) {
  absl::StatusOr<HostInventory> inv = ReadInventory(FixtureContext("kvm-swap"), FakePlatform());
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->virtualization, "kvm");  // sys_vendor QEMU
  EXPECT_EQ(inv->os_name, "Ubuntu 22.04.4 LTS");
  EXPECT_EQ(inv->cpu_count, 4u);
  EXPECT_EQ(inv->memory_bytes, 8152484ull * 1024);
  EXPECT_EQ(inv->boot_time_ms, 1732860000000);
  ASSERT_EQ(inv->interfaces.size(), 2u);
  EXPECT_EQ(inv->interfaces[0].name, "docker0");
  EXPECT_EQ(inv->interfaces[1].name, "ens3");
  EXPECT_EQ(inv->interfaces[1].mac, "52:54:00:12:34:56");
  EXPECT_EQ(inv->interfaces[1].addresses, (std::vector<std::string>{"198.51.100.3/25"}));
}

TEST(ReadInventoryTest, EmptyRootNeverFails) {
  CollectorContext ctx;
  ctx.root = "/nonexistent";
  ctx.proc_root = "/nonexistent/proc";
  ctx.sys_root = "/nonexistent/sys";
  absl::StatusOr<HostInventory> inv = ReadInventory(ctx, PlatformInfo{});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->virtualization, "none");
  EXPECT_EQ(inv->cpu_count, 0u);
  EXPECT_TRUE(inv->interfaces.empty());
  ctx.net_exclude_devices = "(";
  EXPECT_TRUE(absl::IsInvalidArgument(ReadInventory(ctx, PlatformInfo{}).status()));
}

}  // namespace
}  // namespace vigie::agent
