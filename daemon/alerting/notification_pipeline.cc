#include "daemon/alerting/notification_pipeline.h"

#include <algorithm>
#include <utility>

#include "common/status.h"
#include "common/strings.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace vigie::daemon {
namespace {

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
  for (const auto& g : *groups) p->restored_groups_.push_back(FromRecord(g));
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
    std::vector<Alert> firing;
    for (const auto& [group, alerts] : current_) {
      for (const Alert& a : alerts) {
        if (a.state == AlertState::kFiring) firing.push_back(a);
      }
    }
    next->inhibitor.Update(firing);
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

void NotificationPipeline::DispatchLocked(int64_t now_ms,
                                          std::vector<routing::GroupNotification>& out,
                                          std::vector<std::string>& removed) {
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
  if (had_input) {
    std::vector<Alert> firing;
    for (const auto& [group, alerts] : current_) {
      for (const Alert& a : alerts) {
        if (a.state == AlertState::kFiring) firing.push_back(a);
      }
    }
    gen.inhibitor.Update(firing);
  }
  if (!gen.dispatcher) return;
  const routing::MuterChain muter({&gen.inhibitor, &silences_, &gen.maintenance});
  out = gen.dispatcher->Flush(now_ms, &muter, &removed);
  if (!first_dispatch_done_) {
    // Groups notified before the restart whose alerts did not come back.
    for (auto& key : gen.dispatcher->ForgetUnrestored()) removed.push_back(std::move(key));
    first_dispatch_done_ = true;
  }
}

void NotificationPipeline::Deliver(std::vector<routing::GroupNotification> notifications,
                                   std::vector<std::string> removed) {
  if (notifications.empty() && removed.empty()) return;
  Generation& gen = *gen_;  // deliver_mu_ is held: gen_ cannot change
  std::vector<DispatchGroupRecord> groups;
  std::vector<OutboxRecord> rows;
  std::vector<notify::Notification> built;
  const int64_t now = clock_.NowMillis();
  for (auto& gn : notifications) {
    groups.push_back(ToRecord(gn.state));
    notify::Notification n =
        notify::MakeNotification(gn.receiver, gn.group_key, notify::LabelsToMap(gn.group_labels),
                                 std::move(gn.alerts), gn.state.sequence, gen.config.external_url);
    const std::string payload = notify::EncodeNotification(n);
    for (const auto& [key, w] : gen.workers) {
      if (key.first != gn.receiver) continue;
      OutboxRecord row;
      row.receiver = gn.receiver;
      row.notifier_index = key.second;
      row.channel = std::string(w->notifier->channel());
      row.group_key = gn.group_key;
      row.kind = notify::NotificationKindName(n.kind);
      row.payload = payload;
      row.created_ms = now;
      rows.push_back(std::move(row));
      built.push_back(n);
    }
  }
  if (absl::Status st = store_.CommitDispatch(groups, removed, rows); !st.ok()) {
    // Better a page that might repeat after a crash than no page.
    store_errors_.Increment();
    log_->error("cannot record {} notifications in the outbox (sending anyway): {}", rows.size(),
                StatusMessage(st));
    for (auto& row : rows) row.id = 0;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    Enqueue(gen, Job{rows[i].id, std::move(built[i])}, rows[i].receiver, rows[i].notifier_index);
  }
}

void NotificationPipeline::RunDispatch() {
  for (;;) {
    std::vector<routing::GroupNotification> out;
    std::vector<std::string> removed;
    {
      std::unique_lock lock(mu_);
      const int64_t now = clock_.NowMillis();
      std::optional<int64_t> next;
      if (gen_->dispatcher) next = gen_->dispatcher->NextFlushMs();
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
      DispatchLocked(now, out, removed);
    }
    Deliver(std::move(out), std::move(removed));
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
  std::lock_guard lock(mu_);
  routing::Silences next = silences_;  // committed only once stored
  auto id = next.Add(std::move(silence), now);
  if (!id.ok()) return id.status();
  const routing::Silence added = *next.Get(*id);
  VIGIE_RETURN_IF_ERROR(store_.SaveSilence(
      routing::ToRecord(added), {0, now, actor, "silence.add", *id, DescribeSilence(added)}));
  silences_ = std::move(next);
  log_->info("silence {} added by {}: {}", *id, actor, DescribeSilence(added));
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
