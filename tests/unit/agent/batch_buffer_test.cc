#include "agent/transport/batch_buffer.h"

#include <gtest/gtest.h>

#include <thread>

namespace vigie::agent {
namespace {

vigie::v1::Batch MakeBatch(int samples = 1) {
  vigie::v1::Batch b;
  for (int i = 0; i < samples; ++i) {
    auto* s = b.add_samples();
    s->set_name("m");
    s->set_value(i);
    s->set_timestamp_ms(1000 + i);
  }
  return b;
}

std::vector<uint64_t> Seqs(const std::vector<BatchBuffer::BatchPtr>& v) {
  std::vector<uint64_t> out;
  for (const auto& b : v) out.push_back(b->seq());
  return out;
}

TEST(BatchBufferTest, NumbersInOrderAndAcksCumulatively) {
  BatchBuffer buf(100, 1 << 20);
  EXPECT_EQ(buf.Push(MakeBatch()), 1u);
  EXPECT_EQ(buf.Push(MakeBatch()), 2u);
  EXPECT_EQ(buf.Push(MakeBatch()), 3u);
  EXPECT_EQ(Seqs(buf.After(0, 10)), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(Seqs(buf.After(1, 1)), (std::vector<uint64_t>{2}));
  buf.Ack(2);
  EXPECT_EQ(buf.acked(), 2u);
  EXPECT_EQ(Seqs(buf.After(0, 10)), (std::vector<uint64_t>{3}));
  buf.Ack(1);  // a late, smaller ack changes nothing
  EXPECT_EQ(buf.acked(), 2u);
  EXPECT_EQ(buf.size(), 1u);
}

TEST(BatchBufferTest, UnackedBatchesAreResentAfterReconnect) {
  BatchBuffer buf(100, 1 << 20);
  ASSERT_TRUE(buf.SyncWithServer(0));
  for (int i = 0; i < 5; ++i) buf.Push(MakeBatch());
  buf.Ack(2);  // 3, 4, 5 were sent but the connection broke before their acks
  // Reconnect: vigied says it applied up to 3 (its ack for 3 was lost).
  ASSERT_TRUE(buf.SyncWithServer(3));
  EXPECT_EQ(Seqs(buf.After(buf.acked(), 10)), (std::vector<uint64_t>{4, 5}));
}

TEST(BatchBufferTest, FirstSyncRenumbersAfterWhatVigiedHas) {
  BatchBuffer buf(100, 1 << 20);
  buf.Push(MakeBatch());
  buf.Push(MakeBatch());
  // A restarted agent: vigied applied 41 batches of the previous run.
  ASSERT_TRUE(buf.SyncWithServer(41));
  EXPECT_EQ(Seqs(buf.After(buf.acked(), 10)), (std::vector<uint64_t>{42, 43}));
  EXPECT_EQ(buf.Push(MakeBatch()), 44u);
}

TEST(BatchBufferTest, FirstSyncKeepsBatchesEvenIfNumberingIsAhead) {
  // The agent buffered more batches before first contact than vigied knows:
  // they are still all new data and must all be sent.
  BatchBuffer buf(100, 1 << 20);
  for (int i = 0; i < 5; ++i) buf.Push(MakeBatch());
  ASSERT_TRUE(buf.SyncWithServer(2));
  EXPECT_EQ(Seqs(buf.After(buf.acked(), 10)), (std::vector<uint64_t>{3, 4, 5, 6, 7}));
}

TEST(BatchBufferTest, LaterSyncDetectsAnotherAgentUnderTheSameName) {
  BatchBuffer buf(100, 1 << 20);
  ASSERT_TRUE(buf.SyncWithServer(0));
  buf.Push(MakeBatch());
  EXPECT_FALSE(buf.SyncWithServer(10));
}

TEST(BatchBufferTest, FullBufferDropsOldestAndCounts) {
  BatchBuffer buf(3, 1 << 20);
  for (int i = 0; i < 5; ++i) buf.Push(MakeBatch());
  EXPECT_EQ(buf.dropped(), 2u);
  EXPECT_EQ(Seqs(buf.After(0, 10)), (std::vector<uint64_t>{3, 4, 5}));
}

TEST(BatchBufferTest, ByteCapDropsOldestButKeepsNewest) {
  const size_t one = MakeBatch(100).ByteSizeLong() + 8;
  BatchBuffer buf(100, one * 2);
  for (int i = 0; i < 4; ++i) buf.Push(MakeBatch(100));
  EXPECT_EQ(buf.size(), 2u);
  EXPECT_EQ(buf.dropped(), 2u);
  EXPECT_LE(buf.bytes(), one * 2);
  // A single batch larger than the cap is still kept: the newest data matters.
  BatchBuffer tiny(100, 10);
  tiny.Push(MakeBatch(100));
  EXPECT_EQ(tiny.size(), 1u);
}

TEST(BatchBufferTest, RejectDropsOneBatch) {
  BatchBuffer buf(100, 1 << 20);
  for (int i = 0; i < 3; ++i) buf.Push(MakeBatch());
  buf.Reject(2);
  EXPECT_EQ(buf.rejected(), 1u);
  EXPECT_EQ(Seqs(buf.After(0, 10)), (std::vector<uint64_t>{1, 3}));
}

TEST(BatchBufferTest, WaitWakesOnPushAndStop) {
  BatchBuffer buf(100, 1 << 20);
  EXPECT_FALSE(buf.WaitForAfter(0, std::chrono::milliseconds(1)));
  std::thread producer([&] { buf.Push(MakeBatch()); });
  EXPECT_TRUE(buf.WaitForAfter(0, std::chrono::seconds(30)));
  producer.join();
  std::thread stopper([&] { buf.Stop(); });
  EXPECT_FALSE(buf.WaitForAfter(1, std::chrono::seconds(30)));
  stopper.join();
}

}  // namespace
}  // namespace vigie::agent
