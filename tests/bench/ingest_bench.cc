// Ingest cost of one batch inside vigied: decoding the ReportRequest,
// ValidateBatch and State::Apply, for a 200-sample batch of node_exporter-like
// series in steady state (the series exist; each iteration carries a new seq
// and timestamps 15 s newer). The parts are also timed alone.
//
//   build/tests/bench/ingest_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "daemon/ingest/batch_validator.h"
#include "daemon/state/state.h"
#include "tests/bench/node_series.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {
namespace {

constexpr int64_t kStartMs = 1'700'000'000'000;
constexpr int64_t kIntervalMs = 15'000;
constexpr char kHost[] = "web-01.example.com";

// A State with one host whose series already exist, and the batches to feed it.
class Fixture {
 public:
  explicit Fixture(size_t samples)
      : series_(bench::NodeExporterLikeSeries(samples)), state_(clock_, StateOptions{}) {
    vigie::v1::HelloRequest hello;
    hello.set_host(kHost);
    hello.set_interval_ms(kIntervalMs);
    state_.Hello(hello);
    bench::FillBatch(series_, 1, 0, kStartMs, *request_.mutable_batch());
    (void)ValidateBatch(*request_.mutable_batch(), limits_);
    state_.Apply(kHost, request_.batch());
  }

  // Moves to the next round and returns the serialized request.
  const std::string& Next() {
    ++round_;
    const int64_t ts = kStartMs + static_cast<int64_t>(round_) * kIntervalMs;
    clock_.SetMillis(ts);
    bench::UpdateBatch(series_, round_ + 1, round_, ts, *request_.mutable_batch());
    request_.SerializeToString(&wire_);
    return wire_;
  }

  State& state() { return state_; }
  const IngestLimits& limits() const { return limits_; }
  size_t samples() const { return series_.size(); }

 private:
  std::vector<bench::SeriesDef> series_;
  FakeClock clock_{kStartMs};
  State state_;
  IngestLimits limits_;
  vigie::v1::ReportRequest request_;
  std::string wire_;
  uint64_t round_ = 0;
};

void SetCounters(benchmark::State& st, size_t samples) {
  st.counters["samples/s"] = benchmark::Counter(static_cast<double>(st.iterations() * samples),
                                                benchmark::Counter::kIsRate);
  // Seconds per sample, printed with an SI prefix (e.g. "250n" = 250 ns).
  st.counters["time/sample"] =
      benchmark::Counter(static_cast<double>(st.iterations() * samples),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Decode + validate + apply, as vigied does per batch (the request message is
// reused between batches, as the gRPC reactor reuses its own).
void BM_IngestBatch(benchmark::State& st) {
  Fixture f(static_cast<size_t>(st.range(0)));
  vigie::v1::ReportRequest request;
  for (auto _ : st) {
    st.PauseTiming();
    const std::string& wire = f.Next();
    st.ResumeTiming();
    if (!request.ParseFromString(wire)) st.SkipWithError("parse failed");
    if (!ValidateBatch(*request.mutable_batch(), f.limits()).ok()) st.SkipWithError("invalid");
    ApplyResult r = f.state().Apply(kHost, request.batch());
    if (r.samples_applied != f.samples()) st.SkipWithError("samples not applied");
  }
  SetCounters(st, f.samples());
}
BENCHMARK(BM_IngestBatch)->Arg(200)->Arg(500);

// Parses `wire` into one reused `Message` per iteration.
template <typename Message>
void ParseLoop(benchmark::State& st, const std::string& wire, size_t samples) {
  Message message;
  for (auto _ : st) {
    if (!message.ParseFromString(wire)) st.SkipWithError("parse failed");
    benchmark::DoNotOptimize(message);
  }
  SetCounters(st, samples);
}

void BM_DecodeOnly(benchmark::State& st) {
  Fixture f(static_cast<size_t>(st.range(0)));
  ParseLoop<vigie::v1::ReportRequest>(st, f.Next(), f.samples());
}
BENCHMARK(BM_DecodeOnly)->Arg(200);

// For comparison: the same batch parsed into a reused Batch (not inside the
// ReportRequest oneof). Clear() keeps a plain message's samples, labels and
// strings for reuse, while clearing a oneof deletes the whole Batch.
void BM_DecodeBatchReused(benchmark::State& st) {
  Fixture f(static_cast<size_t>(st.range(0)));
  vigie::v1::ReportRequest wrapped;
  wrapped.ParseFromString(f.Next());
  ParseLoop<vigie::v1::Batch>(st, wrapped.batch().SerializeAsString(), f.samples());
}
BENCHMARK(BM_DecodeBatchReused)->Arg(200);

void BM_ValidateOnly(benchmark::State& st) {
  Fixture f(static_cast<size_t>(st.range(0)));
  vigie::v1::ReportRequest request;
  request.ParseFromString(f.Next());
  for (auto _ : st) {
    if (!ValidateBatch(*request.mutable_batch(), f.limits()).ok()) st.SkipWithError("invalid");
  }
  SetCounters(st, f.samples());
}
BENCHMARK(BM_ValidateOnly)->Arg(200);

void BM_ApplyOnly(benchmark::State& st) {
  Fixture f(static_cast<size_t>(st.range(0)));
  vigie::v1::ReportRequest request;
  for (auto _ : st) {
    st.PauseTiming();
    request.ParseFromString(f.Next());
    st.ResumeTiming();
    ApplyResult r = f.state().Apply(kHost, request.batch());
    benchmark::DoNotOptimize(r);
  }
  SetCounters(st, f.samples());
}
BENCHMARK(BM_ApplyOnly)->Arg(200);

}  // namespace
}  // namespace vigie::daemon
