#include "daemon/state/state.h"

#include <algorithm>
#include <mutex>

#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {

// An entry of HostState::by_name.
struct SeriesNameEntry {
  uint64_t name_hash;
  const Series* series;
};

struct State::HostState {
  std::string name;  // constant: the key in hosts_
  mutable std::mutex mu;
  HostRecord record;           // guarded by mu
  int open_streams = 0;        // guarded by mu
  int64_t last_sample_ms = 0;  // guarded by mu
  // Keyed by fingerprint; a collision probes fingerprint + 1, + 2, ...
  std::unordered_map<uint64_t, Series> series;  // guarded by mu
  // The index by metric name: one entry per series of `series`, sorted by the hash of its
  // metric name (then in creation order), so that a lookup is a binary search in one
  // contiguous array. A node of `series` never moves and is never erased, so the pointers
  // stay valid.
  std::vector<SeriesNameEntry> by_name;  // guarded by mu
};

namespace {

MetricKind KindFromProto(vigie::v1::MetricType t) {
  switch (t) {
    case vigie::v1::METRIC_TYPE_COUNTER:
      return MetricKind::kCounter;
    case vigie::v1::METRIC_TYPE_GAUGE:
      return MetricKind::kGauge;
    default:
      return MetricKind::kUntyped;
  }
}

uint64_t FingerprintOf(const vigie::v1::Sample& s) {
  FingerprintBuilder b;
  b.Add(s.name());
  for (const auto& l : s.labels()) {
    b.Add(l.name());
    b.Add(l.value());
  }
  return b.value();
}

bool SameSeries(const Series& series, const vigie::v1::Sample& s) {
  if (series.metric != s.name() || series.labels.size() != static_cast<size_t>(s.labels_size())) {
    return false;
  }
  for (int i = 0; i < s.labels_size(); ++i) {
    const auto& l = s.labels(i);
    if (series.labels[i].name != l.name() || series.labels[i].value != l.value()) return false;
  }
  return true;
}

uint64_t NameHash(std::string_view metric) {
  FingerprintBuilder b;
  b.Add(metric);
  return b.value();
}

// Orders HostState::by_name.
struct ByHash {
  bool operator()(const SeriesNameEntry& a, uint64_t b) const { return a.name_hash < b; }
  bool operator()(uint64_t a, const SeriesNameEntry& b) const { return a < b.name_hash; }
};

Labels LabelsFromProto(const google::protobuf::RepeatedPtrField<vigie::v1::Label>& in) {
  Labels out;
  out.reserve(static_cast<size_t>(in.size()));
  for (const auto& l : in) out.push_back({l.name(), l.value()});
  return out;
}

}  // namespace

State::State(const Clock& clock, StateOptions options) : clock_(clock), options_(options) {}
State::~State() = default;

void State::Restore(std::vector<HostRecord> hosts) {
  std::unique_lock lock(hosts_mu_);
  for (auto& rec : hosts) {
    auto h = std::make_unique<HostState>();
    std::string name = rec.name;
    h->name = name;
    h->record = std::move(rec);
    hosts_[name] = std::move(h);
  }
  SortHostsLocked();
}

void State::SortHostsLocked() {
  sorted_hosts_.clear();
  sorted_hosts_.reserve(hosts_.size());
  for (const auto& [name, h] : hosts_) sorted_hosts_.push_back(h.get());
  // A host's name never changes (record.name is its key).
  std::sort(sorted_hosts_.begin(), sorted_hosts_.end(),
            [](const HostState* a, const HostState* b) { return a->name < b->name; });
}

State::HostState* State::Find(std::string_view host) const {
  std::shared_lock lock(hosts_mu_);
  auto it = hosts_.find(std::string(host));
  return it == hosts_.end() ? nullptr : it->second.get();
}

bool State::Knows(std::string_view host) const { return Find(host) != nullptr; }

HostRecord State::Hello(const vigie::v1::HelloRequest& hello) {
  const int64_t now = clock_.NowMillis();
  HostState* h = Find(hello.host());
  if (h == nullptr) {
    std::unique_lock lock(hosts_mu_);
    auto& slot = hosts_[hello.host()];
    if (!slot) {
      slot = std::make_unique<HostState>();
      slot->name = hello.host();
      slot->record.name = hello.host();
      sorted_hosts_.insert(
          std::upper_bound(sorted_hosts_.begin(), sorted_hosts_.end(), slot->name,
                           [](const std::string& n, const HostState* b) { return n < b->name; }),
          slot.get());
      slot->record.first_seen_ms = now;
    }
    h = slot.get();
  }
  std::lock_guard lock(h->mu);
  HostRecord& r = h->record;
  r.last_seen_ms = now;
  r.agent_version = hello.agent_version();
  r.labels = LabelsFromProto(hello.host_labels());
  r.inventory = hello.inventory().SerializeAsString();
  r.interval_ms = hello.interval_ms() > 0 ? hello.interval_ms() : options_.default_interval_ms;
  r.config_hash = hello.config_hash();
  return r;
}

template <typename MetadataList>
void State::MergeMetadata(const MetadataList& list) {
  if (list.empty()) return;
  std::unique_lock lock(meta_mu_);
  for (const auto& m : list) metadata_[m.name()] = MetricMeta{KindFromProto(m.type()), m.help()};
}

void State::UpdateMetadata(const vigie::v1::StreamStart& start) { MergeMetadata(start.metadata()); }

ApplyResult State::Apply(std::string_view host, const vigie::v1::Batch& batch) {
  ApplyResult result;
  MergeMetadata(batch.metadata());
  HostState* h = Find(host);
  if (h == nullptr) return result;  // the caller checks Knows() first
  const int64_t now = clock_.NowMillis();

  std::lock_guard lock(h->mu);
  HostRecord& r = h->record;
  if (batch.seq() <= r.last_applied_seq) {
    result.duplicate = true;
    result.record = r;
    return result;
  }
  result.gap = r.last_applied_seq != 0 && batch.seq() != r.last_applied_seq + 1;

  for (const auto& s : batch.samples()) {
    uint64_t fp = FingerprintOf(s);
    Series* series = nullptr;
    for (;; ++fp) {
      auto it = h->series.find(fp);
      if (it == h->series.end()) break;
      if (SameSeries(it->second, s)) {
        series = &it->second;
        break;
      }
    }
    if (series == nullptr) {
      if (h->series.size() >= options_.max_series_per_host) {
        ++result.dropped_series_limit;
        continue;
      }
      series = &h->series
                    .emplace(fp, Series{s.name(), LabelsFromProto(s.labels()),
                                        SeriesRing(options_.retention_ms)})
                    .first->second;
      const uint64_t hash = NameHash(series->metric);
      h->by_name.insert(std::upper_bound(h->by_name.begin(), h->by_name.end(), hash, ByHash{}),
                        SeriesNameEntry{hash, series});
    }
    if (series->ring.Append(s.timestamp_ms(), s.value())) {
      ++result.samples_applied;
      h->last_sample_ms = std::max(h->last_sample_ms, s.timestamp_ms());
    } else {
      ++result.dropped_out_of_order;
    }
  }
  if (batch.has_inventory()) r.inventory = batch.inventory().SerializeAsString();
  r.last_applied_seq = batch.seq();
  r.last_seen_ms = now;
  result.record = r;
  return result;
}

void State::StreamOpened(std::string_view host) {
  if (HostState* h = Find(host)) {
    std::lock_guard lock(h->mu);
    ++h->open_streams;
  }
}

void State::StreamClosed(std::string_view host) {
  if (HostState* h = Find(host)) {
    std::lock_guard lock(h->mu);
    --h->open_streams;
  }
}

bool State::UpLocked(const HostState& h, int64_t now_ms) const {
  const int64_t interval =
      h.record.interval_ms > 0 ? h.record.interval_ms : options_.default_interval_ms;
  return h.record.last_seen_ms > 0 &&
         now_ms - h.record.last_seen_ms <= interval * options_.stale_after_intervals;
}

HostStatus State::StatusLocked(const HostState& h, int64_t now_ms) const {
  HostStatus s;
  s.record = h.record;
  s.up = UpLocked(h, now_ms);
  s.connected = h.open_streams > 0;
  s.series_count = h.series.size();
  s.last_sample_ms = h.last_sample_ms;
  return s;
}

std::optional<HostStatus> State::GetHost(std::string_view host) const {
  HostState* h = Find(host);
  if (h == nullptr) return std::nullopt;
  std::lock_guard lock(h->mu);
  return StatusLocked(*h, clock_.NowMillis());
}

std::vector<HostStatus> State::ListHosts() const {
  std::vector<HostStatus> out;
  const int64_t now = clock_.NowMillis();
  std::shared_lock lock(hosts_mu_);
  out.reserve(hosts_.size());
  for (const auto& [name, h] : hosts_) {
    std::lock_guard hl(h->mu);
    out.push_back(StatusLocked(*h, now));
  }
  std::sort(out.begin(), out.end(),
            [](const HostStatus& a, const HostStatus& b) { return a.record.name < b.record.name; });
  return out;
}

void State::VisitSeries(std::string_view host, const std::function<void(const Series&)>& fn) const {
  HostState* h = Find(host);
  if (h == nullptr) return;
  std::lock_guard lock(h->mu);
  for (const auto& [fp, series] : h->series) fn(series);
}

void State::VisitMetric(std::string_view host, std::string_view metric,
                        const std::function<void(const Series&)>& fn) const {
  HostState* h = Find(host);
  if (h == nullptr) return;
  std::lock_guard lock(h->mu);
  VisitMetricLocked(*h, metric, fn);
}

void State::VisitMetricLocked(const HostState& h, std::string_view metric,
                              const std::function<void(const Series&)>& fn) {
  auto [first, last] =
      std::equal_range(h.by_name.begin(), h.by_name.end(), NameHash(metric), ByHash{});
  for (auto it = first; it != last; ++it) {
    if (it->series->metric == metric) fn(*it->series);  // not another name of the same hash
  }
}

void State::VisitHosts(const std::string* host,
                       const std::function<void(const HostView&)>& fn) const {
  const int64_t now = clock_.NowMillis();
  auto visit = [&](const HostState& h) {
    std::lock_guard lock(h.mu);
    fn(HostView(h, UpLocked(h, now)));
  };
  if (host != nullptr) {
    if (const HostState* h = Find(*host)) visit(*h);
    return;
  }
  std::vector<const HostState*> hosts;
  {
    std::shared_lock lock(hosts_mu_);
    hosts = sorted_hosts_;  // a HostState is never destroyed while State lives
  }
  for (const HostState* h : hosts) visit(*h);
}

const HostRecord& HostView::record() const { return h_.record; }
bool HostView::connected() const { return h_.open_streams > 0; }
size_t HostView::series_count() const { return h_.series.size(); }
int64_t HostView::last_sample_ms() const { return h_.last_sample_ms; }

void HostView::VisitSeries(const std::function<void(const Series&)>& fn) const {
  for (const auto& [fp, series] : h_.series) fn(series);
}

void HostView::VisitMetric(std::string_view metric,
                           const std::function<void(const Series&)>& fn) const {
  State::VisitMetricLocked(h_, metric, fn);
}

void State::VisitAll(const std::function<void(const HostStatus&, const Series&)>& series_fn,
                     const std::function<void(const HostStatus&)>& host_fn) const {
  const int64_t now = clock_.NowMillis();
  std::shared_lock lock(hosts_mu_);
  for (const auto& [name, h] : hosts_) {
    std::lock_guard hl(h->mu);
    HostStatus status = StatusLocked(*h, now);
    if (host_fn) host_fn(status);
    if (series_fn) {
      for (const auto& [fp, series] : h->series) series_fn(status, series);
    }
  }
}

std::optional<MetricMeta> State::Metadata(std::string_view metric) const {
  std::shared_lock lock(meta_mu_);
  auto it = metadata_.find(std::string(metric));
  if (it == metadata_.end()) return std::nullopt;
  return it->second;
}

size_t State::SeriesCount() const {
  size_t n = 0;
  std::shared_lock lock(hosts_mu_);
  for (const auto& [name, h] : hosts_) {
    std::lock_guard hl(h->mu);
    n += h->series.size();
  }
  return n;
}

}  // namespace vigie::daemon
