// The agent's explicit list of collectors, and the context that points them
// at the live host. No self-registration: adding a collector means adding a
// line to MakeDefaultCollectors.
#pragma once

#include <memory>
#include <vector>

#include "agent/collector/collector.h"

namespace vigie::agent {

// cpu, meminfo, loadavg, filesystem, diskstats, netdev, uptime, processes, in
// that order. REQUIRES: ctx.stat_fs is set; ctx.clock is set (or
// node_time_seconds is not emitted). Each collector copies what it needs from
// `ctx`.
std::vector<std::unique_ptr<Collector>> MakeDefaultCollectors(const CollectorContext& ctx);

// The live system: /proc, /sys, /, statvfs, node_exporter's default
// filesystem exclusions, "lo" excluded from netdev. clock is left null: the
// caller sets it.
CollectorContext DefaultCollectorContext();

}  // namespace vigie::agent
