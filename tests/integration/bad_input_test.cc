// vigied refuses bad wire input with a precise status, counts it by reason,
// and keeps serving a well-behaved agent meanwhile.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/raw_ingest_client.h"

namespace vigie::itest {
namespace {

class BadInputTest : public VigiedFixture {
 protected:
  std::optional<double> Rejected(const std::string& reason) const {
    return Metric("vigie_ingest_batches_rejected_total", {{"reason", reason}});
  }

  // Opens a stream as `host`, sends `batch` and returns the final status.
  grpc::Status SendOne(RawIngestClient& client, const std::string& host,
                       const vigie::v1::Batch& batch, std::string* rejected_seq = nullptr) {
    auto stream = client.OpenStream(host);
    stream->Send(batch);
    std::optional<vigie::v1::Ack> ack = stream->ReadAck();
    EXPECT_FALSE(ack.has_value()) << "batch seq=" << batch.seq() << " was acknowledged";
    grpc::Status st = stream->Finish();
    if (rejected_seq != nullptr) *rejected_seq = stream->Trailer("vigie-rejected-seq");
    return st;
  }
};

TEST_F(BadInputTest, RejectsBadInputAndKeepsServing) {
  WriteDaemonConfig(3, "ingest:\n  max_message_size: 64KiB\n");
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  StartAgent({.host = "good", .labels = {{"env", "prod"}}});
  ASSERT_TRUE(WaitFor(
      [&] {
        return Metric("vigie_host_up", {{"host", "good"}}) == 1.0 &&
               Metric("vigie_ingest_samples_total").value_or(0) > 0;
      },
      milliseconds(20'000)))
      << "the good agent never reported";

  RawIngestClient client(GrpcAddress());
  ASSERT_TRUE(client.Hello("raw").ok());
  const int64_t now = NowMs();

  {
    SCOPED_TRACE("(a) invalid label name");
    std::string seq;
    grpc::Status st = SendOne(
        client, "raw", MakeBatch(1, {MakeSample("raw_metric", {{"1bad", "x"}}, 1, now)}), &seq);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_EQ(seq, "1");
    EXPECT_NE(st.error_message().find("1bad"), std::string::npos) << st.error_message();
    EXPECT_EQ(Rejected("invalid_label"), 1.0);
  }
  {
    SCOPED_TRACE("(b) batch over ingest.max_message_size");
    std::vector<vigie::v1::Sample> samples;
    for (int i = 0; i < 2000; ++i) {
      samples.push_back(
          MakeSample("raw_metric", {{"path", StrCat(std::string(12, 'p'), i)}}, i, now));
    }
    vigie::v1::Batch big = MakeBatch(1, std::move(samples));
    ASSERT_GT(big.ByteSizeLong(), 64u * 1024u);
    std::string seq;
    grpc::Status st = SendOne(client, "raw", big, &seq);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
    EXPECT_EQ(seq, "1");
    EXPECT_EQ(Rejected("too_large"), 1.0);
  }
  {
    SCOPED_TRACE("(c) malformed batches: seq 0, then a sample without timestamp");
    grpc::Status st = SendOne(client, "raw", MakeBatch(0, {MakeSample("raw_metric", {}, 1, now)}));
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_EQ(Rejected("invalid_sample"), 1.0);
    std::string seq;
    st = SendOne(client, "raw", MakeBatch(1, {MakeSample("raw_metric", {}, 1, 0)}), &seq);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_NE(st.error_message().find("timestamp"), std::string::npos) << st.error_message();
    EXPECT_EQ(seq, "1");
    EXPECT_EQ(Rejected("invalid_sample"), 2.0);
  }
  {
    SCOPED_TRACE("(d) bytes that are not a ReportRequest");
    // Field 1 (start), length-delimited, with a length far past the end.
    const std::string garbage("\x0a\xff\xff\xff\x0f\x01\x02", 7);
    grpc::Status st = client.SendRawBytes("/vigie.v1.Ingest/Report", garbage);
    EXPECT_FALSE(st.ok()) << "garbage Report call ended OK";
    EXPECT_TRUE(vigied_->IsRunning());
    EXPECT_EQ(HttpGet(HttpUrl("/healthz")).status, 200);
  }
  {
    SCOPED_TRACE("(e) Hello with an invalid host name");
    grpc::Status st = client.Hello("bad host!");
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_EQ(Metric("vigie_ingest_hellos_total", {{"outcome", "rejected"}}), 1.0);
  }
  {
    SCOPED_TRACE("(f) Report from a host that never said Hello");
    grpc::Status st =
        SendOne(client, "stranger", MakeBatch(1, {MakeSample("raw_metric", {}, 1, now)}));
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
    EXPECT_EQ(Rejected("unknown_host"), 1.0);
  }

  // None of it hurt vigied or the good agent.
  EXPECT_TRUE(vigied_->IsRunning());
  EXPECT_EQ(HttpGet(HttpUrl("/healthz")).status, 200);
  EXPECT_EQ(Metric("vigie_host_up", {{"host", "good"}}), 1.0);
  const double samples = Metric("vigie_ingest_samples_total").value_or(0);
  EXPECT_TRUE(WaitFor([&] { return Metric("vigie_ingest_samples_total").value_or(0) > samples; },
                      milliseconds(10'000)))
      << "the good agent's samples stopped arriving";
  // The raw host never had anything applied.
  CommandResult series =
      Vigiectl({"series", "--host", "raw", "--metric", "raw_metric", "-o", "json"});
  EXPECT_EQ(series.exit_code, 0) << series.err;
  EXPECT_EQ(series.out, "[]\n");
}

}  // namespace
}  // namespace vigie::itest
