#include "daemon/daemon.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>

#include "common/file.h"
#include "common/logging.h"
#include "common/status.h"
#include "common/strings.h"
#include "daemon/admin/admin_service.h"
#include "daemon/alerting/alert_tracker.h"
#include "daemon/http/http_server.h"
#include "daemon/http/routes.h"
#include "daemon/http/state_metrics.h"
#include "daemon/ingest/ingest_service.h"
#include "daemon/rules/rule_manager.h"
#include "daemon/rules/rule_runner.h"
#include "daemon/state/state.h"
#include "daemon/state/state_queryable.h"
#include "daemon/store/durable_writer.h"
#include "daemon/store/sqlite_store.h"
#include "prometheus/registry.h"

namespace vigie::daemon {
namespace {

class DaemonImpl final : public Daemon {
 public:
  DaemonImpl(const DaemonConfig& config, const Clock& clock) : config_(config), clock_(clock) {}
  ~DaemonImpl() override { Shutdown(); }

  absl::Status Init() {
    VIGIE_RETURN_IF_ERROR(MakeDirs(config_.data_dir));
    const std::string db_path = JoinPath(config_.data_dir, "vigie.db");
    auto store = SqliteStore::Open(db_path);
    if (!store.ok()) return store.status();
    store_ = std::move(*store);
    auto hosts = store_->LoadHosts();
    if (!hosts.ok()) return hosts.status();
    log_->info("store {}: {} hosts restored", db_path, hosts->size());

    StateOptions so;
    so.retention_ms = config_.retention.count();
    so.default_interval_ms = config_.default_interval.count();
    so.stale_after_intervals = static_cast<uint32_t>(config_.stale_after_intervals);
    so.max_series_per_host = config_.max_series_per_host;
    state_ = std::make_unique<State>(clock_, so);
    state_->Restore(std::move(*hosts));

    registry_ = std::make_shared<prometheus::Registry>();
    writer_ = std::make_unique<DurableWriter>(*store_, *registry_);
    writer_->Start();

    // Rules read the state as Prometheus would scrape it; alerts go to the
    // tracker (log + /metrics) until routing and notifiers are wired.
    queryable_ = std::make_unique<StateQueryable>(*state_);
    alerts_ = std::make_shared<AlertTracker>(*registry_);
    rules::RuleManagerOptions ro;
    ro.min_host_eval_interval = std::chrono::milliseconds(100);
    auto manager = rules::RuleManager::Create(rules::FlattenGroups(config_.rules), *queryable_,
                                              *alerts_, ro, clock_.NowMillis());
    if (!manager.ok()) return manager.status();
    rule_manager_ = std::move(*manager);
    rule_runner_ = std::make_unique<rules::RuleRunner>(*rule_manager_, clock_);
    rule_runner_->Start();
    size_t rule_count = 0;
    for (const auto& file : config_.rules) {
      for (const auto& group : file.groups) rule_count += group.rules.size();
    }
    log_->info("{} alerting rules loaded", rule_count);

    IngestOptions io;
    io.limits.max_message_bytes = config_.max_message_bytes;
    io.limits.max_samples_per_batch = static_cast<uint32_t>(config_.max_samples_per_batch);
    io.limits.labels.max_labels = config_.max_labels_per_sample;
    io.limits.labels.max_value_length = config_.max_label_value_length;
    io.max_inflight = config_.max_inflight_batches;
    io.on_applied = [runner = rule_runner_.get()](const std::string& host) {
      runner->HostReported(host);
    };
    ingest_ = std::make_unique<IngestService>(*state_, *writer_, io, *registry_);
    admin_ = std::make_unique<AdminService>(*state_);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(config_.grpc_listen, grpc::InsecureServerCredentials(), &port);
    // gRPC's own hard cap sits above the configured limit so that an
    // oversized batch reaches ValidateBatch and is counted and explained.
    builder.SetMaxReceiveMessageSize(
        static_cast<int>(std::min<uint64_t>(config_.max_message_bytes * 2 + (1 << 20), INT32_MAX)));
    builder.RegisterService(ingest_.get());
    builder.RegisterService(admin_.get());
    server_ = builder.BuildAndStart();
    if (!server_ || port == 0) {
      return absl::UnavailableError(
          StrCat("cannot listen for gRPC on ", config_.grpc_listen, " (address in use?)"));
    }
    grpc_port_ = static_cast<uint16_t>(port);

    RouteContext routes;
    routes.collectables = {registry_, std::make_shared<StateMetrics>(*state_), alerts_};
    routes.ready = &ready_;
    auto http = HttpServer::Start(config_.http_listen, MakeRoutes(std::move(routes)));
    if (!http.ok()) return http.status();
    http_ = std::move(*http);
    ready_ = true;
    log_->info("vigied {} serving: gRPC on {}, HTTP on {}", kVersionString, config_.grpc_listen,
               config_.http_listen);
    return absl::OkStatus();
  }

  uint16_t grpc_port() const override { return grpc_port_; }
  uint16_t http_port() const override { return http_ ? http_->port() : 0; }

  void Shutdown() override {
    if (shut_down_.exchange(true)) return;
    ready_ = false;
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    if (rule_runner_) rule_runner_->Stop();
    if (writer_) writer_->Stop();
    if (http_) http_->Stop();
    log_->info("vigied stopped");
  }

 private:
  static constexpr const char* kVersionString = VIGIE_VERSION;
  // Open Report streams never end by themselves: after this grace they are
  // cancelled. Batches applied meanwhile are committed (the writer drains)
  // and, if their ack was lost, deduplicated when the agent resends them.
  static constexpr auto kShutdownGrace = std::chrono::milliseconds(500);

  const DaemonConfig config_;
  const Clock& clock_;
  Logger log_ = MakeLogger("vigied");
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<State> state_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<DurableWriter> writer_;
  std::unique_ptr<StateQueryable> queryable_;
  std::shared_ptr<AlertTracker> alerts_;
  std::unique_ptr<rules::RuleManager> rule_manager_;
  std::unique_ptr<rules::RuleRunner> rule_runner_;
  std::unique_ptr<IngestService> ingest_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpServer> http_;
  uint16_t grpc_port_ = 0;
  std::atomic<bool> ready_{false};
  std::atomic<bool> shut_down_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(const DaemonConfig& config,
                                                      const Clock& clock) {
  auto d = std::make_unique<DaemonImpl>(config, clock);
  if (absl::Status st = d->Init(); !st.ok()) return st;
  return d;
}

}  // namespace vigie::daemon
