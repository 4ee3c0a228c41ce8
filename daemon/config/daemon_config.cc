#include "daemon/config/daemon_config.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"

namespace vigie::daemon {

absl::Status ValidateListenAddress(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        StrCat("listen address \"", address, "\" must be HOST:PORT, e.g. 127.0.0.1:9470"));
  }
  std::string_view port = std::string_view(address).substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return absl::InvalidArgumentError(
        StrCat("listen address \"", address, "\" has an invalid port \"", port, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& file) {
  ConfigErrors errors(file);
  YAML::Node root = LoadYamlString(text, errors);
  DaemonConfig cfg;
  if (!errors.empty()) return errors.ToStatus();

  MapReader top(root, "", errors);
  {
    YAML::Node node = top.Map("listen");
    MapReader r(node, "listen", errors);
    r.String("grpc", cfg.grpc_listen);
    r.String("http", cfg.http_listen);
    r.Finish();
    for (const char* key : {"grpc", "http"}) {
      if (node.IsDefined() && node[key].IsDefined()) {
        if (absl::Status st = ValidateListenAddress(node[key].Scalar()); !st.ok()) {
          errors.Add(node[key], StrCat("\"listen.", key, "\": ", StatusMessage(st)));
        }
      }
    }
  }
  {
    MapReader r(top.Map("storage"), "storage", errors);
    r.String("path", cfg.data_dir);
    r.Finish();
  }
  {
    MapReader r(top.Map("ingest"), "ingest", errors);
    r.Bytes("max_message_size", cfg.max_message_bytes, 1024);
    r.UInt("max_samples_per_batch", cfg.max_samples_per_batch, 1, 1'000'000);
    r.UInt("max_series_per_host", cfg.max_series_per_host, 1, 10'000'000);
    r.UInt("max_labels_per_sample", cfg.max_labels_per_sample, 1, 1000);
    r.UInt("max_label_value_length", cfg.max_label_value_length, 1, 1 << 20);
    r.UInt("max_inflight_batches", cfg.max_inflight_batches, 1, 10'000);
    r.Finish();
  }
  {
    MapReader r(top.Map("series"), "series", errors);
    r.Duration("retention", cfg.retention, std::chrono::minutes(1));
    r.Finish();
  }
  {
    MapReader r(top.Map("hosts"), "hosts", errors);
    r.Duration("default_interval", cfg.default_interval, std::chrono::milliseconds(100));
    r.UInt("stale_after_intervals", cfg.stale_after_intervals, 1, 1000);
    r.Finish();
  }
  {
    MapReader r(top.Map("log"), "log", errors);
    r.LogLevel("level", cfg.log_level);
    r.Finish();
  }
  top.Finish();
  if (!errors.empty()) return errors.ToStatus();
  return cfg;
}

absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& file) {
  auto text = ReadConfigFile(file);
  if (!text.ok()) return text.status();
  return ParseDaemonConfig(*text, file);
}

}  // namespace vigie::daemon
