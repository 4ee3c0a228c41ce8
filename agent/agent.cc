#include "agent/agent.h"

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "agent/collector/inventory.h"
#include "agent/collector/registry.h"
#include "agent/collector/runner.h"
#include "agent/platform/self_stats.h"
#include "agent/transport/batch_buffer.h"
#include "agent/transport/sender.h"
#include "common/logging.h"
#include "common/strings.h"
#include "common/version.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::agent {
namespace {

vigie::v1::MetricType ToProto(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return vigie::v1::METRIC_TYPE_COUNTER;
    case MetricType::kGauge:
      return vigie::v1::METRIC_TYPE_GAUGE;
    default:
      return vigie::v1::METRIC_TYPE_UNTYPED;
  }
}

void ToProto(const HostInventory& in, vigie::v1::Inventory& out) {
  out.set_hostname(in.hostname);
  out.set_fqdn(in.fqdn);
  out.set_os_id(in.os_id);
  out.set_os_name(in.os_name);
  out.set_os_version(in.os_version);
  out.set_kernel(in.kernel);
  out.set_arch(in.arch);
  out.set_cpu_model(in.cpu_model);
  out.set_cpu_count(in.cpu_count);
  out.set_memory_bytes(in.memory_bytes);
  for (const auto& i : in.interfaces) {
    auto* p = out.add_interfaces();
    p->set_name(i.name);
    p->set_mac(i.mac);
    for (const auto& a : i.addresses) p->add_addresses(a);
    p->set_up(i.up);
  }
  out.set_virtualization(in.virtualization);
  out.set_agent_version(in.agent_version);
  out.set_boot_time_ms(in.boot_time_ms);
  out.set_machine_id(in.machine_id);
  out.set_os_family(in.os_family);
}

constexpr MetricDesc kBufferBatches{"vigie_agent_buffer_batches", MetricType::kGauge,
                                    "Batches waiting for vigied's acknowledgement."};
constexpr MetricDesc kBufferBytes{"vigie_agent_buffer_bytes", MetricType::kGauge,
                                  "Bytes of batches waiting for vigied's acknowledgement."};
constexpr MetricDesc kDropped{"vigie_agent_batches_dropped_total", MetricType::kCounter,
                              "Batches dropped because the buffer was full."};
constexpr MetricDesc kRejected{"vigie_agent_batches_rejected_total", MetricType::kCounter,
                               "Batches vigied refused as invalid."};
constexpr MetricDesc kReconnects{"vigie_agent_reconnects_total", MetricType::kCounter,
                                 "Connections to vigied that ended and were retried."};
constexpr MetricDesc kCpu{"vigie_agent_cpu_seconds_total", MetricType::kCounter,
                          "CPU time used by the agent (user + system)."};
constexpr MetricDesc kRss{"vigie_agent_resident_memory_bytes", MetricType::kGauge,
                          "Resident memory of the agent."};
constexpr MetricDesc kThreads{"vigie_agent_threads", MetricType::kGauge,
                              "Threads of the agent process."};

// The metric families already declared. Transparent, so that BatchSink looks a
// name up without building a std::string for every sample.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using NameSet = std::unordered_set<std::string, NameHash, std::equal_to<>>;

// Appends samples to a Batch; declares each metric family's metadata the
// first time this process sees it (in that batch, and in every StreamStart).
class BatchSink final : public SampleSink {
 public:
  BatchSink(vigie::v1::Batch& batch, int64_t timestamp_ms, NameSet& known,
            std::vector<vigie::v1::MetricMetadata>& all)
      : batch_(batch), ts_(timestamp_ms), known_(known), all_(all) {}

  void Add(const MetricDesc& desc, Labels labels, double value) override {
    if (known_.find(desc.name) == known_.end()) {
      known_.emplace(desc.name);
      vigie::v1::MetricMetadata m;
      m.set_name(std::string(desc.name));
      m.set_type(ToProto(desc.type));
      m.set_help(std::string(desc.help));
      *batch_.add_metadata() = m;
      all_.push_back(std::move(m));
    }
    std::sort(labels.begin(), labels.end());
    vigie::v1::Sample* s = batch_.add_samples();
    s->set_name(std::string(desc.name));
    s->mutable_labels()->Reserve(static_cast<int>(labels.size()));
    for (auto& l : labels) {
      auto* pl = s->add_labels();
      pl->set_name(std::move(l.name));
      pl->set_value(std::move(l.value));
    }
    s->set_value(value);
    s->set_timestamp_ms(ts_);
  }

 private:
  vigie::v1::Batch& batch_;
  const int64_t ts_;
  NameSet& known_;
  std::vector<vigie::v1::MetricMetadata>& all_;
};

class AgentImpl final : public Agent {
 public:
  AgentImpl(const AgentConfig& config, const Clock& clock, CollectorContext ctx,
            std::vector<std::unique_ptr<Collector>> collectors)
      : config_(config),
        clock_(clock),
        ctx_(std::move(ctx)),
        runner_(std::move(collectors), clock),
        buffer_(config.buffer_max_batches, config.buffer_max_bytes),
        log_(MakeLogger("agent")) {
    platform_ = ReadPlatformInfo();
    host_ = config_.host_name.empty() ? platform_.hostname : config_.host_name;
  }

  ~AgentImpl() override { Stop(std::chrono::milliseconds(0)); }

  vigie::v1::Batch CollectOnce() override {
    vigie::v1::Batch batch;
    batch.set_created_ms(clock_.NowMillis());
    std::lock_guard lock(meta_mu_);
    // Rounds are alike: size the sample array once instead of regrowing it.
    batch.mutable_samples()->Reserve(last_round_samples_);
    BatchSink sink(batch, batch.created_ms(), known_, all_metadata_);
    runner_.CollectRound(sink);
    AddSelfSamples(sink);
    last_round_samples_ = batch.samples_size();
    return batch;
  }

  vigie::v1::Inventory Inventory() override {
    vigie::v1::Inventory out;
    auto inv = ReadInventory(ctx_, platform_);
    if (inv.ok()) {
      ToProto(*inv, out);
    } else {
      log_->warn("inventory: {}", StatusMessage(inv.status()));
    }
    if (out.hostname().empty()) out.set_hostname(platform_.hostname);
    out.set_agent_version(kVersion);
    return out;
  }

  void Start() override {
    SenderOptions so;
    so.server = config_.server;
    so.reconnect_initial = config_.reconnect_initial;
    so.reconnect_max = config_.reconnect_max;
    sender_ = std::make_unique<Sender>(
        so, buffer_, [this] { return MakeHello(); }, [this] { return MakeStart(); });
    sender_->Start();
    loop_ = std::thread([this] { Loop(); });
    log_->info("vigie-agent {} reporting as host \"{}\" to {} every {} ms", kVersion, host_,
               config_.server, config_.interval.count());
  }

  void Stop(std::chrono::milliseconds grace) override {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (loop_.joinable()) loop_.join();
    if (sender_) {
      const auto deadline = std::chrono::steady_clock::now() + grace;
      while (buffer_.size() > 0 && sender_->connected() &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      sender_->Stop();
    }
  }

 private:
  void AddSelfSamples(SampleSink& sink) {
    SelfStats self = ReadSelfStats();
    sink.Add(kBufferBatches, {}, static_cast<double>(buffer_.size()));
    sink.Add(kBufferBytes, {}, static_cast<double>(buffer_.bytes()));
    sink.Add(kDropped, {}, static_cast<double>(buffer_.dropped()));
    sink.Add(kRejected, {}, static_cast<double>(buffer_.rejected()));
    sink.Add(kReconnects, {}, static_cast<double>(sender_ ? sender_->reconnects() : 0));
    sink.Add(kCpu, {}, self.cpu_seconds);
    sink.Add(kRss, {}, static_cast<double>(self.resident_bytes));
    sink.Add(kThreads, {}, static_cast<double>(self.threads));
  }

  vigie::v1::HelloRequest MakeHello() {
    vigie::v1::HelloRequest h;
    h.set_host(host_);
    h.set_agent_version(kVersion);
    *h.mutable_inventory() = Inventory();
    h.set_config_hash(config_.hash);
    for (const auto& [k, v] : config_.host_labels) {
      auto* l = h.add_host_labels();
      l->set_name(k);
      l->set_value(v);
    }
    h.set_interval_ms(config_.interval.count());
    h.set_agent_time_ms(clock_.NowMillis());
    return h;
  }

  vigie::v1::StreamStart MakeStart() {
    vigie::v1::StreamStart s;
    s.set_host(host_);
    std::lock_guard lock(meta_mu_);
    for (const auto& m : all_metadata_) *s.add_metadata() = m;
    return s;
  }

  // Collects every interval, on a steady schedule (no drift when a round is
  // slow; a round that overran its slot is not repeated to catch up).
  void Loop() {
    auto next = std::chrono::steady_clock::now();
    for (;;) {
      buffer_.Push(CollectOnce());
      next += config_.interval;
      const auto now = std::chrono::steady_clock::now();
      if (next < now) next = now + config_.interval;
      std::unique_lock lock(mu_);
      if (cv_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
  }

  const AgentConfig config_;
  const Clock& clock_;
  const CollectorContext ctx_;
  PlatformInfo platform_;
  std::string host_;
  CollectorRunner runner_;  // used by the loop thread, or by CollectOnce alone
  BatchBuffer buffer_;
  std::unique_ptr<Sender> sender_;
  Logger log_;

  std::mutex meta_mu_;
  NameSet known_;                                        // guarded by meta_mu_
  std::vector<vigie::v1::MetricMetadata> all_metadata_;  // guarded by meta_mu_
  int last_round_samples_ = 0;                           // guarded by meta_mu_

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread loop_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(const AgentConfig& config,
                                                     const Clock& clock) {
  CollectorContext ctx = DefaultCollectorContext();
  ctx.proc_root = config.proc_root;
  ctx.sys_root = config.sys_root;
  ctx.root = config.root;
  if (!config.fs_exclude_types.empty()) ctx.fs_exclude_types = config.fs_exclude_types;
  if (!config.fs_exclude_mounts.empty()) ctx.fs_exclude_mounts = config.fs_exclude_mounts;
  ctx.net_exclude_devices = config.net_exclude_devices;
  ctx.processes_states = config.processes_states;
  ctx.clock = &clock;
  std::vector<std::unique_ptr<Collector>> collectors;
  for (auto& c : MakeDefaultCollectors(ctx)) {
    const auto& off = config.disabled_collectors;
    if (std::find(off.begin(), off.end(), c->name()) == off.end()) {
      collectors.push_back(std::move(c));
    }
  }
  return std::unique_ptr<Agent>(
      new AgentImpl(config, clock, std::move(ctx), std::move(collectors)));
}

}  // namespace vigie::agent
