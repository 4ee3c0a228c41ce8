#include "tests/integration/raw_ingest_client.h"

#include <condition_variable>
#include <mutex>

#include "grpcpp/generic/generic_stub.h"

namespace vigie::itest {
namespace {

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + kRpcDeadline);
  return ctx;
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ReportStream::ReportStream(vigie::v1::Ingest::Stub& stub, const std::string& host)
    : ctx_(NewContext()), stream_(stub.Report(ctx_.get())) {
  vigie::v1::ReportRequest start;
  start.mutable_start()->set_host(host);
  stream_->Write(start);
}

bool ReportStream::Send(const vigie::v1::Batch& batch) {
  vigie::v1::ReportRequest request;
  *request.mutable_batch() = batch;
  return stream_->Write(request);
}

std::optional<vigie::v1::Ack> ReportStream::ReadAck() {
  vigie::v1::ReportResponse response;
  if (!stream_->Read(&response)) return std::nullopt;
  return response.ack();
}

grpc::Status ReportStream::Finish() {
  stream_->WritesDone();
  vigie::v1::ReportResponse ignored;
  while (stream_->Read(&ignored)) {
  }
  return stream_->Finish();
}

std::string ReportStream::Trailer(const std::string& key) const {
  const auto& trailers = ctx_->GetServerTrailingMetadata();
  auto it = trailers.find(key);
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

RawIngestClient::RawIngestClient(const std::string& address)
    : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(vigie::v1::Ingest::NewStub(channel_)) {}

grpc::Status RawIngestClient::Hello(const std::string& host, vigie::v1::HelloResponse* response) {
  auto ctx = NewContext();
  vigie::v1::HelloRequest request;
  request.set_host(host);
  request.set_agent_version("itest");
  request.set_interval_ms(1000);
  request.set_agent_time_ms(NowMs());
  request.mutable_inventory()->set_hostname(host);
  vigie::v1::HelloResponse ignored;
  return stub_->Hello(ctx.get(), request, response != nullptr ? response : &ignored);
}

std::unique_ptr<ReportStream> RawIngestClient::OpenStream(const std::string& host) {
  return std::make_unique<ReportStream>(*stub_, host);
}

grpc::Status RawIngestClient::SendRawBytes(const std::string& method, const std::string& bytes) {
  grpc::GenericStub generic(channel_);
  auto ctx = NewContext();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<grpc::Status> result;
  generic.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response,
                    [&](grpc::Status st) {
                      std::lock_guard lock(mu);
                      result = std::move(st);
                      cv.notify_all();
                    });
  std::unique_lock lock(mu);
  // The context deadline bounds the call; the extra second only guards the wait.
  if (!cv.wait_for(lock, kRpcDeadline + std::chrono::seconds(1),
                   [&] { return result.has_value(); })) {
    ctx->TryCancel();
    cv.wait(lock, [&] { return result.has_value(); });
  }
  return *result;
}

vigie::v1::Sample MakeSample(const std::string& name,
                             const std::vector<std::pair<std::string, std::string>>& labels,
                             double value, int64_t timestamp_ms) {
  vigie::v1::Sample s;
  s.set_name(name);
  for (const auto& [k, v] : labels) {
    auto* l = s.add_labels();
    l->set_name(k);
    l->set_value(v);
  }
  s.set_value(value);
  s.set_timestamp_ms(timestamp_ms);
  return s;
}

vigie::v1::Batch MakeBatch(uint64_t seq, std::vector<vigie::v1::Sample> samples) {
  vigie::v1::Batch b;
  b.set_seq(seq);
  b.set_created_ms(NowMs());
  for (auto& s : samples) *b.add_samples() = std::move(s);
  return b;
}

}  // namespace vigie::itest
