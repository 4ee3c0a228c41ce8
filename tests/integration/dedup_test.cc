// A batch resent on a new stream is acknowledged as a duplicate and not
// applied twice; the last applied sequence survives a restart.
#include <optional>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"
#include "tests/integration/raw_ingest_client.h"

namespace vigie::itest {
namespace {

using nlohmann::json;

class DedupTest : public VigiedFixture {};

// Sends `batch` on `stream` and returns its ack.
std::optional<vigie::v1::Ack> SendAndAck(ReportStream& stream, const vigie::v1::Batch& batch) {
  if (!stream.Send(batch)) return std::nullopt;
  return stream.ReadAck();
}

TEST_F(DedupTest, ResentBatchIsAckedAsDuplicateAndNotApplied) {
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  RawIngestClient client(GrpcAddress());
  vigie::v1::HelloResponse hello;
  ASSERT_TRUE(client.Hello("dup", &hello).ok());
  EXPECT_EQ(hello.last_applied_seq(), 0u);

  const int64_t t0 = NowMs() - 3000;
  auto batch = [&](uint64_t seq) {
    return MakeBatch(seq, {MakeSample("dedup_metric", {{"k", "v"}}, static_cast<double>(seq),
                                      t0 + static_cast<int64_t>(seq) * 1000)});
  };
  {
    auto stream = client.OpenStream("dup");
    for (uint64_t seq : {1u, 2u}) {
      auto ack = SendAndAck(*stream, batch(seq));
      ASSERT_TRUE(ack.has_value())
          << "no ack for seq " << seq << ": " << stream->Finish().error_message();
      EXPECT_EQ(ack->seq(), seq);
      EXPECT_FALSE(ack->duplicate());
    }
    grpc::Status st = stream->Finish();
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  {
    auto stream = client.OpenStream("dup");
    auto ack = SendAndAck(*stream, batch(2));
    ASSERT_TRUE(ack.has_value()) << stream->Finish().error_message();
    EXPECT_EQ(ack->seq(), 2u);
    EXPECT_TRUE(ack->duplicate());
    ack = SendAndAck(*stream, batch(3));
    ASSERT_TRUE(ack.has_value()) << stream->Finish().error_message();
    EXPECT_EQ(ack->seq(), 3u);
    EXPECT_FALSE(ack->duplicate());
    grpc::Status st = stream->Finish();
    EXPECT_TRUE(st.ok()) << st.error_message();
  }

  CommandResult r = Vigiectl({"series", "--host", "dup", "--metric", "dedup_metric", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json series = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(series.is_array() && series.size() == 1) << r.out;
  const json& points = series[0]["points"];
  ASSERT_EQ(points.size(), 3u) << r.out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(points[i][0].get<int64_t>(), t0 + (i + 1) * 1000);
    EXPECT_EQ(points[i][1].get<double>(), i + 1.0);
  }
  EXPECT_EQ(Metric("vigie_ingest_batches_total", {{"outcome", "duplicate"}}), 1.0);
  EXPECT_EQ(Metric("vigie_ingest_batches_total", {{"outcome", "applied"}}), 3.0);

  ASSERT_EQ(StopVigied(), 0);
  ASSERT_NO_FATAL_FAILURE(StartVigied());
  RawIngestClient again(GrpcAddress());
  vigie::v1::HelloResponse hello2;
  grpc::Status st = again.Hello("dup", &hello2);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(hello2.last_applied_seq(), 3u) << "last applied sequence not persisted";
}

}  // namespace
}  // namespace vigie::itest
