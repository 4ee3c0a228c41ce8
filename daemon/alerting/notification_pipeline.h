// NotificationPipeline: vigied's path from alert transitions to notifiers,
// with Alertmanager's stages (docs/routing.md) and a durable outbox
// (docs/notifications.md, "Delivery guarantees").
//
//   rule thread  --OnEvaluated-->  [persist the group's alerts]  --> inbox
//   dispatch thread: inbox -> Dispatcher (route tree, groups) -> Flush with
//     MuterChain(inhibition, silences, maintenance windows)
//     -> one outbox row per (notification, notifier), committed together with
//        the dispatcher's group state -> the notifier's worker queue
//   one worker thread per configured notifier: Retrier (backoff, Retry-After)
//     -> notifier -> outbox row marked sent or failed.
//
// Exactly once across kill -9:
//   - alerts are persisted before the dispatcher hears of them, and restored
//     into the rule manager at start (a firing alert stays firing, with no new
//     transition, so it is not announced again);
//   - a group's state (what its receiver was told) and the notifications it
//     produced are committed in one transaction; after a restart the groups
//     resume from that state (no repeat, resolutions still sent) and pending
//     outbox rows are delivered. The remaining window is between a peer's
//     answer and the commit of "sent" (milliseconds): a crash there resends,
//     with the same idempotency key.
//
// Flapping: while an alert flaps it is presented to the dispatcher as firing,
// so its state changes are not notified; the start of flapping is notified
// once (kind "flapping"); when flapping stops, its real state counts again.
//
// Time comes from the injected Clock. Thread-safety: every public method may
// be called from any thread; Start/Stop/Reconfigure from the owner.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/logging.h"
#include "daemon/admin/alert_admin.h"
#include "daemon/incidents/ack_token.h"
#include "daemon/incidents/escalation.h"
#include "daemon/notify/http_client.h"
#include "daemon/notify/receivers.h"
#include "daemon/notify/retrier.h"
#include "daemon/oncall/schedule.h"
#include "daemon/routing/dispatcher.h"
#include "daemon/routing/inhibit.h"
#include "daemon/routing/maintenance.h"
#include "daemon/routing/route.h"
#include "daemon/routing/silences.h"
#include "daemon/rules/rule_manager.h"
#include "daemon/store/store.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace vigie::daemon {

struct PipelineConfig {
  // Null: no receivers; alerts are recorded and logged, never notified.
  std::shared_ptr<const routing::Route> route;
  std::vector<notify::ReceiverConfig> receivers;
  std::vector<routing::InhibitRule> inhibit_rules;
  std::vector<routing::MaintenanceWindow> maintenance_windows;
  notify::RetryOptions retry;
  std::string external_url;  // links in notifications
  // Finished notification log rows older than this are deleted.
  std::chrono::milliseconds log_retention{std::chrono::hours(24 * 30)};
  // Expired silences are kept this long (Alertmanager: 120h).
  std::chrono::milliseconds silence_retention{std::chrono::hours(120)};
  // Per-notifier queue bound; beyond it jobs stay pending in the store
  // (delivered after the next restart or reload) and are counted.
  size_t queue_capacity = 10'000;

  // On-call (docs/oncall.md): escalation policies, contact rules, teams, who
  // is on call; people's contact details for pages.
  incidents::Directory oncall;
  std::map<std::string, notify::Recipient> people;
  // Key of the acknowledgement links (created when missing); "" disables links.
  std::string ack_key_file;
  std::chrono::milliseconds ack_link_ttl{std::chrono::hours(24)};
  // Hand-off messages: for each schedule, the first shift that starts strictly
  // after a time (who takes over, when). Null: no hand-off messages.
  std::function<std::vector<std::pair<std::string, oncall::Shift>>(int64_t after_ms)> next_handoffs;
};

class NotificationPipeline final : public rules::AlertSink {
 public:
  // Loads silences, dispatcher group states and pending outbox rows from
  // `store`. Everything given must outlive the pipeline.
  static absl::StatusOr<std::unique_ptr<NotificationPipeline>> Create(
      PipelineConfig config, Store& store, const Clock& clock, prometheus::Registry& registry,
      const notify::CurlRuntime& curl);
  ~NotificationPipeline() override;
  NotificationPipeline(const NotificationPipeline&) = delete;
  NotificationPipeline& operator=(const NotificationPipeline&) = delete;

  // Starts the dispatch thread and the workers; queues the pending outbox.
  void Start();
  // Stops taking work; an attempt in flight finishes (bounded by its
  // timeouts), waits between retries are cut short and their rows stay
  // pending for the next start. Idempotent.
  void Stop();

  // Applies a new configuration: the dispatcher is rebuilt on the new route
  // tree keeping every group's state, workers restart on the new receivers
  // and the pending outbox is queued again (rows of receivers that no longer
  // exist are marked failed).
  void Reconfigure(PipelineConfig config);

  // rules::AlertSink (rule thread).
  void OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                   const std::vector<AlertEvent>& events, int64_t t_ms) override;

  // Why each alert is not notified now, if it is not.
  std::vector<AlertView> Annotate(std::vector<Alert> alerts) const;

  absl::StatusOr<std::string> AddSilence(routing::Silence silence, const std::string& actor);
  std::vector<routing::Silence> ListSilences(std::optional<routing::SilenceState> state) const;
  absl::Status ExpireSilence(const std::string& id, const std::string& actor);

  // Appends an audit record stamped now (errors are logged, never returned).
  void Audit(const std::string& actor, std::string action, std::string object, std::string detail);

  size_t receiver_count() const;

  // Incidents. Actions take effect in memory and in the store together (the
  // store commit fails: nothing changes); pages they cause are queued.
  using IncidentAction = AlertAdmin::IncidentAction;
  using IncidentRequest = AlertAdmin::IncidentRequest;
  absl::StatusOr<IncidentRecord> ActOnIncident(const IncidentRequest& request);
  // An incident reported by a person: routed by its labels (alertname
  // "ManualIncident", service, severity) to the matching routes' receivers and
  // escalation policy, opened and paged at once (no group_wait); resolving it
  // notifies those receivers of the resolution.
  absl::StatusOr<IncidentRecord> OpenManual(const AlertAdmin::ManualIncident& request);

  // GET /ack/<token>: verifies the link (signature, expiry, single use) and
  // acknowledges. PermissionDenied for a forged/expired link, AlreadyExists
  // for a used one, NotFound when the incident is closed.
  absl::StatusOr<IncidentRecord> AcknowledgeByLink(const std::string& token);

 private:
  struct Job {
    int64_t outbox_id = 0;  // 0: could not be stored; delivered anyway
    notify::Notification notification;
  };
  struct Worker;
  struct Generation;  // what a configuration builds: route, muters, workers
  struct Inbox {
    std::vector<Alert> active;
    std::vector<AlertEvent> events;
  };
  // What one dispatch commits and sends.
  struct Batch {
    std::vector<DispatchGroupRecord> groups;
    std::vector<std::string> removed;
    std::vector<notify::Notification> notifications;  // to their receiver's notifiers
    IncidentChanges incidents;
  };

  NotificationPipeline(Store& store, const Clock& clock, prometheus::Registry& registry,
                       const notify::CurlRuntime& curl);

  std::unique_ptr<Generation> Build(PipelineConfig config);
  void StartWorkers(Generation& gen);
  void StopWorkers(Generation& gen);
  void QueuePendingOutbox(Generation& gen);
  void Enqueue(Generation& gen, Job job, const std::string& receiver, int notifier_index);
  void RunDispatch();
  void RunWorker(Worker& worker);
  // Under mu_: feeds the inbox to the dispatcher, flushes what is due.
  // Under mu_: every firing alert of current_ (the inhibitor's sources).
  std::vector<Alert> FiringLocked() const;
  void DispatchLocked(int64_t now_ms, Batch& out);
  // Under mu_: the incident side of a group notification; sets n.incident_id.
  void IncidentForGroupLocked(const std::string& policy, notify::Notification& n, int64_t now_ms,
                              incidents::Changes& changes);
  // Under mu_: the notifications of a manual incident to its routes' receivers.
  void ManualNotificationsLocked(const IncidentRecord& incident, bool resolved, int64_t now_ms,
                                 Batch& out);
  // Under mu_: turns pages into notifications.
  void AddPagesLocked(const std::vector<incidents::Page>& pages, int64_t now_ms, Batch& out);
  // Under deliver_mu_: commits and queues. Fails only when the store refuses a
  // consumed link token (AlreadyExists); other store errors are counted and
  // the notifications still sent.
  absl::Status Deliver(Batch batch);
  void Housekeep(int64_t now_ms);
  // Under mu_: the hand-off messages due at `now_ms` (a shift starts: its person
  // is told through their immediate contact rules), once per shift.
  void HandoffsLocked(int64_t now_ms, Batch& out);
  std::optional<int64_t> NextHandoffLocked() const;

  Store& store_;
  const Clock& clock_;
  prometheus::Registry& registry_;
  const notify::CurlRuntime& curl_;
  Logger log_;
  prometheus::Family<prometheus::Counter>& dropped_;
  prometheus::Counter& store_errors_;
  // Incident figures for the dashboards (docs/metrics.md); fed by Deliver().
  struct IncidentMetrics;
  std::unique_ptr<IncidentMetrics> incident_metrics_;

  // Lock order: deliver_mu_, then mu_. deliver_mu_ is held from a flush to the
  // enqueueing of what it produced, and by Reconfigure/Start/Stop around the
  // workers, so a generation's workers never change under a delivery.
  std::mutex deliver_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<Generation> gen_;                        // guarded by mu_
  std::map<std::string, Inbox> inbox_;                     // guarded by mu_; by rule group
  std::map<std::string, std::vector<Alert>> current_;      // guarded by mu_; active, by rule group
  routing::Silences silences_;                             // guarded by mu_
  std::unique_ptr<incidents::IncidentManager> incidents_;  // guarded by mu_
  std::optional<incidents::AckSigner> signer_;             // constant after Create
  std::vector<routing::GroupState> restored_groups_;  // guarded by mu_; until the first dispatch
  bool first_dispatch_done_ = false;                  // guarded by mu_
  // Hand-offs: the next shift start per schedule, found by scanning after
  // handoff_scan_from_ (refreshed every minute); the last start announced.
  std::map<std::string, oncall::Shift> handoffs_;            // guarded by mu_
  std::map<std::string, routing::GroupState> handoff_sent_;  // guarded by mu_; by schedule
  int64_t handoff_scan_from_ = 0;                            // guarded by mu_
  int64_t handoff_refresh_ms_ = 0;                           // guarded by mu_
  bool stopping_ = false;                                    // guarded by mu_
  bool started_ = false;                                     // guarded by mu_
  int64_t next_housekeeping_ms_ = 0;                         // dispatch thread only
  std::thread dispatch_thread_;
};

}  // namespace vigie::daemon
