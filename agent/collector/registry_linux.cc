#include <string>

#include "agent/collector/cpu.h"
#include "agent/collector/diskstats.h"
#include "agent/collector/filesystem.h"
#include "agent/collector/loadavg.h"
#include "agent/collector/meminfo.h"
#include "agent/collector/netdev.h"
#include "agent/collector/processes.h"
#include "agent/collector/registry.h"
#include "agent/collector/uptime.h"

namespace vigie::agent {

std::vector<std::unique_ptr<Collector>> MakeDefaultCollectors(const CollectorContext& ctx) {
  std::vector<std::unique_ptr<Collector>> c;
  c.push_back(std::make_unique<CpuCollector>(ctx, ClockTicksPerSecond()));
  c.push_back(std::make_unique<MeminfoCollector>(ctx));
  c.push_back(std::make_unique<LoadavgCollector>(ctx));
  c.push_back(std::make_unique<FilesystemCollector>(ctx));
  c.push_back(std::make_unique<DiskstatsCollector>(ctx));
  c.push_back(std::make_unique<NetdevCollector>(ctx));
  c.push_back(std::make_unique<UptimeCollector>(ctx));
  c.push_back(std::make_unique<ProcessesCollector>(ctx));
  return c;
}

CollectorContext DefaultCollectorContext() {
  CollectorContext ctx;
  ctx.stat_fs = StatFsLinux;
  ctx.fs_exclude_types = DefaultFsExcludeTypes();
  ctx.fs_exclude_mounts = std::string(kDefaultFsExcludeMounts);
  ctx.net_exclude_devices = "lo";
  return ctx;
}

}  // namespace vigie::agent
