// probe_agent: a minimal agent for tests/bench/alert_latency.sh. It calls Hello
// once as one host, opens one Report stream, then reads lines "TRIAL VALUE"
// from stdin. For each line it sends at once one batch holding the single
// gauge sample `latency_probe{trial="TRIAL"} VALUE` stamped now, and prints
//
//   TRIAL SENT_EPOCH_SECONDS ACK_EPOCH_SECONDS
//
// (wall clock, microseconds; SENT taken just before the batch is handed to
// gRPC, ACK when vigied's ack for it is read) once vigied acknowledged it,
// flushing stdout. While no line arrives for --keepalive (default 2.5 s) it
// sends the current value again, so that vigied does not mark the host down
// (after hosts.stale_after_intervals x the interval announced in Hello).
// The family's metadata goes in the first batch, as the agent declares a
// family the first time it sees it. Exits at EOF on stdin (after the acks of
// what it sent, 10 s at most), or with status 1 when the stream breaks.
//
//   probe_agent --server 127.0.0.1:9470 [--host probe] [--interval 1000]
//               [--keepalive 2500]     (milliseconds; --keepalive 0: never)
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::bench {
namespace {

using SysClock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr char kMetric[] = "latency_probe";

struct Options {
  std::string server = "127.0.0.1:9470";
  std::string host = "probe";
  milliseconds interval{1000};
  milliseconds keepalive{2500};
};

void Usage() {
  std::cerr << "usage: probe_agent [--server HOST:PORT] [--host NAME] [--interval MS]\n"
               "                   [--keepalive MS]\n"
               "then lines \"TRIAL VALUE\" on stdin\n";
}

std::optional<int64_t> ParseMs(std::string_view s) {
  const std::string text(s);
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || v < 0 || v > 86'400'000) return std::nullopt;
  return v;
}

std::optional<Options> ParseFlags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help" || i + 1 >= argc) return std::nullopt;
    const std::string_view value = argv[++i];
    if (arg == "--server") {
      o.server = value;
    } else if (arg == "--host") {
      o.host = value;
    } else if (arg == "--interval" || arg == "--keepalive") {
      const auto ms = ParseMs(value);
      if (!ms || (arg == "--interval" && *ms == 0)) {
        std::cerr << "probe_agent: bad value for " << arg << ": \"" << value << "\"\n";
        return std::nullopt;
      }
      (arg == "--interval" ? o.interval : o.keepalive) = milliseconds(*ms);
    } else {
      std::cerr << "probe_agent: unknown flag " << arg << "\n";
      return std::nullopt;
    }
  }
  return o;
}

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(SysClock::now().time_since_epoch()).count();
}

// Epoch seconds with microseconds, as Python's "%.6f" % time.time().
std::string EpochSeconds(SysClock::time_point t) {
  const int64_t us =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1'000'000),
                static_cast<long long>(us % 1'000'000));
  return buf;
}

// Lines read from stdin by their own thread; the sender waits on them.
class Input {
 public:
  void Run() {
    for (std::string line; std::getline(std::cin, line);) {
      std::istringstream in(line);
      std::string trial;
      double value = 0;
      if (!(in >> trial >> value)) {
        std::cerr << "probe_agent: ignored line \"" << line << "\" (want TRIAL VALUE)\n";
        continue;
      }
      std::lock_guard lock(mu_);
      lines_.push_back({trial, value});
      cv_.notify_one();
    }
    std::lock_guard lock(mu_);
    eof_ = true;
    cv_.notify_one();
  }

  struct Line {
    std::string trial;
    double value;
  };
  // The next line, nullopt at `deadline` or at EOF (then `eof` is set).
  std::optional<Line> Next(std::chrono::steady_clock::time_point deadline, bool& eof) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [this] { return eof_ || !lines_.empty(); });
    if (!lines_.empty()) {
      Line l = std::move(lines_.front());
      lines_.pop_front();
      return l;
    }
    eof = eof_;
    return std::nullopt;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Line> lines_;
  bool eof_ = false;
};

int Run(const Options& o) {
  auto channel = grpc::CreateChannel(o.server, grpc::InsecureChannelCredentials());
  auto stub = vigie::v1::Ingest::NewStub(channel);

  vigie::v1::HelloResponse hello;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(SysClock::now() + std::chrono::seconds(10));
    vigie::v1::HelloRequest req;
    req.set_host(o.host);
    req.set_agent_version("probe_agent");
    req.set_interval_ms(o.interval.count());
    req.set_agent_time_ms(NowMs());
    req.mutable_inventory()->set_hostname(o.host);
    req.mutable_inventory()->set_agent_version("probe_agent");
    const grpc::Status st = stub->Hello(&ctx, req, &hello);
    if (!st.ok()) {
      std::cerr << "probe_agent: Hello to " << o.server << " failed: " << st.error_message()
                << "\n";
      return 1;
    }
  }

  // The stream lives as long as the benchmark (which kills the probe when done).
  grpc::ClientContext ctx;
  ctx.set_deadline(SysClock::now() + std::chrono::hours(6));
  auto stream = stub->Report(&ctx);
  {
    vigie::v1::ReportRequest start;
    start.mutable_start()->set_host(o.host);  // no family known yet, as a fresh agent
    if (!stream->Write(start)) {
      std::cerr << "probe_agent: the Report stream broke at its start\n";
      return 1;
    }
  }

  std::mutex mu;
  std::condition_variable acked_cv;
  std::map<uint64_t, std::pair<std::string, SysClock::time_point>> waiting;  // by seq; guarded
  uint64_t last_acked = hello.last_applied_seq();                            // guarded by mu
  bool stream_done = false;                                                  // guarded by mu

  std::thread reader([&] {
    vigie::v1::ReportResponse resp;
    while (stream->Read(&resp)) {
      const SysClock::time_point t = SysClock::now();
      const vigie::v1::Ack& ack = resp.ack();
      std::lock_guard lock(mu);
      if (ack.dropped_samples() > 0) {
        std::cerr << "probe_agent: batch " << ack.seq() << ": " << ack.dropped_samples()
                  << " samples dropped (" << ack.warning() << ")\n";
      }
      for (auto it = waiting.begin(); it != waiting.end() && it->first <= ack.seq();) {
        if (it->first == ack.seq()) {
          std::cout << it->second.first << " " << EpochSeconds(it->second.second) << " "
                    << EpochSeconds(t) << std::endl;  // flushes
        }
        it = waiting.erase(it);
      }
      last_acked = std::max(last_acked, ack.seq());
      acked_cv.notify_all();
    }
    std::lock_guard lock(mu);
    stream_done = true;
    acked_cv.notify_all();
  });

  Input input;
  std::thread stdin_thread([&] { input.Run(); });
  stdin_thread.detach();  // blocked in getline at exit; the process ends anyway

  uint64_t seq = hello.last_applied_seq();
  bool declared = false;
  std::string trial = "init";
  double value = 0;
  int rc = 0;
  auto send = [&](bool report) {
    vigie::v1::ReportRequest req;
    vigie::v1::Batch* b = req.mutable_batch();
    b->set_seq(++seq);
    const SysClock::time_point now = SysClock::now();
    const int64_t now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
    b->set_created_ms(now_ms);
    if (!declared) {
      vigie::v1::MetricMetadata* m = b->add_metadata();
      m->set_name(kMetric);
      m->set_type(vigie::v1::METRIC_TYPE_GAUGE);
      m->set_help("Flipped by alert_latency.sh through probe_agent.");
      declared = true;
    }
    vigie::v1::Sample* s = b->add_samples();
    s->set_name(kMetric);
    vigie::v1::Label* l = s->add_labels();
    l->set_name("trial");
    l->set_value(trial);
    s->set_value(value);
    s->set_timestamp_ms(now_ms);
    if (report) {
      std::lock_guard lock(mu);
      waiting[seq] = {trial, SysClock::now()};
    }
    return stream->Write(req);
  };

  for (;;) {
    const auto keepalive_at = o.keepalive.count() > 0
                                  ? std::chrono::steady_clock::now() + o.keepalive
                                  : std::chrono::steady_clock::time_point::max();
    bool eof = false;
    std::optional<Input::Line> line = input.Next(keepalive_at, eof);
    if (eof) break;
    if (line) {
      trial = line->trial;
      value = line->value;
    }
    if (!send(line.has_value())) {
      std::cerr << "probe_agent: the Report stream broke (batch " << seq << ")\n";
      rc = 1;
      break;
    }
  }

  if (rc == 0) {
    std::unique_lock lock(mu);
    acked_cv.wait_for(lock, std::chrono::seconds(10),
                      [&] { return stream_done || last_acked >= seq; });
  }
  stream->WritesDone();
  {
    std::unique_lock lock(mu);
    if (!acked_cv.wait_for(lock, std::chrono::seconds(5), [&] { return stream_done; })) {
      ctx.TryCancel();
    }
  }
  reader.join();
  const grpc::Status st = stream->Finish();
  if (!st.ok() && rc == 0) {
    std::cerr << "probe_agent: stream ended: " << st.error_message() << "\n";
    rc = 1;
  }
  std::cout.flush();
  std::_Exit(rc);  // the stdin thread may still block in getline
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
