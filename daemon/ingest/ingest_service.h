// IngestService: the gRPC Ingest service (proto/vigie/v1/ingest.proto) on the
// callback API. Nothing here blocks a gRPC thread: a batch is validated and
// applied to State in the reaction, its host record is handed to the
// DurableWriter, and the ack is written from the commit callback.
//
// Per stream, at most `max_inflight` batches wait for their commit; beyond
// that the reactor stops reading, which pushes back on the agent through gRPC
// flow control instead of queueing without bound.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/ingest/batch_validator.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace vigie::daemon {

class State;
class DurableWriter;
struct IngestMetrics;

struct IngestOptions {
  IngestLimits limits;
  size_t max_inflight = 64;
  // Called (on a gRPC thread; must not block) after a batch was applied, with
  // the host's name: vigied evaluates that host's rules at once.
  std::function<void(const std::string& host)> on_applied;
};

class IngestService final : public vigie::v1::Ingest::CallbackService {
 public:
  IngestService(State& state, DurableWriter& writer, IngestOptions options,
                prometheus::Registry& registry);
  ~IngestService() override;

  grpc::ServerUnaryReactor* Hello(grpc::CallbackServerContext* ctx,
                                  const vigie::v1::HelloRequest* request,
                                  vigie::v1::HelloResponse* response) override;
  grpc::ServerBidiReactor<vigie::v1::ReportRequest, vigie::v1::ReportResponse>* Report(
      grpc::CallbackServerContext* ctx) override;

 private:
  class ReportReactor;

  State& state_;
  DurableWriter& writer_;
  const IngestOptions options_;
  std::unique_ptr<IngestMetrics> metrics_;
};

}  // namespace vigie::daemon
