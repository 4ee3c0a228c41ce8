#include "daemon/notify/alertmanager/alertmanager_notifier.h"

#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace vigie::daemon::notify {

std::string AlertmanagerPayload(const Notification& n, SystemTime now,
                                std::chrono::milliseconds valid_for) {
  auto list = nlohmann::json::array();
  for (const auto& a : n.alerts) {
    nlohmann::json j;
    j["labels"] = LabelsToMap(a.labels);
    j["annotations"] = a.annotations;
    j["startsAt"] = FormatRfc3339(a.fired_at_ms > 0 ? a.fired_at_ms : a.active_at_ms);
    if (std::string_view(AlertStatus(a)) == "resolved") {
      j["endsAt"] = FormatRfc3339(a.resolved_at_ms > 0 ? a.resolved_at_ms : ToMillis(now));
    } else if (valid_for.count() > 0) {
      j["endsAt"] = FormatRfc3339(ToMillis(now + valid_for));
    }
    if (!n.external_url.empty()) {
      j["generatorURL"] = StrCat(n.external_url, "/alerts/", FingerprintHex(a.fingerprint));
    }
    list.push_back(std::move(j));
  }
  return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

AlertmanagerNotifier::AlertmanagerNotifier(const CurlRuntime& curl, const Clock& clock,
                                           AlertmanagerConfig config)
    : curl_(curl), clock_(clock), config_(std::move(config)) {
  std::string base = config_.endpoint.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  alerts_url_ = StrCat(base, "/api/v2/alerts");
}

NotifyResult AlertmanagerNotifier::Notify(const Notification& n) {
  if (SkipResolved(n, config_.send_resolved)) return NotifyResult::Ok();
  return PostJson(curl_, config_.endpoint, AlertmanagerPayload(n, clock_.Now(), config_.valid_for),
                  {}, channel(), clock_, alerts_url_);
}

}  // namespace vigie::daemon::notify
