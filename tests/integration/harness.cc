#include "tests/integration/harness.h"

#include <csignal>

#include "common/strings.h"

namespace vigie::itest {

const char* VigiedBinary() { return VIGIE_VIGIED_PATH; }
const char* AgentBinary() { return VIGIE_AGENT_PATH; }
const char* VigiectlBinary() { return VIGIE_VIGIECTL_PATH; }

// --- VigiedFixture -----------------------------------------------------------------------

VigiedFixture::VigiedFixture() : grpc_port_(FreePort()), http_port_(FreePort()) {}

VigiedFixture::~VigiedFixture() {
  // Agents first, so that they do not log reconnect noise while vigied stops.
  agents_.clear();
  vigied_.reset();
}

void VigiedFixture::WriteDaemonConfig(int stale_after_intervals, const std::string& extra_yaml) {
  daemon_config_ =
      tmp_.WriteFile("vigied.yaml", StrCat("listen:\n"
                                           "  grpc: 127.0.0.1:",
                                           grpc_port_, "\n", "  http: 127.0.0.1:", http_port_, "\n",
                                           "storage:\n"
                                           "  path: ",
                                           tmp_.Path("data"), "\n",
                                           "hosts:\n"
                                           "  stale_after_intervals: ",
                                           stale_after_intervals, "\n", extra_yaml));
}

void VigiedFixture::StartVigied() {
  if (daemon_config_.empty()) WriteDaemonConfig();
  // Keep a previous (stopped) instance alive until the new one replaces it, so
  // that a failure prints the logs of both runs.
  vigied_ = std::make_unique<Process>(Process::Options{
      .name = "vigied",
      .argv = {VigiedBinary(), "--config", daemon_config_},
      .log_dir = tmp_.path(),
  });
  const bool ready =
      WaitFor([&] { return !vigied_->IsRunning() || HttpGet(HttpUrl("/readyz")).status == 200; },
              milliseconds(20'000));
  ASSERT_TRUE(ready && vigied_->IsRunning())
      << "vigied did not become ready on " << HttpUrl("/readyz") << "\n"
      << vigied_->LogTail();
}

std::optional<int> VigiedFixture::StopVigied(milliseconds timeout) {
  if (!vigied_) return std::nullopt;
  vigied_->Signal(SIGTERM);
  return vigied_->Wait(timeout);
}

std::string VigiedFixture::WriteAgentConfig(const AgentSpec& spec) {
  std::string labels;
  for (const auto& [k, v] : spec.labels) StrAppend(labels, "    ", k, ": ", v, "\n");
  return tmp_.WriteFile(
      StrCat("agent-", spec.host, ".yaml"),
      StrCat("server: ", GrpcAddress(), "\n", "interval: ", spec.interval.count(), "ms\n",
             "host:\n"
             "  name: ",
             spec.host, "\n", labels.empty() ? "" : StrCat("  labels:\n", labels),
             "reconnect:\n"
             "  initial: 100ms\n"
             "  max: 500ms\n",
             spec.extra_yaml));
}

Process& VigiedFixture::StartAgent(const AgentSpec& spec) {
  const std::string config = WriteAgentConfig(spec);
  auto& slot = agents_[spec.host];
  slot = std::make_unique<Process>(Process::Options{
      .name = StrCat("agent-", spec.host),
      .argv = {AgentBinary(), "--config", config},
      .log_dir = tmp_.path(),
  });
  return *slot;
}

std::string VigiedFixture::GrpcAddress() const { return StrCat("127.0.0.1:", grpc_port_); }

std::string VigiedFixture::HttpUrl(const std::string& path) const {
  return StrCat("http://127.0.0.1:", http_port_, path);
}

std::vector<PromSample> VigiedFixture::Metrics() const {
  HttpResponse r = HttpGet(HttpUrl("/metrics"));
  if (r.status != 200) return {};
  return ParseExposition(r.body);
}

std::optional<double> VigiedFixture::Metric(const std::string& name, const LabelMap& subset) const {
  return FindValue(Metrics(), name, subset);
}

CommandResult VigiedFixture::Vigiectl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {VigiectlBinary(), "--server", GrpcAddress()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

}  // namespace vigie::itest
