// load_agents: simulates N agents reporting to vigied over real gRPC, to
// measure sustained ingest. Each simulated agent calls Hello, opens one Report
// stream (StreamStart with its metric metadata), then sends one batch of
// node_exporter-like samples per interval (seq + 1, the round's timestamp) and
// counts the acks. Agents are spread evenly over the interval; by default each
// has its own TCP connection, like real agents.
//
// It uses the gRPC callback API: a few scheduler threads enqueue batches and
// gRPC's own threads drive the streams, so the tool itself stays light (its
// CPU time is printed at the end; the benchmark script reports it too).
//
//   load_agents --server 127.0.0.1:9470 --agents 1000 --samples 500
//               --interval 5s --duration 120s
//
// Prints a human-readable summary, then one "key=value" line per figure.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "tests/bench/node_series.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::bench {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using vigie::v1::ReportRequest;
using vigie::v1::ReportResponse;

struct Options {
  std::string server = "127.0.0.1:9470";
  int agents = 1000;
  int samples = 500;
  milliseconds interval{15'000};
  milliseconds duration{120'000};
  milliseconds warmup{-1};  // default: two intervals
  int connections = 0;      // TCP connections; default one per agent
  int threads = 1;          // scheduler threads
  int max_unacked = 8;      // batches an agent keeps unacknowledged before skipping rounds
  std::string host_prefix = "load-agent";
};

void Usage() {
  std::cerr << "usage: load_agents [--server HOST:PORT] [--agents N] [--samples N]\n"
               "                   [--interval DUR] [--duration DUR] [--warmup DUR]\n"
               "                   [--connections N] [--threads N] [--max-unacked N]\n"
               "                   [--host-prefix NAME]\n"
               "DUR: 500ms, 5s, 2m (a bare number is seconds)\n";
}

std::optional<milliseconds> ParseDuration(std::string_view s) {
  char* end = nullptr;
  const std::string text(s);
  const double v = std::strtod(text.c_str(), &end);
  const std::string_view unit(end);
  if (end == text.c_str() || v < 0) return std::nullopt;
  double ms;
  if (unit.empty() || unit == "s") {
    ms = v * 1000;
  } else if (unit == "ms") {
    ms = v;
  } else if (unit == "m") {
    ms = v * 60'000;
  } else {
    return std::nullopt;
  }
  return milliseconds(static_cast<int64_t>(ms));
}

std::optional<int> ParseInt(std::string_view s, int min) {
  const std::string text(s);
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || v < min || v > 10'000'000) return std::nullopt;
  return static_cast<int>(v);
}

std::optional<Options> ParseFlags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    if (arg == "-h" || arg == "--help") return std::nullopt;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "load_agents: " << arg << " needs a value\n";
      return std::nullopt;
    }
    bool ok = true;
    auto set_int = [&](int& field, int min) {
      auto v = ParseInt(value, min);
      ok = v.has_value();
      if (ok) field = *v;
    };
    auto set_duration = [&](milliseconds& field) {
      auto v = ParseDuration(value);
      ok = v.has_value();
      if (ok) field = *v;
    };
    if (arg == "--server") {
      o.server = value;
    } else if (arg == "--agents") {
      set_int(o.agents, 1);
    } else if (arg == "--samples") {
      set_int(o.samples, 1);
    } else if (arg == "--interval") {
      set_duration(o.interval);
      ok = ok && o.interval.count() > 0;
    } else if (arg == "--duration") {
      set_duration(o.duration);
    } else if (arg == "--warmup") {
      set_duration(o.warmup);
    } else if (arg == "--connections") {
      set_int(o.connections, 1);
    } else if (arg == "--threads") {
      set_int(o.threads, 1);
    } else if (arg == "--max-unacked") {
      set_int(o.max_unacked, 1);
    } else if (arg == "--host-prefix") {
      o.host_prefix = value;
    } else {
      std::cerr << "load_agents: unknown flag " << arg << "\n";
      return std::nullopt;
    }
    if (!ok) {
      std::cerr << "load_agents: bad value for " << arg << ": \"" << value << "\"\n";
      return std::nullopt;
    }
  }
  if (o.warmup.count() < 0) o.warmup = std::min(2 * o.interval, o.duration / 2);
  if (o.connections == 0 || o.connections > o.agents) o.connections = o.agents;
  return o;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// Counts reactors that have not reached OnDone.
class Latch {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    ++count_;
  }
  void Done() {
    std::lock_guard lock(mu_);
    if (--count_ == 0) cv_.notify_all();
  }
  bool WaitFor(Steady::duration d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [this] { return count_ == 0; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

struct Window {
  Steady::time_point begin;
  Steady::time_point end;
  bool Contains(Steady::time_point t) const { return t >= begin && t < end; }
};

struct AgentStats {
  uint64_t sent = 0;            // batches handed to the stream
  uint64_t sent_in_window = 0;  // of which enqueued inside the measurement window
  uint64_t acks = 0;            // acks received
  uint64_t acks_in_window = 0;  // acks received inside the window
  uint64_t samples_acked_in_window = 0;
  uint64_t dropped_samples = 0;  // reported by acks
  uint64_t duplicates = 0;
  uint64_t skipped = 0;           // rounds not sent: too many unacknowledged batches
  std::vector<float> latency_ms;  // acks of batches sent inside the window
};

// One simulated agent's Report stream.
class AgentStream final : public grpc::ClientBidiReactor<ReportRequest, ReportResponse> {
 public:
  AgentStream(std::string host, const Window& window, Latch& latch, int max_unacked)
      : host_(std::move(host)), window_(window), latch_(latch), max_unacked_(max_unacked) {}

  const std::string& host() const { return host_; }

  void Begin(vigie::v1::Ingest::Stub& stub, std::chrono::system_clock::time_point deadline,
             const std::vector<SeriesDef>& series) {
    ctx_.set_deadline(deadline);
    ReportRequest start;
    start.mutable_start()->set_host(host_);
    std::set<std::string_view> names;
    for (const SeriesDef& def : series) {
      if (!names.insert(def.name).second) continue;
      vigie::v1::MetricMetadata* m = start.mutable_start()->add_metadata();
      m->set_name(def.name);
      m->set_type(def.counter ? vigie::v1::METRIC_TYPE_COUNTER : vigie::v1::METRIC_TYPE_GAUGE);
      m->set_help(StrCat("Simulated ", def.name, "."));
    }
    latch_.Add();
    stub.async()->Report(&ctx_, this);
    StartRead(&response_);
    std::lock_guard lock(mu_);
    EnqueueLocked(std::move(start));
    StartCall();
  }

  // Sends one round unless too many batches wait for their ack.
  void SendRound(const std::vector<SeriesDef>& series, uint64_t round, int64_t timestamp_ms) {
    const Steady::time_point now = Steady::now();
    {
      std::lock_guard lock(mu_);
      if (closing_ || broken_) return;
      if (unacked_.size() >= static_cast<size_t>(max_unacked_)) {
        ++stats_.skipped;
        return;
      }
    }
    ReportRequest req;
    FillBatch(series, base_seq_ + round, round, timestamp_ms, *req.mutable_batch());
    std::lock_guard lock(mu_);
    unacked_.push_back({base_seq_ + round, now, series.size()});
    ++stats_.sent;
    if (window_.Contains(now)) ++stats_.sent_in_window;
    EnqueueLocked(std::move(req));
  }

  // Half-closes the stream once everything queued is written.
  void Close() {
    std::lock_guard lock(mu_);
    closing_ = true;
    if (!writing_ && !broken_) StartWritesDone();
  }

  void set_base_seq(uint64_t seq) { base_seq_ = seq; }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    queue_.pop_front();
    if (!ok) {
      broken_ = true;
      return;
    }
    if (!queue_.empty()) {
      writing_ = true;
      StartWrite(&queue_.front());
    } else if (closing_) {
      StartWritesDone();
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the server finished the stream; OnDone follows
    const Steady::time_point now = Steady::now();
    {
      std::lock_guard lock(mu_);
      const vigie::v1::Ack& ack = response_.ack();
      ++stats_.acks;
      stats_.dropped_samples += ack.dropped_samples();
      if (ack.duplicate()) ++stats_.duplicates;
      while (!unacked_.empty() && unacked_.front().seq <= ack.seq()) {
        const Unacked u = unacked_.front();
        unacked_.pop_front();
        if (u.seq != ack.seq()) continue;
        if (window_.Contains(now)) {
          ++stats_.acks_in_window;
          stats_.samples_acked_in_window +=
              u.samples - std::min<size_t>(u.samples, ack.dropped_samples());
        }
        if (window_.Contains(u.sent)) {
          stats_.latency_ms.push_back(
              std::chrono::duration<float, std::milli>(now - u.sent).count());
        }
      }
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& s) override {
    {
      std::lock_guard lock(mu_);
      status_ = s;
    }
    latch_.Done();
  }

  void Cancel() { ctx_.TryCancel(); }

  // Only after OnDone.
  const AgentStats& stats() const { return stats_; }
  const grpc::Status& status() const { return status_; }

 private:
  struct Unacked {
    uint64_t seq;
    Steady::time_point sent;
    size_t samples;
  };

  void EnqueueLocked(ReportRequest req) {
    queue_.push_back(std::move(req));
    if (!writing_) {
      writing_ = true;
      StartWrite(&queue_.front());  // deque: push_back keeps this address valid
    }
  }

  const std::string host_;
  const Window& window_;
  Latch& latch_;
  const int max_unacked_;
  uint64_t base_seq_ = 0;  // set before the first round
  grpc::ClientContext ctx_;
  ReportResponse response_;  // only touched by the read chain

  std::mutex mu_;
  // Guarded by mu_.
  std::deque<ReportRequest> queue_;  // front() is being written when writing_
  std::deque<Unacked> unacked_;
  bool writing_ = false;
  bool closing_ = false;
  bool broken_ = false;
  AgentStats stats_;
  grpc::Status status_;
};

// Hello for every agent, all in flight at once. Returns false on any failure.
bool HelloAll(std::vector<std::unique_ptr<vigie::v1::Ingest::Stub>>& stubs,
              std::vector<std::unique_ptr<AgentStream>>& agents, const Options& o) {
  struct Call {
    grpc::ClientContext ctx;
    vigie::v1::HelloRequest req;
    vigie::v1::HelloResponse resp;
    grpc::Status status;
  };
  std::vector<Call> calls(agents.size());
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = agents.size();
  const int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (size_t i = 0; i < agents.size(); ++i) {
    Call& c = calls[i];
    c.ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    c.req.set_host(agents[i]->host());
    c.req.set_agent_version("load_agents");
    c.req.set_interval_ms(o.interval.count());
    c.req.set_agent_time_ms(now_ms);
    stubs[i % stubs.size()]->async()->Hello(&c.ctx, &c.req, &c.resp, [&, i](grpc::Status s) {
      std::lock_guard lock(mu);
      calls[i].status = std::move(s);
      if (--pending == 0) cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return pending == 0; });
  for (size_t i = 0; i < agents.size(); ++i) {
    if (!calls[i].status.ok()) {
      std::cerr << "load_agents: Hello for " << agents[i]->host()
                << " failed: " << calls[i].status.error_message() << "\n";
      return false;
    }
    agents[i]->set_base_seq(calls[i].resp.last_applied_seq());
  }
  return true;
}

// Scheduler thread `k` of `n`: agents k, k+n, ... each at its phase of every round.
void Schedule(std::vector<std::unique_ptr<AgentStream>>& agents, int k, int n,
              const std::vector<SeriesDef>& series, const Options& o, Steady::time_point t0,
              int64_t wall0_ms) {
  const auto end = t0 + o.duration;
  const int64_t count = static_cast<int64_t>(agents.size());
  for (uint64_t round = 1;; ++round) {
    const auto round_start = t0 + (round - 1) * o.interval;
    if (round_start >= end) return;
    const int64_t ts = wall0_ms + static_cast<int64_t>(round - 1) * o.interval.count();
    for (int64_t i = k; i < count; i += n) {
      const auto due = round_start + o.interval * i / count;
      if (due >= end) return;
      std::this_thread::sleep_until(due);
      agents[static_cast<size_t>(i)]->SendRound(series, round, ts);
    }
  }
}

double Percentile(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  const size_t idx = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx), v.end());
  return v[idx];
}

int Run(const Options& o) {
  const std::vector<SeriesDef> series = NodeExporterLikeSeries(static_cast<size_t>(o.samples));
  std::vector<std::unique_ptr<vigie::v1::Ingest::Stub>> stubs;
  for (int c = 0; c < o.connections; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one TCP connection per channel
    args.SetInt("vigie.load_agents.channel", c);
    args.SetMaxReceiveMessageSize(16 << 20);
    stubs.push_back(vigie::v1::Ingest::NewStub(
        grpc::CreateCustomChannel(o.server, grpc::InsecureChannelCredentials(), args)));
  }
  Window window;
  Latch latch;
  std::vector<std::unique_ptr<AgentStream>> agents;
  for (int i = 0; i < o.agents; ++i) {
    agents.push_back(std::make_unique<AgentStream>(
        StrCat(o.host_prefix, "-", fmt::format("{:05d}", i)), window, latch, o.max_unacked));
  }

  const double cpu_start = CpuSeconds();
  const auto hello_start = Steady::now();
  if (!HelloAll(stubs, agents, o)) return 1;
  const double hello_s = std::chrono::duration<double>(Steady::now() - hello_start).count();
  const auto t0 = Steady::now() + milliseconds(500);
  const int64_t wall0_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() +
      500;
  window.begin = t0 + o.warmup;
  window.end = t0 + o.duration;
  const auto deadline = std::chrono::system_clock::now() + o.duration + std::chrono::seconds(90);
  for (size_t i = 0; i < agents.size(); ++i) {
    agents[i]->Begin(*stubs[i % stubs.size()], deadline, series);
  }
  const double cpu_t0 = CpuSeconds();
  std::cerr << "load_agents: " << o.agents << " agents x " << o.samples << " samples every "
            << o.interval.count() << " ms over " << o.connections << " connections, for "
            << o.duration.count() << " ms (offered "
            << static_cast<double>(o.agents) * o.samples * 1000.0 /
                   static_cast<double>(o.interval.count())
            << " samples/s)\n";

  std::vector<std::thread> threads;
  for (int k = 0; k < o.threads; ++k) {
    threads.emplace_back(Schedule, std::ref(agents), k, o.threads, std::cref(series), std::cref(o),
                         t0, wall0_ms);
  }
  for (auto& t : threads) t.join();
  const double cpu_t1 = CpuSeconds();

  for (auto& a : agents) a->Close();
  bool clean = latch.WaitFor(std::chrono::seconds(30));
  if (!clean) {
    std::cerr << "load_agents: " << latch.count() << " streams still open after 30 s: cancelling\n";
    for (auto& a : agents) a->Cancel();
    latch.WaitFor(std::chrono::seconds(30));
  }
  const double cpu_end = CpuSeconds();

  AgentStats total;
  std::vector<float> latencies;
  int failed = 0;
  std::string first_error;
  for (auto& a : agents) {
    const AgentStats& s = a->stats();
    total.sent += s.sent;
    total.sent_in_window += s.sent_in_window;
    total.acks += s.acks;
    total.acks_in_window += s.acks_in_window;
    total.samples_acked_in_window += s.samples_acked_in_window;
    total.dropped_samples += s.dropped_samples;
    total.duplicates += s.duplicates;
    total.skipped += s.skipped;
    latencies.insert(latencies.end(), s.latency_ms.begin(), s.latency_ms.end());
    if (!a->status().ok() && a->status().error_code() != grpc::StatusCode::CANCELLED) {
      if (failed++ == 0) first_error = a->status().error_message();
    }
  }
  const double window_s = std::chrono::duration<double>(window.end - window.begin).count();
  const double run_s = static_cast<double>(o.duration.count()) / 1000.0;
  const double p50 = Percentile(latencies, 0.50);
  const double p99 = Percentile(latencies, 0.99);
  const double max = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
  const double offered =
      static_cast<double>(o.agents) * o.samples * 1000.0 / static_cast<double>(o.interval.count());

  std::cout << fmt::format(
      "load_agents summary (measured over the last {:.0f} s of {:.0f} s; warm-up excluded)\n"
      "  offered         {:.0f} samples/s\n"
      "  batches/s       {:.1f}\n"
      "  acks/s          {:.1f}\n"
      "  samples/s       {:.0f} (acknowledged, minus dropped)\n"
      "  ack latency     p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n"
      "  totals          sent {} acked {} skipped {} dropped_samples {} duplicates {}\n"
      "  failed streams  {}{}\n"
      "  tool CPU        {:.2f} s while sending ({:.1f} % of one core), {:.2f} s in all "
      "(Hello {:.2f} s)\n",
      window_s, run_s, offered, total.sent_in_window / window_s, total.acks_in_window / window_s,
      total.samples_acked_in_window / window_s, p50, p99, max, total.sent, total.acks,
      total.skipped, total.dropped_samples, total.duplicates, failed,
      failed > 0 ? StrCat(" (first: ", first_error, ")") : "", cpu_t1 - cpu_t0,
      100.0 * (cpu_t1 - cpu_t0) / run_s, cpu_end - cpu_start, hello_s);
  std::cout << fmt::format(
      "offered_samples_per_s={:.0f}\nbatches_per_s={:.1f}\nacks_per_s={:.1f}\n"
      "samples_per_s={:.0f}\np50_ms={:.2f}\np99_ms={:.2f}\nmax_ms={:.2f}\nsent={}\nacked={}\n"
      "skipped={}\ndropped_samples={}\nfailed_streams={}\ntool_cpu_s={:.2f}\n"
      "tool_cpu_pct={:.1f}\nwindow_s={:.1f}\n",
      offered, total.sent_in_window / window_s, total.acks_in_window / window_s,
      total.samples_acked_in_window / window_s, p50, p99, max, total.sent, total.acks,
      total.skipped, total.dropped_samples, failed, cpu_t1 - cpu_t0,
      100.0 * (cpu_t1 - cpu_t0) / run_s, window_s);
  return failed == 0 ? 0 : 2;
}

}  // namespace
}  // namespace vigie::bench

int main(int argc, char** argv) {
  auto options = vigie::bench::ParseFlags(argc, argv);
  if (!options) {
    vigie::bench::Usage();
    return 64;
  }
  return vigie::bench::Run(*options);
}
