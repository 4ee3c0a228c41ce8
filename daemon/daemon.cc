#include "daemon/daemon.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>

#include "common/file.h"
#include "common/logging.h"
#include "common/status.h"
#include "common/strings.h"
#include "daemon/admin/admin_service.h"
#include "daemon/alerting/alert_tracker.h"
#include "daemon/alerting/notification_pipeline.h"
#include "daemon/http/http_server.h"
#include "daemon/http/routes.h"
#include "daemon/http/state_metrics.h"
#include "daemon/incidents/report.h"
#include "daemon/ingest/ingest_service.h"
#include "daemon/oncall/ical.h"
#include "daemon/rules/rule_manager.h"
#include "daemon/rules/rule_runner.h"
#include "daemon/state/state.h"
#include "daemon/state/state_queryable.h"
#include "daemon/store/durable_writer.h"
#include "daemon/store/sqlite_store.h"
#include "prometheus/registry.h"

namespace vigie::daemon {
namespace {

// The rule manager's one sink, handing every evaluation to the tracker
// (log, /metrics, listing) and then to the notification pipeline.
class TeeSink final : public rules::AlertSink {
 public:
  TeeSink(rules::AlertSink& first, rules::AlertSink& second) : first_(first), second_(second) {}
  void OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                   const std::vector<AlertEvent>& events, int64_t t_ms) override {
    first_.OnEvaluated(group, active, events, t_ms);
    second_.OnEvaluated(group, active, events, t_ms);
  }

 private:
  rules::AlertSink& first_;
  rules::AlertSink& second_;
};

// The run-time overrides of every schedule, shared by the escalation engine
// (who is on call), the admin API and the calendar feed.
class Overrides {
 public:
  void Set(std::vector<oncall::Override> all) {
    std::lock_guard lock(mu_);
    all_ = std::move(all);
  }
  std::vector<oncall::Override> All() const {
    std::lock_guard lock(mu_);
    return all_;
  }
  std::vector<oncall::Override> Of(const std::string& schedule) const {
    std::lock_guard lock(mu_);
    std::vector<oncall::Override> out;
    for (const auto& o : all_) {
      if (o.schedule == schedule) out.push_back(o);
    }
    return out;
  }
  void Add(oncall::Override o) {
    std::lock_guard lock(mu_);
    all_.push_back(std::move(o));
  }
  void Remove(const std::string& id) {
    std::lock_guard lock(mu_);
    std::erase_if(all_, [&](const oncall::Override& o) { return o.id == id; });
  }

 private:
  mutable std::mutex mu_;
  std::vector<oncall::Override> all_;  // guarded by mu_
};

size_t CountRules(const DaemonConfig& config) {
  size_t n = 0;
  for (const auto& file : config.rules) {
    for (const auto& group : file.groups) n += group.rules.size();
  }
  return n;
}

class DaemonImpl final : public Daemon, public AlertAdmin {
 public:
  DaemonImpl(const DaemonConfig& config, const Clock& clock)
      : config_(config), clock_(clock), current_(std::make_shared<const DaemonConfig>(config)) {}
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
    // tracker (log + /metrics) and to the notification pipeline.
    curl_ = std::make_unique<notify::CurlRuntime>();
    auto overrides = store_->LoadOverrides();
    if (!overrides.ok()) return overrides.status();
    overrides_->Set(std::move(*overrides));
    auto pipeline =
        NotificationPipeline::Create(PipelineFor(config_), *store_, clock_, *registry_, *curl_);
    if (!pipeline.ok()) return pipeline.status();
    pipeline_ = std::move(*pipeline);
    queryable_ = std::make_unique<StateQueryable>(*state_);
    alerts_ = std::make_shared<AlertTracker>(*registry_);
    sink_ = std::make_unique<TeeSink>(*alerts_, *pipeline_);
    rules::RuleManagerOptions ro;
    ro.min_host_eval_interval = std::chrono::milliseconds(100);
    auto manager = rules::RuleManager::Create(rules::FlattenGroups(config_.rules), *queryable_,
                                              *sink_, ro, clock_.NowMillis());
    if (!manager.ok()) return manager.status();
    rule_manager_ = std::move(*manager);
    auto saved_alerts = store_->LoadAlerts();
    if (!saved_alerts.ok()) return saved_alerts.status();
    const size_t restored = rule_manager_->RestoreAlerts(*saved_alerts, clock_.NowMillis());
    log_->info("{} alerting rules loaded, {} of {} saved alerts restored", CountRules(config_),
               restored, saved_alerts->size());
    pipeline_->Start();
    rule_runner_ = std::make_unique<rules::RuleRunner>(*rule_manager_, clock_);
    // A host that goes silent changes vigie_host_up without a batch: its
    // host-scoped rules (HostDown) are evaluated within a second.
    rule_runner_->SetHostPoller(
        [this, up = std::map<std::string, bool>()]() mutable {
          std::vector<std::string> changed;
          state_->VisitHosts(nullptr, [&](const HostView& h) {
            auto [it, added] = up.try_emplace(h.record().name, h.up());
            // First seen already down (appeared and went silent between two
            // polls, or restored from the store): evaluate too.
            if (added ? !h.up() : it->second != h.up()) changed.push_back(it->first);
            it->second = h.up();
          });
          return changed;
        },
        std::chrono::seconds(1));
    rule_runner_->Start();

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
    admin_ = std::make_unique<AdminService>(*state_, this);

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
    routes.ack = [this](const std::string& token) { return AckPage(token); };
    routes.oncall_ics = [this](const std::string& name) { return ICalendar(name); };
    auto http = HttpServer::Start(config_.http_listen, MakeRoutes(std::move(routes)));
    if (!http.ok()) return http.status();
    http_ = std::move(*http);
    ready_ = true;
    log_->info("vigied {} serving: gRPC on {}, HTTP on {}", kVersionString, config_.grpc_listen,
               config_.http_listen);
    return absl::OkStatus();
  }

  // AlertAdmin (admin gRPC threads) and SIGHUP.
  std::vector<AlertView> ListAlerts() const override {
    return pipeline_->Annotate(alerts_->Alerts());
  }
  absl::StatusOr<std::string> AddSilence(routing::Silence silence,
                                         const std::string& actor) override {
    return pipeline_->AddSilence(std::move(silence), actor);
  }
  std::vector<routing::Silence> ListSilences(
      std::optional<routing::SilenceState> state) const override {
    return pipeline_->ListSilences(state);
  }
  absl::Status ExpireSilence(const std::string& id, const std::string& actor) override {
    return pipeline_->ExpireSilence(id, actor);
  }
  absl::StatusOr<std::vector<AuditRecord>> ListAudit(size_t limit) const override {
    return store_->ListAudit(limit);
  }
  absl::StatusOr<std::vector<IncidentRecord>> ListIncidents(const IncidentQuery& q) const override {
    return store_->ListIncidents(q);
  }
  absl::StatusOr<IncidentRecord> GetIncident(int64_t id) const override {
    return store_->GetIncident(id);
  }
  absl::StatusOr<std::vector<TimelineRecord>> IncidentTimeline(int64_t id) const override {
    VIGIE_RETURN_IF_ERROR(store_->GetIncident(id).status());
    return store_->ListTimeline(id);
  }
  absl::StatusOr<IncidentRecord> OpenIncident(const ManualIncident& request) override {
    return pipeline_->OpenManual(request);
  }

  absl::StatusOr<std::vector<OnCallNow>> WhoIsOnCall(const std::string& schedule,
                                                     int64_t at_ms) const override {
    const auto config = CurrentConfig();
    if (at_ms == 0) at_ms = clock_.NowMillis();
    std::vector<OnCallNow> out;
    for (const auto& [name, sched] : config->oncall->schedules) {
      if (!schedule.empty() && name != schedule) continue;
      OnCallNow now{name, std::nullopt, 0};
      constexpr int64_t kYear = 366LL * 24 * 3600 * 1000;
      const auto shifts = oncall::Render(sched, overrides_->Of(name), config->oncall->holidays,
                                         at_ms, at_ms + kYear);
      if (!shifts.empty() && shifts.front().start_ms <= at_ms) {
        now.user = shifts.front().user;
        now.until_ms = shifts.front().end_ms;
      }
      out.push_back(std::move(now));
    }
    if (!schedule.empty() && out.empty()) {
      return absl::NotFoundError(StrCat("no schedule named \"", schedule, "\""));
    }
    return out;
  }

  absl::StatusOr<std::vector<oncall::Shift>> RenderSchedule(const std::string& schedule,
                                                            int64_t from_ms,
                                                            int64_t to_ms) const override {
    const auto config = CurrentConfig();
    auto it = config->oncall->schedules.find(schedule);
    if (it == config->oncall->schedules.end()) {
      return absl::NotFoundError(StrCat("no schedule named \"", schedule, "\""));
    }
    if (to_ms <= from_ms) return absl::InvalidArgumentError("the end must be after the start");
    constexpr int64_t kMaxSpan = 2 * 366LL * 24 * 3600 * 1000;
    if (to_ms - from_ms > kMaxSpan) {
      return absl::InvalidArgumentError("at most two years at a time");
    }
    return oncall::Render(it->second, overrides_->Of(schedule), config->oncall->holidays, from_ms,
                          to_ms);
  }

  absl::StatusOr<std::string> AddOverride(const OverrideRequest& request) override {
    const auto config = CurrentConfig();
    if (!config->oncall->schedules.contains(request.schedule)) {
      return absl::InvalidArgumentError(StrCat("no schedule named \"", request.schedule, "\""));
    }
    if (!config->oncall->users.contains(request.user)) {
      return absl::InvalidArgumentError(StrCat("no user named \"", request.user, "\""));
    }
    if (request.end_ms <= request.start_ms) {
      return absl::InvalidArgumentError("the override must end after it starts");
    }
    oncall::Override o;
    o.id = RandomId();
    o.schedule = request.schedule;
    o.user = request.user;
    o.start_ms = request.start_ms;
    o.end_ms = request.end_ms;
    o.created_by = request.actor;
    o.reason = request.reason;
    o.created_at_ms = clock_.NowMillis();
    VIGIE_RETURN_IF_ERROR(store_->SaveOverride(
        o, {0, o.created_at_ms, request.actor, "oncall.override", o.id,
            StrCat(o.schedule, ": ", o.user, " from ", routing::FormatRfc3339(o.start_ms), " to ",
                   routing::FormatRfc3339(o.end_ms), ": ", o.reason)}));
    overrides_->Add(o);
    log_->info("override {} of {} by {}: {}", o.id, o.schedule, request.actor, o.user);
    return o.id;
  }

  absl::StatusOr<std::vector<oncall::Override>> ListOverrides(
      const std::string& schedule) const override {
    return schedule.empty() ? overrides_->All() : overrides_->Of(schedule);
  }

  absl::Status DeleteOverride(const std::string& id, const std::string& actor) override {
    VIGIE_RETURN_IF_ERROR(store_->DeleteOverride(
        id, {0, clock_.NowMillis(), actor, "oncall.override.delete", id, ""}));
    overrides_->Remove(id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Report(int64_t from_ms, int64_t to_ms,
                                     const std::string& format) const override {
    return BuildReport(from_ms, to_ms, format);
  }

  absl::StatusOr<IncidentRecord> ActOnIncident(const IncidentRequest& request) override {
    if (request.action == IncidentAction::kResolve && !request.cause.empty()) {
      const auto& causes = CurrentConfig()->causes;
      if (std::find(causes.begin(), causes.end(), request.cause) == causes.end()) {
        return absl::InvalidArgumentError(
            StrCat("unknown cause \"", request.cause,
                   "\"; configured causes: ", JoinStrings(causes, ", ")));
      }
    }
    return pipeline_->ActOnIncident(request);
  }

  absl::StatusOr<ReloadResult> Reload(const std::string& actor) override {
    std::lock_guard lock(reload_mu_);
    if (config_.config_file.empty()) {
      return absl::FailedPreconditionError(
          "vigied runs on its embedded defaults (no --config): there is no file to reload");
    }
    auto loaded = LoadDaemonConfig(config_.config_file);
    absl::Status st = loaded.status();
    if (st.ok()) {
      WarnRestartOnly(*loaded);
      st = rule_runner_->WithManager([&](rules::RuleManager& m) {
        return m.ReplaceGroups(rules::FlattenGroups(loaded->rules), clock_.NowMillis());
      });
    }
    if (!st.ok()) {
      pipeline_->Audit(actor, "config.reload", config_.config_file,
                       StrCat("refused, the running configuration is kept: ", StatusMessage(st)));
      return st;
    }
    pipeline_->Reconfigure(PipelineFor(*loaded));
    {
      std::lock_guard current(current_mu_);
      current_ = std::make_shared<const DaemonConfig>(*loaded);
    }
    ReloadResult result{config_.config_file, CountRules(*loaded),
                        loaded->pipeline.receivers.size()};
    pipeline_->Audit(actor, "config.reload", config_.config_file,
                     StrCat("applied: ", result.rules, " rules, ", result.receivers, " receivers"));
    return result;
  }

  uint16_t grpc_port() const override { return grpc_port_; }
  uint16_t http_port() const override { return http_ ? http_->port() : 0; }

  void Shutdown() override {
    if (shut_down_.exchange(true)) return;
    ready_ = false;
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    if (rule_runner_) rule_runner_->Stop();
    if (pipeline_) pipeline_->Stop();
    if (writer_) writer_->Stop();
    if (http_) http_->Stop();
    log_->info("vigied stopped");
  }

 private:
  std::shared_ptr<const DaemonConfig> CurrentConfig() const {
    std::lock_guard lock(current_mu_);
    return current_;
  }

  // GET /ack/<token>: a small HTML page saying what happened.
  HttpResponse AckPage(const std::string& token) {
    auto r = pipeline_->AcknowledgeByLink(token);
    auto page = [](int status, const std::string& title, const std::string& text) {
      return HttpResponse{status, "text/html; charset=utf-8",
                          StrCat("<!doctype html><html><head><meta charset=\"utf-8\">"
                                 "<meta name=\"viewport\" content=\"width=device-width\">"
                                 "<title>",
                                 title, "</title></head><body><h1>", title, "</h1><p>", text,
                                 "</p></body></html>\n")};
    };
    if (r.ok()) {
      return page(200, StrCat("Incident ", r->id, " acknowledged"),
                  StrCat(HtmlEscape(r->title), " &mdash; acknowledged by ", HtmlEscape(r->acked_by),
                         ". Escalation has stopped."));
    }
    const std::string why = HtmlEscape(StatusMessage(r.status()));
    switch (r.status().code()) {
      case absl::StatusCode::kPermissionDenied:
        return page(403, "Link refused", why);
      case absl::StatusCode::kAlreadyExists:
        return page(409, "Link already used", why);
      case absl::StatusCode::kFailedPrecondition:
        return page(409, "Already acknowledged", why);
      case absl::StatusCode::kNotFound:
        return page(410, "Incident closed", why);
      default:
        return page(503, "Try again", why);
    }
  }

  // GET /oncall/<schedule>.ics: the next 90 days (and the last 7) of shifts.
  HttpResponse ICalendar(const std::string& name) {
    const auto config = CurrentConfig();
    auto it = config->oncall->schedules.find(name);
    if (it == config->oncall->schedules.end()) {
      return {404, "text/plain; charset=utf-8", StrCat("no schedule named \"", name, "\"\n")};
    }
    const int64_t now = clock_.NowMillis();
    constexpr int64_t kDay = 24 * 3600 * 1000;
    const auto shifts = oncall::Render(it->second, overrides_->Of(name), config->oncall->holidays,
                                       now - 7 * kDay, now + 90 * kDay);
    return {200, "text/calendar; charset=utf-8",
            oncall::RenderICalendar(name, shifts, config->oncall->users, now)};
  }

  // The pipeline part of `config`, with who-is-on-call reading the run-time
  // overrides.
  PipelineConfig PipelineFor(const DaemonConfig& config) const {
    PipelineConfig p = MakePipelineConfig(config);
    p.oncall.on_call = [oncall = config.oncall, overrides = overrides_](
                           const std::string& schedule,
                           int64_t at_ms) -> std::optional<std::string> {
      auto it = oncall->schedules.find(schedule);
      if (it == oncall->schedules.end()) return std::nullopt;
      return oncall::OnCallAt(it->second, overrides->Of(schedule), oncall->holidays, at_ms);
    };
    if (!config.oncall->schedules.empty()) {
      p.next_handoffs = [oncall = config.oncall, overrides = overrides_](int64_t after_ms) {
        std::vector<std::pair<std::string, oncall::Shift>> out;
        for (const auto& [name, schedule] : oncall->schedules) {
          auto next =
              oncall::NextHandoff(schedule, overrides->Of(name), oncall->holidays, after_ms);
          if (next) out.emplace_back(name, std::move(*next));
        }
        return out;
      };
    }
    return p;
  }

  static std::string RandomId() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
  }

  absl::StatusOr<std::string> BuildReport(int64_t from_ms, int64_t to_ms,
                                          const std::string& format) const;

  // Settings read only at start: a reload that changes them says so.
  void WarnRestartOnly(const DaemonConfig& next) const {
    if (next.grpc_listen != config_.grpc_listen || next.http_listen != config_.http_listen ||
        next.data_dir != config_.data_dir || next.retention != config_.retention ||
        next.max_message_bytes != config_.max_message_bytes ||
        next.max_series_per_host != config_.max_series_per_host) {
      log_->warn(
          "reload: listen addresses, storage, series retention and ingest limits change "
          "only at restart; the other settings are applied");
    }
  }

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
  std::shared_ptr<Overrides> overrides_ = std::make_shared<Overrides>();
  std::unique_ptr<notify::CurlRuntime> curl_;
  std::unique_ptr<NotificationPipeline> pipeline_;
  std::unique_ptr<StateQueryable> queryable_;
  std::shared_ptr<AlertTracker> alerts_;
  std::unique_ptr<TeeSink> sink_;
  std::mutex reload_mu_;  // one reload at a time
  mutable std::mutex current_mu_;
  std::shared_ptr<const DaemonConfig> current_;  // guarded by current_mu_; the last applied
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

absl::StatusOr<std::string> DaemonImpl::BuildReport(int64_t from_ms, int64_t to_ms,
                                                    const std::string& format) const {
  if (to_ms <= from_ms) return absl::InvalidArgumentError("the end must be after the start");
  const auto config = CurrentConfig();
  incidents::ReportInput in;
  in.from_ms = from_ms;
  in.to_ms = to_ms;
  in.now_ms = clock_.NowMillis();
  IncidentQuery q;
  q.from_ms = from_ms;
  q.to_ms = to_ms;
  auto listed = store_->ListIncidents(q);
  if (!listed.ok()) return listed.status();
  in.incidents = std::move(*listed);
  auto timelines = store_->ListTimelines(from_ms, to_ms);
  if (!timelines.ok()) return timelines.status();
  in.timelines = std::move(*timelines);
  in.users = config->oncall->users;
  in.maintenance = config->pipeline.maintenance_windows;
  for (const auto& h : state_->ListHosts()) {
    // Monitored from its first report until now: a host that stopped reporting
    // is down, not unmonitored (HostDown incidents measure that time).
    in.hosts_monitored[h.record.name] = {h.record.first_seen_ms, in.now_ms};
  }
  return incidents::RenderReport(incidents::ComputeReport(in), format);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(const DaemonConfig& config,
                                                      const Clock& clock) {
  auto d = std::make_unique<DaemonImpl>(config, clock);
  if (absl::Status st = d->Init(); !st.ok()) return st;
  return d;
}

}  // namespace vigie::daemon
