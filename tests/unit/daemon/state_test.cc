#include "daemon/state/state.h"

#include <gtest/gtest.h>

#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {
namespace {

using std::chrono::milliseconds;

class StateTest : public ::testing::Test {
 protected:
  StateTest() : state_(clock_, Options()) {}

  static StateOptions Options() {
    StateOptions o;
    o.max_series_per_host = 3;
    return o;
  }

  void Hello(const std::string& host, int64_t interval_ms = 1000) {
    vigie::v1::HelloRequest h;
    h.set_host(host);
    h.set_agent_version("1.2.3");
    h.set_interval_ms(interval_ms);
    h.mutable_inventory()->set_os_name("Debian GNU/Linux 12");
    auto* l = h.add_host_labels();
    l->set_name("env");
    l->set_value("prod");
    state_.Hello(h);
  }

  static vigie::v1::Batch Batch(uint64_t seq, int64_t ts, int series = 1) {
    vigie::v1::Batch b;
    b.set_seq(seq);
    for (int i = 0; i < series; ++i) {
      auto* s = b.add_samples();
      s->set_name("m");
      auto* l = s->add_labels();
      l->set_name("i");
      l->set_value(std::to_string(i));
      s->set_value(static_cast<double>(seq));
      s->set_timestamp_ms(ts);
    }
    return b;
  }

  size_t Points(const std::string& host) {
    size_t n = 0;
    state_.VisitSeries(host, [&](const Series& s) { n += s.ring.size(); });
    return n;
  }

  FakeClock clock_;
  State state_;
};

TEST_F(StateTest, HelloRegistersHost) {
  EXPECT_FALSE(state_.Knows("web1"));
  Hello("web1");
  ASSERT_TRUE(state_.Knows("web1"));
  auto h = state_.GetHost("web1");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->record.agent_version, "1.2.3");
  EXPECT_EQ(h->record.first_seen_ms, clock_.NowMillis());
  EXPECT_EQ(h->record.labels, (Labels{{"env", "prod"}}));
  EXPECT_TRUE(h->up);
}

TEST_F(StateTest, AppliesInOrderAndDropsDuplicates) {
  Hello("web1");
  auto r1 = state_.Apply("web1", Batch(1, 1000));
  EXPECT_FALSE(r1.duplicate);
  EXPECT_EQ(r1.samples_applied, 1u);
  EXPECT_EQ(r1.record.last_applied_seq, 1u);
  auto r2 = state_.Apply("web1", Batch(2, 2000));
  EXPECT_EQ(r2.record.last_applied_seq, 2u);
  // A resend after a reconnect: already applied, nothing changes.
  auto dup = state_.Apply("web1", Batch(2, 2000));
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.samples_applied, 0u);
  auto older = state_.Apply("web1", Batch(1, 1000));
  EXPECT_TRUE(older.duplicate);
  EXPECT_EQ(Points("web1"), 2u);
}

TEST_F(StateTest, GapIsAcceptedAndFlagged) {
  Hello("web1");
  state_.Apply("web1", Batch(1, 1000));
  auto r = state_.Apply("web1", Batch(5, 5000));
  EXPECT_FALSE(r.duplicate);
  EXPECT_TRUE(r.gap);
  EXPECT_EQ(r.record.last_applied_seq, 5u);
}

TEST_F(StateTest, SeriesLimitAndOutOfOrderAreCounted) {
  Hello("web1");
  auto r = state_.Apply("web1", Batch(1, 1000, /*series=*/5));
  EXPECT_EQ(r.samples_applied, 3u);
  EXPECT_EQ(r.dropped_series_limit, 2u);
  auto back = state_.Apply("web1", Batch(2, 500, 1));  // older timestamp than stored
  EXPECT_EQ(back.dropped_out_of_order, 1u);
  EXPECT_EQ(state_.GetHost("web1")->series_count, 3u);
}

TEST_F(StateTest, HostGoesDownAfterThreeMissedIntervals) {
  Hello("web1", /*interval_ms=*/1000);
  state_.Apply("web1", Batch(1, 1000));
  clock_.Advance(milliseconds(3000));
  EXPECT_TRUE(state_.GetHost("web1")->up);
  clock_.Advance(milliseconds(1));
  EXPECT_FALSE(state_.GetHost("web1")->up);
  state_.Apply("web1", Batch(2, 2000));
  EXPECT_TRUE(state_.GetHost("web1")->up);
}

TEST_F(StateTest, RestoreKeepsSequenceForDedup) {
  HostRecord rec;
  rec.name = "db1";
  rec.last_applied_seq = 10;
  rec.last_seen_ms = clock_.NowMillis();
  rec.interval_ms = 1000;
  state_.Restore({rec});
  EXPECT_TRUE(state_.Knows("db1"));
  EXPECT_TRUE(state_.Apply("db1", Batch(10, 1000)).duplicate);
  EXPECT_FALSE(state_.Apply("db1", Batch(11, 1000)).duplicate);
}

TEST_F(StateTest, StreamsAndMetadata) {
  Hello("web1");
  state_.StreamOpened("web1");
  EXPECT_TRUE(state_.GetHost("web1")->connected);
  state_.StreamClosed("web1");
  EXPECT_FALSE(state_.GetHost("web1")->connected);

  vigie::v1::StreamStart start;
  auto* m = start.add_metadata();
  m->set_name("m");
  m->set_type(vigie::v1::METRIC_TYPE_COUNTER);
  m->set_help("help text");
  state_.UpdateMetadata(start);
  auto meta = state_.Metadata("m");
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(meta->kind, MetricKind::kCounter);
  EXPECT_EQ(meta->help, "help text");
  EXPECT_FALSE(state_.Metadata("other").has_value());
}

TEST_F(StateTest, ListHostsSorted) {
  Hello("b");
  Hello("a");
  auto hosts = state_.ListHosts();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].record.name, "a");
  EXPECT_EQ(hosts[1].record.name, "b");
}

// VisitHosts shows what ListHosts copies, in the same order, and the host's series.
TEST_F(StateTest, VisitHostsMatchesListHosts) {
  HostRecord restored;
  restored.name = "c";
  state_.Restore({restored});
  Hello("b");
  Hello("a");
  ASSERT_FALSE(state_.Apply("a", Batch(1, 1000, 2)).duplicate);
  state_.StreamOpened("a");
  clock_.Advance(std::chrono::milliseconds(1500));
  const auto hosts = state_.ListHosts();
  size_t i = 0;
  state_.VisitHosts(nullptr, [&](const HostView& h) {
    ASSERT_LT(i, hosts.size());
    EXPECT_EQ(h.record().name, hosts[i].record.name);
    EXPECT_EQ(h.record().labels, hosts[i].record.labels);
    EXPECT_EQ(h.up(), hosts[i].up);
    EXPECT_EQ(h.connected(), hosts[i].connected);
    EXPECT_EQ(h.series_count(), hosts[i].series_count);
    EXPECT_EQ(h.last_sample_ms(), hosts[i].last_sample_ms);
    size_t all = 0, named = 0;
    h.VisitSeries([&](const Series&) { ++all; });
    h.VisitMetric("m", [&](const Series&) { ++named; });
    EXPECT_EQ(all, hosts[i].series_count);
    EXPECT_EQ(named, hosts[i].series_count);
    ++i;
  });
  EXPECT_EQ(i, 3u);
  const std::string b = "b";
  std::vector<std::string> seen;
  state_.VisitHosts(&b, [&](const HostView& h) { seen.push_back(h.record().name); });
  EXPECT_EQ(seen, std::vector<std::string>{"b"});
  const std::string unknown = "x";
  state_.VisitHosts(&unknown, [&](const HostView&) { ADD_FAILURE(); });
}

}  // namespace
}  // namespace vigie::daemon
