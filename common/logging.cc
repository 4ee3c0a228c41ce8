#include "common/logging.h"

#include "common/strings.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace vigie {
namespace {
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e%z %L [%n] %v";
}  // namespace

absl::Status ConfigureLogging(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(StrCat(
        "invalid log level \"", level, "\" (expected trace, debug, info, warn, error or off)"));
  }
  auto logger =
      std::make_shared<spdlog::logger>("vigie", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
  spdlog::set_pattern(kPattern);
  return absl::OkStatus();
}

Logger MakeLogger(std::string name) {
  // Share the default logger's sinks so every component logs alike; the
  // default logger writes to stderr.
  auto base = spdlog::default_logger();
  auto logger =
      std::make_shared<spdlog::logger>(std::move(name), base->sinks().begin(), base->sinks().end());
  logger->set_level(base->level());
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(kPattern));
  return logger;
}

}  // namespace vigie
