#include "agent/transport/sender.h"

#include <grpcpp/grpcpp.h>

#include <charconv>

#include "common/backoff.h"
#include "common/strings.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::agent {
namespace {

constexpr auto kHelloTimeout = std::chrono::seconds(10);
constexpr size_t kSendChunk = 16;

// The seq vigied named in the `vigie-rejected-seq` trailer, or 0.
uint64_t RejectedSeq(const grpc::ClientContext& ctx) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("vigie-rejected-seq");
  if (it == trailers.end()) return 0;
  uint64_t seq = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), seq);
  return seq;
}

// Writes `batch` wrapped in a ReportRequest without copying it: the request
// borrows the buffered batch for the duration of the (serializing) Write and
// gives it back before returning. A deep copy per send was a measurable part
// of the agent's CPU per round.
template <typename Stream>
bool WriteBatch(Stream& stream, const vigie::v1::Batch& batch) {
  vigie::v1::ReportRequest req;
  // Write() only serializes the message; nothing modifies the batch.
  req.unsafe_arena_set_allocated_batch(const_cast<vigie::v1::Batch*>(&batch));
  const bool ok = stream.Write(req);
  (void)req.unsafe_arena_release_batch();
  return ok;
}

}  // namespace

Sender::Sender(SenderOptions options, BatchBuffer& buffer,
               std::function<vigie::v1::HelloRequest()> make_hello,
               std::function<vigie::v1::StreamStart()> make_start)
    : options_(std::move(options)),
      buffer_(buffer),
      make_hello_(std::move(make_hello)),
      make_start_(std::move(make_start)),
      log_(MakeLogger("transport")) {}

Sender::~Sender() { Stop(); }

void Sender::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Sender::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    if (active_ != nullptr) active_->TryCancel();
  }
  cv_.notify_all();
  buffer_.Stop();
  if (thread_.joinable()) thread_.join();
}

void Sender::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
}

void Sender::Run() {
  uint64_t seed =
      options_.seed != 0
          ? options_.seed
          : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  Backoff backoff({options_.reconnect_initial, options_.reconnect_max, 2.0, 0.2}, seed);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    bool progressed = false;
    absl::Status st = RunConnection(progressed);
    connected_ = false;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (progressed) backoff.Reset();
    const auto delay = backoff.Next();
    ++reconnects_;
    log_->warn("connection to vigied at {} ended: {}; retrying in {} ms ({} batches buffered)",
               options_.server, st.ToString(), delay.count(), buffer_.size());
    SleepFor(delay);
  }
}

absl::Status Sender::RunConnection(bool& progressed) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  // Our own backoff governs reconnects; keep gRPC's short so a fresh channel
  // connects at once.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel =
      grpc::CreateCustomChannel(options_.server, grpc::InsecureChannelCredentials(), args);
  auto stub = vigie::v1::Ingest::NewStub(channel);

  vigie::v1::HelloResponse hello_resp;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kHelloTimeout);
    ctx.set_wait_for_ready(false);
    {
      std::lock_guard lock(mu_);
      if (stopping_) return absl::CancelledError("stopping");
      active_ = &ctx;
    }
    grpc::Status gs = stub->Hello(&ctx, make_hello_(), &hello_resp);
    {
      std::lock_guard lock(mu_);
      active_ = nullptr;
    }
    if (!gs.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(gs.error_code()),
                          StrCat("Hello: ", gs.error_message()));
    }
  }
  if (!buffer_.SyncWithServer(hello_resp.last_applied_seq())) {
    log_->error(
        "vigied has applied seq {} for this host, beyond anything this agent sent: is another "
        "agent reporting under the same host name?",
        hello_resp.last_applied_seq());
  }

  grpc::ClientContext ctx;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return absl::CancelledError("stopping");
    active_ = &ctx;
  }
  auto stream = stub->Report(&ctx);
  vigie::v1::ReportRequest start;
  *start.mutable_start() = make_start_();
  bool write_ok = stream->Write(start);
  if (write_ok) {
    connected_ = true;
    log_->info("streaming to vigied at {} (applied up to seq {}, {} batches to send)",
               options_.server, hello_resp.last_applied_seq(), buffer_.size());
  }

  std::atomic<bool> reader_done{false};
  std::thread reader([&] {
    vigie::v1::ReportResponse resp;
    while (stream->Read(&resp)) {
      if (!resp.has_ack()) continue;
      buffer_.Ack(resp.ack().seq());
      progressed = true;
      if (!resp.ack().warning().empty()) {
        log_->warn("vigied accepted batch seq={} with a warning: {}", resp.ack().seq(),
                   resp.ack().warning());
      }
    }
    reader_done = true;
  });

  uint64_t sent = buffer_.acked();
  while (write_ok && !reader_done) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    auto batches = buffer_.After(sent, kSendChunk);
    if (batches.empty()) {
      buffer_.WaitForAfter(sent, std::chrono::milliseconds(500));
      continue;
    }
    for (const auto& b : batches) {
      if (!WriteBatch(*stream, *b)) {
        write_ok = false;
        break;
      }
      sent = b->seq();
    }
  }
  if (write_ok && !reader_done) stream->WritesDone();
  {
    std::lock_guard lock(mu_);
    if (stopping_) ctx.TryCancel();
  }
  // The reader returns when vigied finishes the call (after our WritesDone,
  // on error, or on cancel).
  reader.join();
  grpc::Status gs = stream->Finish();
  {
    std::lock_guard lock(mu_);
    active_ = nullptr;
  }
  if (uint64_t seq = RejectedSeq(ctx); seq != 0) {
    buffer_.Reject(seq);
    log_->error("vigied rejected batch seq={} and it was dropped: {}", seq, gs.error_message());
  }
  if (gs.ok()) return absl::UnavailableError("vigied closed the stream");
  return absl::Status(static_cast<absl::StatusCode>(gs.error_code()), gs.error_message());
}

}  // namespace vigie::agent
