#include "daemon/alerting/notification_pipeline.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/labels.h"
#include "common/status.h"
#include "common/strings.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace vigie::daemon {
namespace {

// Dispatcher group keys of hand-off messages: "handoff/<schedule>".
constexpr char kHandoffPrefix[] = "handoff/";
// How often the next hand-offs are looked for again (overrides may change them).
constexpr int64_t kHandoffRefreshMs = 60'000;

// How often expired silences and old notification log rows are deleted.
constexpr int64_t kHousekeepingMs = 10 * 60 * 1000;
// Longest sleep of the dispatch thread, so a stepped clock cannot stall it.
constexpr int64_t kMaxWaitMs = 60'000;

// While an alert flaps its state changes are not notified: it is presented as
// firing (see the header).
Alert Present(const Alert& a) {
  Alert out = a;
  if (out.flapping && out.state == AlertState::kResolved) {
    out.state = AlertState::kFiring;
    out.resolved_at_ms = 0;
  }
  return out;
}

DispatchGroupRecord ToRecord(const routing::GroupState& s) {
  DispatchGroupRecord r;
  r.group_key = s.group_key;
  r.receiver = s.receiver;
  r.notified = s.notified;
  r.last_notify_ms = s.last_notify_ms;
  r.sequence = s.sequence;
  r.last_firing.assign(s.last_firing.begin(), s.last_firing.end());
  r.last_flapping.assign(s.last_flapping.begin(), s.last_flapping.end());
  return r;
}

routing::GroupState FromRecord(const DispatchGroupRecord& r) {
  routing::GroupState s;
  s.group_key = r.group_key;
  s.receiver = r.receiver;
  s.notified = r.notified;
  s.last_notify_ms = r.last_notify_ms;
  s.sequence = r.sequence;
  s.last_firing.insert(r.last_firing.begin(), r.last_firing.end());
  s.last_flapping.insert(r.last_flapping.begin(), r.last_flapping.end());
  return s;
}

std::string DescribeSilence(const routing::Silence& s) {
  std::string out;
  for (const auto& m : s.matchers) StrAppend(out, out.empty() ? "" : ",", m.ToString());
  StrAppend(out, " until ", routing::FormatRfc3339(s.ends_at_ms), ": ", s.comment);
  return out;
}

// Counts the attempts the Retrier makes, for the notification log.
class CountingNotifier final : public notify::Notifier {
 public:
  explicit CountingNotifier(notify::Notifier& inner) : inner_(inner) {}
  std::string_view channel() const override { return inner_.channel(); }
  notify::NotifyResult Notify(const notify::Notification& n) override {
    ++attempts_;
    return inner_.Notify(n);
  }
  int attempts() const { return attempts_; }

 private:
  notify::Notifier& inner_;
  int attempts_ = 0;
};

}  // namespace

// vigie_incidents{state}, vigie_incidents_by_cause{cause, owner} (resolved
// incidents), vigie_incidents_opened_total{source} and the time to acknowledge
// / resolve histograms, observed when an incident is first acknowledged or
// resolved (from this process's start; the report covers all history).
struct NotificationPipeline::IncidentMetrics {
  struct Known {
    std::string state;
    std::string cause;
    std::string owner;
    bool acked = false;
  };

  explicit IncidentMetrics(prometheus::Registry& registry)
      : by_state(prometheus::BuildGauge()
                     .Name("vigie_incidents")
                     .Help("Incidents by state (triggered, acknowledged, resolved).")
                     .Register(registry)),
        by_cause(prometheus::BuildGauge()
                     .Name("vigie_incidents_by_cause")
                     .Help("Resolved incidents by recorded cause and owner (\"unrecorded\" until "
                           "the responder records them).")
                     .Register(registry)),
        opened(prometheus::BuildCounter()
                   .Name("vigie_incidents_opened_total")
                   .Help("Incidents opened, by source (alert, manual).")
                   .Register(registry)),
        tta(prometheus::BuildHistogram()
                .Name("vigie_incident_time_to_acknowledge_seconds")
                .Help("Time from an incident's opening to its first acknowledgement.")
                .Register(registry)
                .Add({}, Buckets())),
        ttr(prometheus::BuildHistogram()
                .Name("vigie_incident_time_to_resolve_seconds")
                .Help("Time from an incident's opening to its resolution.")
                .Register(registry)
                .Add({}, Buckets())) {}

  static prometheus::Histogram::BucketBoundaries Buckets() {
    return {30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400};
  }
  static std::string OrUnrecorded(const std::string& s) { return s.empty() ? "unrecorded" : s; }

  void Load(const std::vector<IncidentRecord>& all) {
    for (const auto& r : all) Apply(r, /*observe=*/false);
  }

  // Takes the incident's new state; observes first acknowledgements and
  // resolutions when `observe`.
  void Apply(const IncidentRecord& r, bool observe) {
    auto [it, added] = known.try_emplace(r.id);
    Known& k = it->second;
    if (added && observe) opened.Add({{"source", r.source}}).Increment();
    if (!added) Count(k, -1);
    if (observe && !k.acked && r.acked_ms > 0) tta.Observe((r.acked_ms - r.opened_ms) / 1000.0);
    if (observe && k.state != "resolved" && r.state == "resolved" && r.resolved_ms > 0) {
      ttr.Observe((r.resolved_ms - r.opened_ms) / 1000.0);
    }
    k = {r.state, r.cause, r.owner, r.acked_ms > 0};
    Count(k, +1);
  }

  void Count(const Known& k, double delta) {
    by_state.Add({{"state", k.state}}).Increment(delta);
    if (k.state == "resolved") {
      by_cause.Add({{"cause", OrUnrecorded(k.cause)}, {"owner", OrUnrecorded(k.owner)}})
          .Increment(delta);
    }
  }

  prometheus::Family<prometheus::Gauge>& by_state;
  prometheus::Family<prometheus::Gauge>& by_cause;
  prometheus::Family<prometheus::Counter>& opened;
  prometheus::Histogram& tta;
  prometheus::Histogram& ttr;
  std::map<int64_t, Known> known;  // by incident id
};

struct NotificationPipeline::Worker {
  std::string receiver;
  int index = 0;
  std::unique_ptr<notify::Notifier> notifier;
  notify::Retrier* retrier = nullptr;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;  // guarded by mu
  bool stopping = false;  // guarded by mu
  std::thread thread;
};

struct NotificationPipeline::Generation {
  PipelineConfig config;
  std::unique_ptr<routing::Dispatcher> dispatcher;  // null without route
  routing::Inhibitor inhibitor{{}};
  routing::MaintenanceWindows maintenance{{}};
  notify::InterruptibleSleeper sleeper;
  std::unique_ptr<notify::Retrier> retrier;
  std::map<std::pair<std::string, int>, std::unique_ptr<Worker>> workers;
};

NotificationPipeline::NotificationPipeline(Store& store, const Clock& clock,
                                           prometheus::Registry& registry,
                                           const notify::CurlRuntime& curl)
    : store_(store),
      clock_(clock),
      registry_(registry),
      curl_(curl),
      log_(MakeLogger("notify")),
      dropped_(prometheus::BuildCounter()
                   .Name("vigie_notification_queue_dropped_total")
                   .Help("Notifications that did not fit a notifier's queue; they stay pending "
                         "in the store and are delivered after the next restart or reload.")
                   .Register(registry)),
      store_errors_(prometheus::BuildCounter()
                        .Name("vigie_notification_store_errors_total")
                        .Help("Failed writes of alerts, dispatcher state or the notification "
                              "log (the notification is still sent).")
                        .Register(registry)
                        .Add({})),
      silences_(std::mt19937_64(std::random_device{}())) {}

absl::StatusOr<std::unique_ptr<NotificationPipeline>> NotificationPipeline::Create(
    PipelineConfig config, Store& store, const Clock& clock, prometheus::Registry& registry,
    const notify::CurlRuntime& curl) {
  std::unique_ptr<NotificationPipeline> p(new NotificationPipeline(store, clock, registry, curl));
  auto silences = store.LoadSilences();
  if (!silences.ok()) return silences.status();
  VIGIE_RETURN_IF_ERROR(p->silences_.Restore(*silences));
  auto groups = store.LoadDispatchGroups();
  if (!groups.ok()) return groups.status();
  for (const auto& g : *groups) {
    if (g.group_key.starts_with(kHandoffPrefix)) {
      p->handoff_sent_[g.group_key.substr(std::size(kHandoffPrefix) - 1)] = FromRecord(g);
    } else {
      p->restored_groups_.push_back(FromRecord(g));
    }
  }
  p->handoff_scan_from_ = clock.NowMillis();
  IncidentQuery open_query;
  open_query.open_only = true;
  auto open = store.ListIncidents(open_query);
  if (!open.ok()) return open.status();
  auto max_id = store.MaxIncidentId();
  if (!max_id.ok()) return max_id.status();
  auto all = store.ListIncidents(IncidentQuery{});
  if (!all.ok()) return all.status();
  p->incident_metrics_ = std::make_unique<IncidentMetrics>(registry);
  p->incident_metrics_->Load(*all);
  p->incidents_ =
      std::make_unique<incidents::IncidentManager>(config.oncall, std::move(*open), *max_id);
  if (!config.ack_key_file.empty()) {
    auto signer = incidents::AckSigner::LoadOrCreate(config.ack_key_file);
    if (!signer.ok()) return signer.status();
    p->signer_ = std::move(*signer);
  }
  p->gen_ = p->Build(std::move(config));
  p->log_->info("notifications: {} receivers, {} silences and {} notified groups restored",
                p->gen_->config.receivers.size(), silences->size(), groups->size());
  return p;
}

NotificationPipeline::~NotificationPipeline() { Stop(); }

std::unique_ptr<NotificationPipeline::Generation> NotificationPipeline::Build(
    PipelineConfig config) {
  auto gen = std::make_unique<Generation>();
  gen->config = std::move(config);
  if (gen->config.route)
    gen->dispatcher = std::make_unique<routing::Dispatcher>(gen->config.route.get());
  gen->inhibitor = routing::Inhibitor(gen->config.inhibit_rules);
  gen->maintenance = routing::MaintenanceWindows(gen->config.maintenance_windows);
  gen->retrier = std::make_unique<notify::Retrier>(gen->config.retry, clock_, gen->sleeper,
                                                   registry_, std::random_device{}());
  const notify::NotifierDeps deps{curl_, clock_};
  for (const auto& receiver : gen->config.receivers) {
    auto notifiers = notify::BuildNotifiers(receiver, deps);
    for (size_t i = 0; i < notifiers.size(); ++i) {
      auto w = std::make_unique<Worker>();
      w->receiver = receiver.name;
      w->index = static_cast<int>(i);
      w->notifier = std::move(notifiers[i]);
      w->retrier = gen->retrier.get();
      gen->workers.emplace(std::make_pair(receiver.name, static_cast<int>(i)), std::move(w));
    }
  }
  return gen;
}

void NotificationPipeline::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return;
    started_ = true;
  }
  std::lock_guard deliver(deliver_mu_);
  StartWorkers(*gen_);
  QueuePendingOutbox(*gen_);
  dispatch_thread_ = std::thread([this] { RunDispatch(); });
}

void NotificationPipeline::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (dispatch_thread_.joinable()) dispatch_thread_.join();
  std::lock_guard deliver(deliver_mu_);
  if (gen_) StopWorkers(*gen_);
}

void NotificationPipeline::StartWorkers(Generation& gen) {
  for (auto& [key, w] : gen.workers) {
    Worker* worker = w.get();
    worker->thread = std::thread([this, worker] { RunWorker(*worker); });
  }
}

void NotificationPipeline::StopWorkers(Generation& gen) {
  gen.sleeper.Stop();
  for (auto& [key, w] : gen.workers) {
    {
      std::lock_guard lock(w->mu);
      w->stopping = true;
    }
    w->cv.notify_all();
  }
  for (auto& [key, w] : gen.workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void NotificationPipeline::Reconfigure(PipelineConfig config) {
  std::unique_ptr<Generation> next = Build(std::move(config));
  std::lock_guard deliver(deliver_mu_);
  std::unique_ptr<Generation> old;
  bool started = false;
  {
    std::lock_guard lock(mu_);
    started = started_ && !stopping_;
    // The new dispatcher resumes every group where the old one was.
    if (next->dispatcher) {
      const int64_t now = clock_.NowMillis();
      if (gen_->dispatcher) {
        for (auto& s : gen_->dispatcher->GroupStates()) next->dispatcher->RestoreGroup(s);
      }
      for (const auto& [group, alerts] : current_) {
        for (const Alert& a : alerts) next->dispatcher->Add(Present(a), now);
      }
      next->dispatcher->ForgetUnrestored();
    }
    next->inhibitor.Update(FiringLocked());
    incidents_->SetDirectory(next->config.oncall);
    old = std::exchange(gen_, std::move(next));
  }
  cv_.notify_all();
  if (started) {
    StopWorkers(*old);
    StartWorkers(*gen_);
    QueuePendingOutbox(*gen_);
  }
  log_->info("notifications reconfigured: {} receivers", gen_->config.receivers.size());
}

void NotificationPipeline::QueuePendingOutbox(Generation& gen) {
  auto rows = store_.LoadPendingOutbox();
  if (!rows.ok()) {
    store_errors_.Increment();
    log_->error("cannot read the notification outbox: {}", StatusMessage(rows.status()));
    return;
  }
  size_t queued = 0;
  for (auto& row : *rows) {
    auto n = notify::DecodeNotification(row.payload);
    std::string error;
    if (!n.ok()) {
      error = StatusMessage(n.status());
    } else if (!gen.workers.contains({row.receiver, row.notifier_index}) ||
               gen.workers.at({row.receiver, row.notifier_index})->notifier->channel() !=
                   row.channel) {
      error = StrCat("receiver \"", row.receiver, "\" has no ", row.channel, " notifier #",
                     row.notifier_index, " any more");
    }
    if (!error.empty()) {
      log_->warn("notification {} to {} dropped: {}", row.id, row.receiver, error);
      if (absl::Status st =
              store_.FinishOutbox(row.id, OutboxState::kFailed, 0, error, clock_.NowMillis());
          !st.ok()) {
        store_errors_.Increment();
      }
      continue;
    }
    Enqueue(gen, Job{row.id, std::move(*n)}, row.receiver, row.notifier_index);
    ++queued;
  }
  if (queued > 0) log_->info("{} pending notifications queued from the outbox", queued);
}

void NotificationPipeline::Enqueue(Generation& gen, Job job, const std::string& receiver,
                                   int notifier_index) {
  auto it = gen.workers.find({receiver, notifier_index});
  if (it == gen.workers.end()) return;
  Worker& w = *it->second;
  {
    std::lock_guard lock(w.mu);
    if (w.stopping) return;  // stays pending in the store
    if (w.queue.size() >= gen.config.queue_capacity) {
      dropped_.Add({{"receiver", receiver}, {"channel", std::string(w.notifier->channel())}})
          .Increment();
      return;
    }
    w.queue.push_back(std::move(job));
  }
  w.cv.notify_one();
}

void NotificationPipeline::RunWorker(Worker& w) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(w.mu);
      w.cv.wait(lock, [&] { return w.stopping || !w.queue.empty(); });
      if (w.stopping) return;
      job = std::move(w.queue.front());
      w.queue.pop_front();
    }
    CountingNotifier counting(*w.notifier);
    notify::NotifyResult result = w.retrier->Send(counting, job.notification);
    {
      std::lock_guard lock(w.mu);
      // Interrupted by a stop or reload: the row stays pending and is sent by
      // the next generation (or after the restart).
      if (w.stopping && !result.status.ok()) return;
    }
    if (!result.status.ok()) {
      log_->error("notification to {} ({}) given up after {} attempts: {}", w.receiver,
                  w.notifier->channel(), counting.attempts(), StatusMessage(result.status));
    } else {
      log_->info("{} notification sent to {} ({}), group {}",
                 notify::NotificationKindName(job.notification.kind), w.receiver,
                 w.notifier->channel(), job.notification.group_key);
    }
    if (job.outbox_id == 0) continue;
    absl::Status st = store_.FinishOutbox(
        job.outbox_id, result.status.ok() ? OutboxState::kSent : OutboxState::kFailed,
        counting.attempts(), result.status.ok() ? "" : StatusMessage(result.status),
        clock_.NowMillis());
    if (!st.ok()) {
      store_errors_.Increment();
      log_->error("cannot record notification {}: {}", job.outbox_id, StatusMessage(st));
    }
  }
}

void NotificationPipeline::OnEvaluated(const std::string& group, const std::vector<Alert>& active,
                                       const std::vector<AlertEvent>& events, int64_t /*t_ms*/) {
  // Persisted before the dispatcher hears of it: what is notified is restored.
  if (!events.empty()) {
    if (absl::Status st = store_.SaveGroupAlerts(group, active); !st.ok()) {
      store_errors_.Increment();
      log_->error("cannot persist the alerts of group {}: {}", group, StatusMessage(st));
    }
  }
  {
    std::lock_guard lock(mu_);
    Inbox& in = inbox_[group];
    in.active = active;
    in.events.insert(in.events.end(), events.begin(), events.end());
  }
  cv_.notify_all();
}

std::vector<Alert> NotificationPipeline::FiringLocked() const {
  std::vector<Alert> firing;
  for (const auto& [group, alerts] : current_) {
    for (const Alert& a : alerts) {
      if (a.state == AlertState::kFiring) firing.push_back(a);
    }
  }
  return firing;
}

void NotificationPipeline::DispatchLocked(int64_t now_ms, Batch& out) {
  Generation& gen = *gen_;
  std::map<std::string, Inbox> inbox;
  inbox.swap(inbox_);
  const bool had_input = !inbox.empty();
  if (!first_dispatch_done_ && gen.dispatcher) {
    for (auto& s : restored_groups_) gen.dispatcher->RestoreGroup(std::move(s));
    restored_groups_.clear();
  }
  for (auto& [group, in] : inbox) {
    std::set<uint64_t> in_active;
    for (const Alert& a : in.active) {
      in_active.insert(a.fingerprint);
      if (gen.dispatcher) gen.dispatcher->Add(Present(a), now_ms);
    }
    // Transitions of alerts no longer active (flapping stopped after the
    // alert was dropped, rules removed by a reload) still count once.
    for (const AlertEvent& e : in.events) {
      if (!in_active.contains(e.alert.fingerprint) && gen.dispatcher) {
        gen.dispatcher->Add(Present(e.alert), now_ms);
      }
    }
    if (in.active.empty()) {
      current_.erase(group);
    } else {
      current_[group] = std::move(in.active);
    }
  }
  if (had_input) gen.inhibitor.Update(FiringLocked());
  incidents::Changes changes;
  if (gen.dispatcher) {
    const routing::MuterChain muter({&gen.inhibitor, &silences_, &gen.maintenance});
    for (auto& gn : gen.dispatcher->Flush(now_ms, &muter, &out.removed)) {
      out.groups.push_back(ToRecord(gn.state));
      notify::Notification n = notify::MakeNotification(
          gn.receiver, gn.group_key, notify::LabelsToMap(gn.group_labels), std::move(gn.alerts),
          gn.state.sequence, gen.config.external_url);
      IncidentForGroupLocked(gn.escalation, n, now_ms, changes);
      out.notifications.push_back(std::move(n));
    }
    if (!first_dispatch_done_) {
      // Groups notified before the restart whose alerts did not come back.
      for (auto& key : gen.dispatcher->ForgetUnrestored()) out.removed.push_back(std::move(key));
    }
  }
  first_dispatch_done_ = true;
  HandoffsLocked(now_ms, out);
  incidents_->Tick(now_ms, changes);
  AddPagesLocked(changes.pages, now_ms, out);
  out.incidents = std::move(changes.store);
}

std::optional<int64_t> NotificationPipeline::NextHandoffLocked() const {
  if (!gen_->config.next_handoffs) return std::nullopt;
  int64_t next = handoff_refresh_ms_;
  for (const auto& [schedule, shift] : handoffs_) next = std::min(next, shift.start_ms);
  return next;
}

void NotificationPipeline::HandoffsLocked(int64_t now_ms, Batch& out) {
  const PipelineConfig& config = gen_->config;
  if (!config.next_handoffs) return;
  if (now_ms >= handoff_refresh_ms_) {
    handoffs_.clear();
    for (auto& [schedule, shift] : config.next_handoffs(handoff_scan_from_)) {
      handoffs_[schedule] = std::move(shift);
    }
    handoff_scan_from_ = now_ms;
    handoff_refresh_ms_ = now_ms + kHandoffRefreshMs;
  }
  for (auto it = handoffs_.begin(); it != handoffs_.end();) {
    const auto& [schedule, shift] = *it;
    routing::GroupState& sent = handoff_sent_[schedule];
    if (shift.start_ms > now_ms || sent.last_notify_ms >= shift.start_ms) {
      ++it;
      continue;
    }
    sent.group_key = StrCat(kHandoffPrefix, schedule);
    sent.notified = true;
    sent.last_notify_ms = shift.start_ms;
    ++sent.sequence;
    out.groups.push_back(ToRecord(sent));
    Alert a;
    a.rule = "OnCallHandoff";
    a.group = "oncall";
    a.labels = {{"alertname", "OnCallHandoff"}, {"schedule", schedule}, {"user", shift.user}};
    a.annotations = {{"summary", StrCat("your on-call shift on ", schedule, " starts now, until ",
                                        notify::FormatRfc3339(shift.end_ms))},
                     {"description", StrCat(shift.user, " is on call for ", schedule, " from ",
                                            notify::FormatRfc3339(shift.start_ms), " to ",
                                            notify::FormatRfc3339(shift.end_ms))}};
    a.state = AlertState::kFiring;
    a.active_at_ms = a.fired_at_ms = a.last_eval_ms = shift.start_ms;
    a.fingerprint = Fingerprint("", a.labels);
    auto person = config.people.find(shift.user);
    auto rules = config.oncall.contact_rules.find(shift.user);
    if (rules != config.oncall.contact_rules.end()) {
      for (const auto& rule : rules->second) {
        if (rule.after.count() > 0) continue;  // told once, at once
        notify::Notification n = notify::MakeNotification(rule.receiver, sent.group_key, {}, {a},
                                                          sent.sequence, config.external_url);
        n.kind = notify::NotificationKind::kHandoff;
        if (person != config.people.end()) n.recipient = person->second;
        out.notifications.push_back(std::move(n));
      }
    }
    log_->info("hand-off: {} is on call for {} until {}", shift.user, schedule,
               notify::FormatRfc3339(shift.end_ms));
    it = handoffs_.erase(it);
  }
}

void NotificationPipeline::IncidentForGroupLocked(const std::string& policy,
                                                  notify::Notification& n, int64_t now_ms,
                                                  incidents::Changes& changes) {
  std::optional<int64_t> id = incidents_->ForGroup(n.group_key);
  if (n.kind == notify::NotificationKind::kResolved) {
    if (id) {
      n.incident_id = *id;
      (void)incidents_->Resolve(*id, "alert", "every alert of the group resolved", now_ms, changes);
    }
    return;
  }
  if (id) {
    n.incident_id = *id;
    incidents_->Updated(*id,
                        StrCat(notify::NotificationKindName(n.kind), " notification #", n.sequence,
                               " to ", n.receiver, " (", n.alerts.size(), " alerts)"),
                        notify::EncodeNotification(n), now_ms, changes);
    return;
  }
  incidents::IncidentOpening o;
  o.group_key = n.group_key;
  auto label = [&](const char* name) {
    auto it = n.common_labels.find(name);
    return it == n.common_labels.end() ? std::string() : it->second;
  };
  o.rule = label("alertname");
  o.host = label("host");
  o.severity = label("severity");
  o.service = label("service");
  auto summary = n.common_annotations.find("summary");
  o.title = summary != n.common_annotations.end()
                ? summary->second
                : StrCat(o.rule.empty() ? "alerts" : o.rule, o.host.empty() ? "" : " on ", o.host);
  for (const auto& [k, v] : n.common_labels) o.labels.push_back({k, v});
  o.policy = policy;
  n.incident_id = incidents_->Open(std::move(o), now_ms, changes);
  // The stored payload carries the incident id, so pages show it.
  const std::string payload = notify::EncodeNotification(n);
  incidents_->Updated(
      n.incident_id,
      StrCat("notification #", n.sequence, " to ", n.receiver, " (", n.alerts.size(), " alerts)"),
      payload, now_ms, changes);
}

void NotificationPipeline::AddPagesLocked(const std::vector<incidents::Page>& pages, int64_t now_ms,
                                          Batch& out) {
  for (const auto& page : pages) {
    auto decoded = notify::DecodeNotification(incidents_->Payload(page.incident_id));
    notify::Notification n;
    if (decoded.ok()) {
      n = std::move(*decoded);
    } else if (const IncidentRecord* r = incidents_->Find(page.incident_id)) {
      n.group_key = StrCat("incident/", r->id);
      n.common_annotations["summary"] = r->title;
      n.external_url = gen_->config.external_url;
    }
    n.receiver = page.receiver;
    n.incident_id = page.incident_id;
    auto person = gen_->config.people.find(page.user);
    n.recipient = person != gen_->config.people.end() ? person->second : notify::Recipient{};
    if (signer_) {
      n.ack_url =
          StrCat(n.external_url, "/ack/",
                 signer_->Sign({page.incident_id, page.user.empty() ? page.receiver : page.user,
                                now_ms + gen_->config.ack_link_ttl.count(), ""}));
    }
    n.idempotency_key =
        notify::IdempotencyKey(StrCat(n.group_key, "|page|", page.incident_id, "|", page.round, "|",
                                      page.step, "|", page.user, "|", page.receiver),
                               n.alerts, n.sequence);
    out.notifications.push_back(std::move(n));
  }
}

absl::Status NotificationPipeline::Deliver(Batch batch) {
  if (batch.groups.empty() && batch.removed.empty() && batch.notifications.empty() &&
      batch.incidents.empty()) {
    return absl::OkStatus();
  }
  Generation& gen = *gen_;  // deliver_mu_ is held: gen_ cannot change
  std::vector<OutboxRecord> rows;
  std::vector<const notify::Notification*> row_notification;
  const int64_t now = clock_.NowMillis();
  for (const auto& n : batch.notifications) {
    const std::string payload = notify::EncodeNotification(n);
    bool any = false;
    for (const auto& [key, w] : gen.workers) {
      if (key.first != n.receiver) continue;
      any = true;
      OutboxRecord row;
      row.receiver = n.receiver;
      row.notifier_index = key.second;
      row.channel = std::string(w->notifier->channel());
      row.group_key = n.group_key;
      row.kind = notify::NotificationKindName(n.kind);
      row.payload = payload;
      row.created_ms = now;
      rows.push_back(std::move(row));
      row_notification.push_back(&n);
    }
    if (!any && !gen.workers.empty()) {
      log_->warn("receiver \"{}\" has no notifier: notification for {} dropped", n.receiver,
                 n.group_key);
    }
  }
  if (absl::Status st = store_.CommitDispatch(batch.groups, batch.removed, rows, batch.incidents);
      !st.ok()) {
    if (absl::IsAlreadyExists(st)) return st;  // a used acknowledgement link
    // Better a page that might repeat after a crash than no page.
    store_errors_.Increment();
    log_->error("cannot record {} notifications in the outbox (sending anyway): {}", rows.size(),
                StatusMessage(st));
    for (auto& row : rows) row.id = 0;
  }
  for (const auto& r : batch.incidents.upserts) incident_metrics_->Apply(r, /*observe=*/true);
  for (size_t i = 0; i < rows.size(); ++i) {
    Enqueue(gen, Job{rows[i].id, *row_notification[i]}, rows[i].receiver, rows[i].notifier_index);
  }
  return absl::OkStatus();
}

absl::StatusOr<IncidentRecord> NotificationPipeline::ActOnIncident(const IncidentRequest& req) {
  std::lock_guard deliver(deliver_mu_);
  Batch batch;
  IncidentRecord result;
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_.NowMillis();
    incidents::Changes changes;
    absl::Status st;
    switch (req.action) {
      case IncidentAction::kAcknowledge:
        st = incidents_->Acknowledge(req.id, req.actor, req.comment, now, changes);
        break;
      case IncidentAction::kUnacknowledge:
        st = incidents_->Unacknowledge(req.id, req.actor, now, changes);
        break;
      case IncidentAction::kReassign:
        st = incidents_->Reassign(req.id, req.user, req.actor, now, changes);
        break;
      case IncidentAction::kComment:
        st = incidents_->Comment(req.id, req.actor, req.comment, now, changes);
        break;
      case IncidentAction::kResolve: {
        // Also records the cause of an incident already resolved (by its alerts).
        IncidentRecord r;
        if (incidents_->Find(req.id) != nullptr) {
          st = incidents_->Resolve(req.id, req.actor, req.comment, now, changes);
          if (st.ok()) r = changes.store.upserts.back();
          if (st.ok() && r.source == "manual") ManualNotificationsLocked(r, true, now, batch);
        } else {
          auto stored = store_.GetIncident(req.id);
          if (!stored.ok()) return stored.status();
          r = *stored;
          changes.store.timeline.push_back(
              {r.id, now, "cause", req.actor,
               StrCat(req.cause, " / ", req.owner, ": ", req.comment)});
        }
        if (st.ok()) {
          if (!req.cause.empty()) r.cause = req.cause;
          if (!req.owner.empty()) r.owner = req.owner;
          changes.store.upserts = {r};
        }
        break;
      }
    }
    if (!st.ok()) return st;
    if (!changes.store.upserts.empty()) result = changes.store.upserts.back();
    AddPagesLocked(changes.pages, now, batch);
    batch.incidents = std::move(changes.store);
  }
  VIGIE_RETURN_IF_ERROR(Deliver(std::move(batch)));
  if (result.id == 0) {
    auto stored = store_.GetIncident(req.id);
    if (!stored.ok()) return stored.status();
    result = *stored;
  }
  cv_.notify_all();  // next due times may have changed
  return result;
}

namespace {

constexpr char kManualRule[] = "ManualIncident";

Alert ManualAlert(const IncidentRecord& r, int64_t now_ms, bool resolved) {
  Alert a;
  a.rule = kManualRule;
  a.group = "manual";
  a.labels = r.labels;
  a.annotations = {
      {"summary", r.title},
      {"description", StrCat("reported by ", r.reported_by, " (incident ", r.id, ")")}};
  a.state = resolved ? AlertState::kResolved : AlertState::kFiring;
  a.value = 1;
  a.active_at_ms = a.fired_at_ms = r.opened_ms;
  a.resolved_at_ms = resolved ? now_ms : 0;
  a.last_eval_ms = now_ms;
  a.fingerprint = Fingerprint("", a.labels);
  return a;
}

}  // namespace

void NotificationPipeline::ManualNotificationsLocked(const IncidentRecord& incident, bool resolved,
                                                     int64_t now_ms, Batch& out) {
  if (!gen_->config.route) return;
  std::set<std::string> receivers;
  for (const routing::Route* route : gen_->config.route->Match(incident.labels)) {
    receivers.insert(route->options().receiver);
  }
  for (const auto& receiver : receivers) {
    notify::Notification n = notify::MakeNotification(receiver, incident.group_key, {},
                                                      {ManualAlert(incident, now_ms, resolved)},
                                                      resolved ? 2 : 1, gen_->config.external_url);
    n.incident_id = incident.id;
    out.notifications.push_back(std::move(n));
  }
}

absl::StatusOr<IncidentRecord> NotificationPipeline::OpenManual(
    const AlertAdmin::ManualIncident& req) {
  if (req.title.empty()) return absl::InvalidArgumentError("a manual incident needs a title");
  if (req.reported_by.empty()) {
    return absl::InvalidArgumentError("a manual incident needs who reported it (reported_by)");
  }
  std::lock_guard deliver(deliver_mu_);
  Batch batch;
  IncidentRecord result;
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_.NowMillis();
    Labels labels = {{"alertname", kManualRule},
                     {"reported_by", req.reported_by},
                     {"severity", req.severity.empty() ? "warning" : req.severity}};
    if (!req.service.empty()) labels.push_back({"service", req.service});
    std::sort(labels.begin(), labels.end());
    std::string policy;
    if (gen_->config.route) {
      for (const routing::Route* route : gen_->config.route->Match(labels)) {
        if (!route->options().escalation.empty()) {
          policy = route->options().escalation;
          break;
        }
      }
    }
    incidents::IncidentOpening o;
    o.title = req.title;
    o.source = "manual";
    o.reported_by = req.reported_by;
    o.service = req.service;
    o.severity = std::string(GetLabel(labels, "severity"));
    o.rule = kManualRule;
    o.labels = labels;
    o.policy = policy;
    incidents::Changes changes;
    const int64_t id = incidents_->Open(std::move(o), now, changes);
    IncidentRecord record = *incidents_->Find(id);
    record.group_key = StrCat("manual/", id);
    ManualNotificationsLocked(record, /*resolved=*/false, now, batch);
    // Pages carry the incident's own notification.
    notify::Notification page = notify::MakeNotification(
        "", record.group_key, {}, {ManualAlert(record, now, false)}, 1, gen_->config.external_url);
    page.incident_id = id;
    incidents_->Updated(id, StrCat("reported by ", req.reported_by, " (", req.actor, ")"),
                        notify::EncodeNotification(page), now, changes);
    AddPagesLocked(changes.pages, now, batch);
    for (auto& r : changes.store.upserts) {
      if (r.id == id) r.group_key = record.group_key;
    }
    incidents_->SetGroupKey(id, record.group_key);
    result = changes.store.upserts.back();
    batch.incidents = std::move(changes.store);
  }
  VIGIE_RETURN_IF_ERROR(Deliver(std::move(batch)));
  cv_.notify_all();
  return result;
}

absl::StatusOr<IncidentRecord> NotificationPipeline::AcknowledgeByLink(const std::string& token) {
  if (!signer_) return absl::NotFoundError("acknowledgement links are disabled");
  auto claim = signer_->Verify(token, clock_.NowMillis());
  if (!claim.ok()) return claim.status();
  std::lock_guard deliver(deliver_mu_);
  Batch batch;
  IncidentRecord result;
  std::unique_ptr<incidents::IncidentManager> before;
  {
    std::lock_guard lock(mu_);
    before = std::make_unique<incidents::IncidentManager>(*incidents_);
    incidents::Changes changes;
    VIGIE_RETURN_IF_ERROR(
        incidents_->Acknowledge(claim->incident_id, StrCat(claim->user, " (link)"),
                                "acknowledged from the link", clock_.NowMillis(), changes));
    result = changes.store.upserts.back();
    changes.store.used_tokens.push_back(claim->nonce);
    batch.incidents = std::move(changes.store);
  }
  if (absl::Status st = Deliver(std::move(batch)); !st.ok()) {
    std::lock_guard lock(mu_);
    incidents_ = std::move(before);  // the link was used already: nothing changes
    return st;
  }
  cv_.notify_all();
  return result;
}

void NotificationPipeline::RunDispatch() {
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(mu_);
      const int64_t now = clock_.NowMillis();
      std::optional<int64_t> next;
      if (gen_->dispatcher) next = gen_->dispatcher->NextFlushMs();
      if (auto due = incidents_->NextDueMs(); due && (!next || *due < *next)) next = due;
      if (auto due = NextHandoffLocked(); due && (!next || *due < *next)) next = due;
      const int64_t wait_ms = std::clamp<int64_t>(next ? *next - now : kMaxWaitMs, 0, kMaxWaitMs);
      if (inbox_.empty() && wait_ms > 0) {
        cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                     [this] { return stopping_ || !inbox_.empty(); });
      }
      if (stopping_) return;
    }
    // deliver_mu_ before mu_: a reload cannot swap the generation between the
    // flush and the enqueueing of what it produced.
    std::lock_guard deliver(deliver_mu_);
    const int64_t now = clock_.NowMillis();
    {
      std::lock_guard lock(mu_);
      DispatchLocked(now, batch);
    }
    (void)Deliver(std::move(batch));
    if (now >= next_housekeeping_ms_) {
      Housekeep(now);
      next_housekeeping_ms_ = now + kHousekeepingMs;
    }
  }
}

void NotificationPipeline::Housekeep(int64_t now_ms) {
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mu_);
    const int64_t horizon = now_ms - gen_->config.silence_retention.count();
    for (const auto& s : silences_.List(routing::SilenceState::kExpired, now_ms)) {
      if (s.ends_at_ms < horizon) gone.push_back(s.id);
    }
    if (!gone.empty()) silences_.GarbageCollect(now_ms, gen_->config.silence_retention);
  }
  if (!gone.empty()) {
    if (absl::Status st = store_.DeleteSilences(gone); !st.ok()) store_errors_.Increment();
  }
  auto pruned = store_.PruneNotifications(now_ms - gen_->config.log_retention.count());
  if (!pruned.ok()) store_errors_.Increment();
}

std::vector<AlertView> NotificationPipeline::Annotate(std::vector<Alert> alerts) const {
  std::vector<AlertView> out;
  out.reserve(alerts.size());
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  const routing::MuterChain muter({&gen_->inhibitor, &silences_, &gen_->maintenance});
  for (Alert& a : alerts) {
    AlertView v;
    v.muted = muter.Reason(a.labels, now);
    v.alert = std::move(a);
    out.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<std::string> NotificationPipeline::AddSilence(routing::Silence silence,
                                                             const std::string& actor) {
  silence.created_by = actor;
  const int64_t now = clock_.NowMillis();
  std::lock_guard deliver(deliver_mu_);
  Batch batch;
  absl::StatusOr<std::string> id;
  {
    std::lock_guard lock(mu_);
    routing::Silences next = silences_;  // committed only once stored
    id = next.Add(std::move(silence), now);
    if (!id.ok()) return id.status();
    const routing::Silence added = *next.Get(*id);
    VIGIE_RETURN_IF_ERROR(store_.SaveSilence(
        routing::ToRecord(added), {0, now, actor, "silence.add", *id, DescribeSilence(added)}));
    silences_ = std::move(next);
    log_->info("silence {} added by {}: {}", *id, actor, DescribeSilence(added));
    // On the timeline of the open incidents whose alerts it mutes.
    for (const IncidentRecord& r : incidents_->OpenIncidents()) {
      if (MatchesAll(added.matchers, r.labels)) {
        batch.incidents.timeline.push_back(
            {r.id, now, "silenced", actor,
             StrCat("silence ", *id, " until ", routing::FormatRfc3339(added.ends_at_ms), ": ",
                    added.comment)});
      }
    }
  }
  (void)Deliver(std::move(batch));
  return id;
}

std::vector<routing::Silence> NotificationPipeline::ListSilences(
    std::optional<routing::SilenceState> state) const {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  return silences_.List(state, now);
}

absl::Status NotificationPipeline::ExpireSilence(const std::string& id, const std::string& actor) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  routing::Silences next = silences_;
  VIGIE_RETURN_IF_ERROR(next.Expire(id, now));
  const routing::Silence expired = *next.Get(id);
  VIGIE_RETURN_IF_ERROR(store_.SaveSilence(
      routing::ToRecord(expired), {0, now, actor, "silence.expire", id, DescribeSilence(expired)}));
  silences_ = std::move(next);
  log_->info("silence {} expired by {}", id, actor);
  return absl::OkStatus();
}

void NotificationPipeline::Audit(const std::string& actor, std::string action, std::string object,
                                 std::string detail) {
  AuditRecord r{
      0, clock_.NowMillis(), actor, std::move(action), std::move(object), std::move(detail)};
  log_->info("audit: {} {} {}: {}", r.actor, r.action, r.object, r.detail);
  if (absl::Status st = store_.AppendAudit(r); !st.ok()) {
    store_errors_.Increment();
    log_->error("cannot write the audit log: {}", StatusMessage(st));
  }
}

size_t NotificationPipeline::receiver_count() const {
  std::lock_guard lock(mu_);
  return gen_->config.receivers.size();
}

}  // namespace vigie::daemon
