#include "daemon/ingest/batch_validator.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/cord.h"
#include "common/strings.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::daemon {
namespace {

constexpr const char* kReasonPayload = "type.vigie.dev/reject-reason";

absl::Status Reject(absl::StatusCode code, std::string_view reason, std::string message) {
  absl::Status st(code, message);
  st.SetPayload(kReasonPayload, absl::Cord(std::string(reason)));
  return st;
}

bool LabelsSorted(const vigie::v1::Sample& s) {
  for (int i = 1; i < s.labels_size(); ++i) {
    if (!(s.labels(i - 1).name() < s.labels(i).name())) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateBatch(vigie::v1::Batch& batch, const IngestLimits& limits) {
  const uint64_t seq = batch.seq();
  if (seq == 0) {
    return Reject(absl::StatusCode::kInvalidArgument, "invalid_sample",
                  "batch has no sequence number (seq must start at 1)");
  }
  const size_t bytes = batch.ByteSizeLong();
  if (bytes > limits.max_message_bytes) {
    return Reject(
        absl::StatusCode::kResourceExhausted, "too_large",
        StrCat("batch seq=", seq, " is ", bytes, " bytes, limit is ", limits.max_message_bytes));
  }
  if (static_cast<uint64_t>(batch.samples_size()) > limits.max_samples_per_batch) {
    return Reject(absl::StatusCode::kResourceExhausted, "too_many_samples",
                  StrCat("batch seq=", seq, " has ", batch.samples_size(), " samples, limit is ",
                         limits.max_samples_per_batch));
  }
  Labels scratch;
  for (int i = 0; i < batch.samples_size(); ++i) {
    vigie::v1::Sample& s = *batch.mutable_samples(i);
    if (!IsValidMetricName(s.name())) {
      return Reject(
          absl::StatusCode::kInvalidArgument, "invalid_metric_name",
          StrCat("batch seq=", seq, " sample ", i, ": invalid metric name \"", s.name(), "\""));
    }
    if (!LabelsSorted(s)) {
      std::sort(
          s.mutable_labels()->begin(), s.mutable_labels()->end(),
          [](const vigie::v1::Label& a, const vigie::v1::Label& b) { return a.name() < b.name(); });
    }
    scratch.clear();
    for (const auto& l : s.labels()) scratch.push_back({l.name(), l.value()});
    for (size_t k = 1; k < scratch.size(); ++k) {
      if (scratch[k].name == scratch[k - 1].name) {
        return Reject(
            absl::StatusCode::kInvalidArgument, "invalid_label",
            StrCat("batch seq=", seq, " sample ", i, " (", FormatSeries(s.name(), scratch),
                   "): duplicate label \"", scratch[k].name, "\""));
      }
    }
    if (absl::Status st = ValidateSeries(s.name(), scratch, limits.labels); !st.ok()) {
      return Reject(absl::StatusCode::kInvalidArgument, "invalid_label",
                    StrCat("batch seq=", seq, " sample ", i, ": ", StatusMessage(st)));
    }
    if (s.timestamp_ms() <= 0) {
      return Reject(absl::StatusCode::kInvalidArgument, "invalid_sample",
                    StrCat("batch seq=", seq, " sample ", i, " (", FormatSeries(s.name(), scratch),
                           "): missing timestamp"));
    }
  }
  for (int i = 0; i < batch.checks_size(); ++i) {
    const auto& c = batch.checks(i);
    if (c.name().empty() || !IsValidUtf8(c.name()) || !IsValidUtf8(c.output())) {
      return Reject(absl::StatusCode::kInvalidArgument, "invalid_check",
                    StrCat("batch seq=", seq, " check ", i, ": empty name or invalid UTF-8"));
    }
  }
  for (int i = 0; i < batch.jobs_size(); ++i) {
    const auto& j = batch.jobs(i);
    if (j.job().empty() || !IsValidUtf8(j.job())) {
      return Reject(absl::StatusCode::kInvalidArgument, "invalid_job",
                    StrCat("batch seq=", seq, " job run ", i, ": empty or invalid job name"));
    }
  }
  return absl::OkStatus();
}

std::string RejectReason(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayload);
  return payload ? std::string(*payload) : "other";
}

}  // namespace vigie::daemon

namespace vigie::daemon {

absl::Status ValidateHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return absl::InvalidArgumentError(
        StrCat("host name must be 1 to 253 characters, got ", host.size()));
  }
  for (char c : host) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-' || c == '_')) {
      return absl::InvalidArgumentError(
          StrCat("host name \"", host, "\" may only hold letters, digits, '.', '-' and '_'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace vigie::daemon
