// ValidateBatch: the checks vigied applies to every batch before touching any
// state. A batch is accepted whole or rejected whole, so a bad batch changes
// nothing. Pure function; unit tested in tests/unit/daemon/batch_validator_test.cc.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "common/labels.h"

namespace vigie::v1 {
class Batch;
}  // namespace vigie::v1

namespace vigie::daemon {

struct IngestLimits {
  uint64_t max_message_bytes = 4 << 20;
  uint32_t max_samples_per_batch = 20'000;
  LabelLimits labels;
};

// Checks size, sample count, metric names and labels, and sorts each sample's
// labels by name (agents should already send them sorted). On rejection the
// status is RESOURCE_EXHAUSTED (size/count limits) or INVALID_ARGUMENT, its
// message names the batch seq and the offending sample, and RejectReason()
// gives a short label for the rejection counter.
absl::Status ValidateBatch(vigie::v1::Batch& batch, const IngestLimits& limits);

// "too_large", "too_many_samples", "invalid_metric_name", "invalid_label",
// "invalid_sample", "invalid_check", "invalid_job"; "other" when unknown.
std::string RejectReason(const absl::Status& status);

}  // namespace vigie::daemon

namespace vigie::daemon {

// A host name: 1 to 253 characters of [A-Za-z0-9._-].
absl::Status ValidateHostName(std::string_view host);

}  // namespace vigie::daemon
