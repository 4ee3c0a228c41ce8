#include "daemon/ingest/ingest_service.h"

#include <chrono>
#include <deque>
#include <mutex>

#include "common/logging.h"
#include "common/strings.h"
#include "daemon/state/state.h"
#include "daemon/store/durable_writer.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace vigie::daemon {

using vigie::v1::ReportRequest;
using vigie::v1::ReportResponse;
using Steady = std::chrono::steady_clock;

struct IngestMetrics {
  explicit IngestMetrics(prometheus::Registry& r)
      : batches(prometheus::BuildCounter()
                    .Name("vigie_ingest_batches_total")
                    .Help("Batches received from agents, by outcome (applied, duplicate).")
                    .Register(r)),
        applied(batches.Add({{"outcome", "applied"}})),
        duplicate(batches.Add({{"outcome", "duplicate"}})),
        rejected(prometheus::BuildCounter()
                     .Name("vigie_ingest_batches_rejected_total")
                     .Help("Batches refused before touching any state, by reason.")
                     .Register(r)),
        samples(prometheus::BuildCounter()
                    .Name("vigie_ingest_samples_total")
                    .Help("Samples applied to the in-memory series.")
                    .Register(r)
                    .Add({})),
        dropped(prometheus::BuildCounter()
                    .Name("vigie_ingest_samples_dropped_total")
                    .Help("Samples of accepted batches that were not stored, by reason.")
                    .Register(r)),
        dropped_series_limit(dropped.Add({{"reason", "series_limit"}})),
        dropped_out_of_order(dropped.Add({{"reason", "out_of_order"}})),
        gaps(prometheus::BuildCounter()
                 .Name("vigie_ingest_sequence_gaps_total")
                 .Help("Batches whose sequence skipped ahead (the agent dropped batches).")
                 .Register(r)
                 .Add({})),
        hellos(prometheus::BuildCounter()
                   .Name("vigie_ingest_hellos_total")
                   .Help("Agent Hello calls, by outcome.")
                   .Register(r)),
        connected(prometheus::BuildGauge()
                      .Name("vigie_ingest_connected_agents")
                      .Help("Report streams currently open.")
                      .Register(r)
                      .Add({})),
        latency(prometheus::BuildHistogram()
                    .Name("vigie_ingest_latency_seconds")
                    .Help("From receiving a batch to its ack being sent (apply + commit).")
                    .Register(r)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005,
                                                                     0.01, 0.025, 0.05, 0.1, 0.25,
                                                                     0.5, 1, 2.5})) {}

  prometheus::Family<prometheus::Counter>& batches;
  prometheus::Counter& applied;
  prometheus::Counter& duplicate;
  prometheus::Family<prometheus::Counter>& rejected;
  prometheus::Counter& samples;
  prometheus::Family<prometheus::Counter>& dropped;
  prometheus::Counter& dropped_series_limit;
  prometheus::Counter& dropped_out_of_order;
  prometheus::Counter& gaps;
  prometheus::Family<prometheus::Counter>& hellos;
  prometheus::Gauge& connected;
  prometheus::Histogram& latency;
};

// One Report stream. Lifetime: created by Report(), deleted when gRPC has
// called OnDone() and no commit callback still refers to it.
class IngestService::ReportReactor final
    : public grpc::ServerBidiReactor<ReportRequest, ReportResponse> {
 public:
  ReportReactor(IngestService& svc, grpc::CallbackServerContext* ctx)
      : svc_(svc), ctx_(ctx), log_(MakeLogger("ingest")) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    std::unique_lock lock(mu_);
    reading_ = false;
    if (!ok) {
      if (host_.empty() && !finished_) {
        // Nothing valid arrived: the first message did not parse, or the
        // client hung up at once. Either way it is not a working agent.
        RejectLocked(absl::InvalidArgumentError("stream ended before a valid stream start message"),
                     "malformed", 0);
        return;
      }
      // The agent closed its side or the call broke; finish once acks are out.
      read_closed_ = true;
      MaybeFinishLocked();
      return;
    }
    if (finished_) return;
    if (host_.empty()) {
      HandleStartLocked();
    } else if (request_.has_batch()) {
      HandleBatchLocked();
    } else {
      RejectLocked(absl::InvalidArgumentError("expected a batch after the stream start"),
                   "invalid_sample", 0);
    }
    MaybeReadLocked();
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "ack write failed"));
      return;
    }
    FlushLocked();
    MaybeReadLocked();
    MaybeFinishLocked();
  }

  void OnDone() override {
    bool last;
    {
      std::lock_guard lock(mu_);
      done_ = true;
      last = commits_in_flight_ == 0;
    }
    if (!host_.empty()) {
      svc_.state_.StreamClosed(host_);
      svc_.metrics_->connected.Decrement();
      log_->info("agent {} disconnected", host_);
    }
    if (last) delete this;
  }

 private:
  struct PendingAck {
    ReportResponse response;
    bool ready = false;
    Steady::time_point received;
  };

  void HandleStartLocked() {
    if (!request_.has_start()) {
      RejectLocked(absl::FailedPreconditionError("the first message must be a stream start"),
                   "invalid_sample", 0);
      return;
    }
    const std::string& host = request_.start().host();
    if (!svc_.state_.Knows(host)) {
      RejectLocked(absl::FailedPreconditionError(
                       StrCat("unknown host \"", host, "\": call Hello before Report")),
                   "unknown_host", 0);
      return;
    }
    host_ = host;
    svc_.state_.UpdateMetadata(request_.start());
    svc_.state_.StreamOpened(host_);
    svc_.metrics_->connected.Increment();
    log_->info("agent {} connected", host_);
  }

  void HandleBatchLocked() {
    const auto received = Steady::now();
    vigie::v1::Batch& batch = *request_.mutable_batch();
    const uint64_t seq = batch.seq();
    if (absl::Status st = ValidateBatch(batch, svc_.options_.limits); !st.ok()) {
      RejectLocked(st, RejectReason(st), seq);
      return;
    }
    ApplyResult r = svc_.state_.Apply(host_, batch);
    auto& m = *svc_.metrics_;
    PendingAck& pending = acks_.emplace_back();
    pending.received = received;
    vigie::v1::Ack* ack = pending.response.mutable_ack();
    ack->set_seq(seq);
    if (r.duplicate) {
      m.duplicate.Increment();
      ack->set_duplicate(true);
      pending.ready = true;
      FlushLocked();
      return;
    }
    m.applied.Increment();
    m.samples.Increment(r.samples_applied);
    if (svc_.options_.on_applied) svc_.options_.on_applied(host_);
    if (r.gap) m.gaps.Increment();
    if (r.dropped_series_limit > 0) {
      m.dropped_series_limit.Increment(r.dropped_series_limit);
      ack->set_warning(StrCat(r.dropped_series_limit, " new series refused: host has reached ",
                              "the limit of ", svc_.state_.options().max_series_per_host,
                              " series"));
    }
    if (r.dropped_out_of_order > 0) {
      m.dropped_out_of_order.Increment(r.dropped_out_of_order);
      if (ack->warning().empty()) {
        ack->set_warning(
            StrCat(r.dropped_out_of_order, " samples not newer than the series' last sample"));
      }
    }
    ack->set_dropped_samples(r.dropped_series_limit + r.dropped_out_of_order);
    if (!HasDurablePart(batch)) {
      // Samples live in memory only: nothing to wait for before the ack. The
      // host's last seen / last applied seq are checkpointed in the background
      // (a crash then at worst re-applies a resent batch into a ring that the
      // crash emptied anyway).
      svc_.writer_.Checkpoint(std::move(r.record));
      pending.ready = true;
      FlushLocked();
      return;
    }
    ++commits_in_flight_;
    svc_.writer_.SaveHost(std::move(r.record),
                          [this, seq](const absl::Status& st) { OnCommitted(seq, st); });
  }

  // What must be committed before the ack: records an operator relies on
  // after a crash (inventory now; check results and job runs too).
  static bool HasDurablePart(const vigie::v1::Batch& batch) {
    return batch.has_inventory() || batch.checks_size() > 0 || batch.jobs_size() > 0;
  }

  void OnCommitted(uint64_t seq, const absl::Status& st) {
    bool destroy = false;
    {
      std::lock_guard lock(mu_);
      --commits_in_flight_;
      if (!st.ok()) {
        log_->error("agent {}: commit of batch seq={} failed: {}", host_, seq, st.ToString());
        FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "store commit failed"));
      } else {
        for (auto& a : acks_) {
          if (a.response.ack().seq() == seq) a.ready = true;
        }
        FlushLocked();
        MaybeReadLocked();
        MaybeFinishLocked();
      }
      destroy = done_ && commits_in_flight_ == 0;
    }
    if (destroy) delete this;
  }

  // Sends the oldest ack if it is ready and no write is outstanding.
  void FlushLocked() {
    if (finished_ || writing_ || acks_.empty() || !acks_.front().ready) return;
    svc_.metrics_->latency.Observe(
        std::chrono::duration<double>(Steady::now() - acks_.front().received).count());
    response_ = std::move(acks_.front().response);
    acks_.pop_front();
    writing_ = true;
    StartWrite(&response_);
  }

  void MaybeReadLocked() {
    if (finished_ || reading_ || read_closed_ || acks_.size() >= svc_.options_.max_inflight) {
      return;
    }
    reading_ = true;
    StartRead(&request_);
  }

  void MaybeFinishLocked() {
    if (read_closed_ && acks_.empty() && !writing_) FinishLocked(grpc::Status::OK);
  }

  void RejectLocked(const absl::Status& st, std::string_view reason, uint64_t seq) {
    svc_.metrics_->rejected.Add({{"reason", std::string(reason)}}).Increment();
    log_->warn("agent {}: rejected: {}", host_.empty() ? ctx_->peer() : host_, StatusMessage(st));
    if (seq != 0) ctx_->AddTrailingMetadata("vigie-rejected-seq", std::to_string(seq));
    FinishLocked(grpc::Status(static_cast<grpc::StatusCode>(st.code()), StatusMessage(st)));
  }

  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  IngestService& svc_;
  grpc::CallbackServerContext* ctx_;
  Logger log_;

  std::mutex mu_;
  // Below: guarded by mu_.
  ReportRequest request_;
  ReportResponse response_;
  std::string host_;  // set once by the stream start, then constant
  std::deque<PendingAck> acks_;
  bool reading_ = true;
  bool read_closed_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool done_ = false;
  int commits_in_flight_ = 0;
};

IngestService::IngestService(State& state, DurableWriter& writer, IngestOptions options,
                             prometheus::Registry& registry)
    : state_(state),
      writer_(writer),
      options_(options),
      metrics_(std::make_unique<IngestMetrics>(registry)) {}

IngestService::~IngestService() = default;

grpc::ServerUnaryReactor* IngestService::Hello(grpc::CallbackServerContext* ctx,
                                               const vigie::v1::HelloRequest* request,
                                               vigie::v1::HelloResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::Status st = ValidateHostName(request->host());
  for (const auto& l : request->host_labels()) {
    if (!st.ok()) break;
    if (!IsValidLabelName(l.name()) || l.name() == "host" ||
        l.value().size() > options_.limits.labels.max_value_length || !IsValidUtf8(l.value())) {
      st = absl::InvalidArgumentError(StrCat("invalid host label \"", l.name(), "\""));
    }
  }
  if (!st.ok()) {
    metrics_->hellos.Add({{"outcome", "rejected"}}).Increment();
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, StatusMessage(st)));
    return reactor;
  }
  HostRecord record = state_.Hello(*request);
  response->set_last_applied_seq(record.last_applied_seq);
  response->set_server_time_ms(state_.clock().NowMillis());
  response->set_max_message_bytes(options_.limits.max_message_bytes);
  response->set_max_samples_per_batch(options_.limits.max_samples_per_batch);
  metrics_->hellos.Add({{"outcome", "ok"}}).Increment();
  writer_.SaveHost(std::move(record), [reactor](const absl::Status& s) {
    reactor->Finish(s.ok() ? grpc::Status::OK
                           : grpc::Status(grpc::StatusCode::UNAVAILABLE, "store commit failed"));
  });
  return reactor;
}

grpc::ServerBidiReactor<ReportRequest, ReportResponse>* IngestService::Report(
    grpc::CallbackServerContext* ctx) {
  return new ReportReactor(*this, ctx);
}

}  // namespace vigie::daemon
