#include "daemon/ingest/batch_validator.h"

#include <gtest/gtest.h>

#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {
namespace {

vigie::v1::Sample* AddSample(vigie::v1::Batch& b, const std::string& name,
                             std::vector<std::pair<std::string, std::string>> labels) {
  auto* s = b.add_samples();
  s->set_name(name);
  for (auto& [k, v] : labels) {
    auto* l = s->add_labels();
    l->set_name(k);
    l->set_value(v);
  }
  s->set_value(1);
  s->set_timestamp_ms(1'700'000'000'000);
  return s;
}

vigie::v1::Batch Good() {
  vigie::v1::Batch b;
  b.set_seq(7);
  AddSample(b, "node_load1", {});
  AddSample(b, "node_cpu_seconds_total", {{"mode", "idle"}, {"cpu", "0"}});
  return b;
}

TEST(BatchValidatorTest, AcceptsAndSortsLabels) {
  auto b = Good();
  ASSERT_TRUE(ValidateBatch(b, IngestLimits{}).ok());
  EXPECT_EQ(b.samples(1).labels(0).name(), "cpu");
  EXPECT_EQ(b.samples(1).labels(1).name(), "mode");
}

TEST(BatchValidatorTest, InvalidLabelNamesSeqSampleAndLabel) {
  auto b = Good();
  AddSample(b, "node_load5", {{"1bad", "x"}});
  auto st = ValidateBatch(b, IngestLimits{});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "batch seq=7 sample 2: invalid label name \"1bad\" on metric \"node_load5\"");
  EXPECT_EQ(RejectReason(st), "invalid_label");
}

TEST(BatchValidatorTest, InvalidMetricName) {
  auto b = Good();
  AddSample(b, "node-load", {});
  auto st = ValidateBatch(b, IngestLimits{});
  EXPECT_EQ(RejectReason(st), "invalid_metric_name");
  EXPECT_EQ(st.message(), "batch seq=7 sample 2: invalid metric name \"node-load\"");
}

TEST(BatchValidatorTest, DuplicateLabel) {
  auto b = Good();
  AddSample(b, "m", {{"a", "1"}, {"a", "2"}});
  auto st = ValidateBatch(b, IngestLimits{});
  EXPECT_EQ(RejectReason(st), "invalid_label");
  EXPECT_NE(st.message().find("duplicate label \"a\""), absl::string_view::npos);
}

TEST(BatchValidatorTest, ReservedHostLabelAndBadUtf8) {
  auto b = Good();
  AddSample(b, "m", {{"host", "x"}});
  EXPECT_EQ(RejectReason(ValidateBatch(b, IngestLimits{})), "invalid_label");
  auto c = Good();
  AddSample(c, "m", {{"a", "\xff"}});
  EXPECT_EQ(RejectReason(ValidateBatch(c, IngestLimits{})), "invalid_label");
}

TEST(BatchValidatorTest, SizeAndCountLimits) {
  IngestLimits limits;
  limits.max_samples_per_batch = 2;
  auto b = Good();
  AddSample(b, "m", {});
  auto st = ValidateBatch(b, limits);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RejectReason(st), "too_many_samples");
  EXPECT_EQ(st.message(), "batch seq=7 has 3 samples, limit is 2");

  limits = IngestLimits{};
  limits.max_message_bytes = 64;
  auto big = Good();
  AddSample(big, "m", {{"a", std::string(100, 'x')}});
  st = ValidateBatch(big, limits);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RejectReason(st), "too_large");
}

TEST(BatchValidatorTest, MalformedBatches) {
  auto no_seq = Good();
  no_seq.set_seq(0);
  EXPECT_EQ(RejectReason(ValidateBatch(no_seq, IngestLimits{})), "invalid_sample");
  auto no_ts = Good();
  no_ts.mutable_samples(0)->set_timestamp_ms(0);
  EXPECT_EQ(RejectReason(ValidateBatch(no_ts, IngestLimits{})), "invalid_sample");
  auto check = Good();
  check.add_checks();  // empty name
  EXPECT_EQ(RejectReason(ValidateBatch(check, IngestLimits{})), "invalid_check");
  auto job = Good();
  job.add_jobs();
  EXPECT_EQ(RejectReason(ValidateBatch(job, IngestLimits{})), "invalid_job");
  EXPECT_EQ(RejectReason(absl::InternalError("x")), "other");
}

TEST(BatchValidatorTest, HostNames) {
  EXPECT_TRUE(ValidateHostName("web-1.prod_eu").ok());
  EXPECT_FALSE(ValidateHostName("").ok());
  EXPECT_FALSE(ValidateHostName("bad host!").ok());
  EXPECT_FALSE(ValidateHostName(std::string(254, 'a')).ok());
}

}  // namespace
}  // namespace vigie::daemon
