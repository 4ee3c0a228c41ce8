// One spdlog logger per component, named for it ("ingest", "collector.cpu").
// main() configures the sinks and level once (ConfigureLogging); components
// call MakeLogger(name) in their constructors and keep the pointer.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "spdlog/logger.h"

namespace vigie {

using Logger = std::shared_ptr<spdlog::logger>;

// level: trace, debug, info, warn, error, off. Logs go to stderr.
absl::Status ConfigureLogging(std::string_view level);

// A logger that writes to the sinks set up by ConfigureLogging.
Logger MakeLogger(std::string name);

}  // namespace vigie
