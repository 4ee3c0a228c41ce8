// A hand-driven Ingest client for integration tests: sends exactly the
// messages a test chooses (including invalid ones) over the generated stubs.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::itest {

// Every call made through these classes has this deadline, so that no test
// can hang on a stream.
inline constexpr std::chrono::seconds kRpcDeadline(10);

// One Report stream. The constructor opens it and sends the stream start.
class ReportStream {
 public:
  ReportStream(vigie::v1::Ingest::Stub& stub, const std::string& host);

  // Sends one batch; false once the stream is broken (e.g. vigied finished it).
  bool Send(const vigie::v1::Batch& batch);
  // The next ack, or nullopt when the stream has ended.
  std::optional<vigie::v1::Ack> ReadAck();
  // Half-closes, drains the remaining responses and returns the final status.
  grpc::Status Finish();
  // A trailing metadata value (after Finish()); empty if absent.
  std::string Trailer(const std::string& key) const;

 private:
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<vigie::v1::ReportRequest, vigie::v1::ReportResponse>>
      stream_;
};

class RawIngestClient {
 public:
  explicit RawIngestClient(const std::string& address);

  grpc::Status Hello(const std::string& host, vigie::v1::HelloResponse* response = nullptr);
  std::unique_ptr<ReportStream> OpenStream(const std::string& host);
  // Sends `bytes` as the single request message of `method` without any
  // protobuf encoding (grpc::GenericStub); returns the call's status.
  grpc::Status SendRawBytes(const std::string& method, const std::string& bytes);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<vigie::v1::Ingest::Stub> stub_;
};

// A sample of `name` with `labels` stamped `timestamp_ms`.
vigie::v1::Sample MakeSample(const std::string& name,
                             const std::vector<std::pair<std::string, std::string>>& labels,
                             double value, int64_t timestamp_ms);
// A batch holding `samples`.
vigie::v1::Batch MakeBatch(uint64_t seq, std::vector<vigie::v1::Sample> samples);
// Wall clock, Unix epoch milliseconds.
int64_t NowMs();

}  // namespace vigie::itest
