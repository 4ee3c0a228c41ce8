// promtool's `input_series` notation (Prometheus "unit testing rules" page):
//   series: 'node_load1{host="a"}'   values: '1+0x10 _ 5 stale 0-2x3 _x2 1e3 -Inf'
// - `a+bxn` expands to n+1 values a, a+b, ..., a+n*b (and `a-bxn` with a negative step);
// - `axn` is `a+0xn` (n+1 copies of a);
// - `_` is a missing sample, `_xn` n missing samples;
// - `stale` is a staleness marker (StaleNaN());
// - numbers may be signed, decimal or scientific, Inf or NaN.
// The i-th value is at t = i * interval from t = 0.
//
// Errors are InvalidArgument, starting with "1:<col>: " (1-based column in the text).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/rules/promql/promql.h"

namespace vigie::daemon::promql {

// Parses a series selector with equality matchers only, e.g. `up{job="a"}` or
// `{__name__="up", job="a"}`, into sorted labels (with __name__).
absl::StatusOr<Labels> ParseSeriesLabels(std::string_view text);

// One entry per step: nullopt for a missing sample (`_`).
absl::StatusOr<std::vector<std::optional<double>>> ParseSeriesValues(std::string_view text);

// Both, with the values placed at multiples of `interval_ms` from t = 0.
absl::StatusOr<Series> ParseInputSeries(std::string_view series, std::string_view values,
                                        int64_t interval_ms);

}  // namespace vigie::daemon::promql
