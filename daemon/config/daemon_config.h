// vigied's configuration: every key, its default and its check. The YAML
// reference is docs/configuration.md; keep the two in step.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/config.h"

namespace vigie::daemon {

struct DaemonConfig {
  std::string grpc_listen = "127.0.0.1:9470";
  std::string http_listen = "127.0.0.1:9471";
  std::string data_dir = "./vigie-data";

  uint64_t max_message_bytes = 4 << 20;
  uint64_t max_samples_per_batch = 20'000;
  uint64_t max_series_per_host = 20'000;
  uint64_t max_labels_per_sample = 32;
  uint64_t max_label_value_length = 1024;
  uint64_t max_inflight_batches = 64;

  std::chrono::milliseconds retention{std::chrono::hours(1)};
  std::chrono::milliseconds default_interval{std::chrono::seconds(15)};
  uint64_t stale_after_intervals = 3;

  std::string log_level = "info";
};

// Parses `text` (the content of `file`, named in errors). Every problem is
// reported as "file:line: message"; the returned status holds them all.
absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& file);
absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& file);

// Splits "host:port" / "[v6]:port"; checks the port. Used for listen addresses.
absl::Status ValidateListenAddress(const std::string& address);

}  // namespace vigie::daemon
