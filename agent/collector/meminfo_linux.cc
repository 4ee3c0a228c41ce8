#include "agent/collector/collector_util.h"
#include "agent/collector/meminfo.h"
#include "common/file.h"

namespace vigie::agent {

MeminfoCollector::MeminfoCollector(const CollectorContext& ctx)
    : path_(JoinPath(ctx.proc_root, "meminfo")) {}

absl::Status MeminfoCollector::Collect(SampleSink& sink) {
  if (absl::Status st = ReadFileInto(path_, buf_); !st.ok()) return st;
  if (absl::Status st = ParseMeminfo(buf_, fields_); !st.ok()) return st;
  for (const MeminfoField& f : fields_) {
    MeminfoMetricName(f, name_buf_);
    // The sink copies what it keeps, so the desc may point into name_buf_.
    const MetricDesc desc{name_buf_, MetricType::kGauge,
                          "Memory information field from /proc/meminfo."};
    sink.Add(desc, {}, static_cast<double>(f.value));
  }
  return absl::OkStatus();
}

}  // namespace vigie::agent
