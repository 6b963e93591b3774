// The usage reports (DESIGN.md, The no-screen week; issue #5): built from
// the daily aggregates of usage_store.h, never from raw intervals, so their
// cost depends on devices x days, not on how much was recorded.
//
//  - Devices report: per device, minutes used and on per day (IT staff), and
//    the same per school and device kind (the city's view).
//  - No-screen report: for each device a no-screen period covers (its
//    effective policy: the period's days and kinds), per day one of off,
//    locked and unused, used (minutes), exempt (with the reason) or unknown;
//    counted per school and day, with a compliance figure. Unknown is not
//    zero: a device is "off" on a day only when it reported something after
//    that day (its boot, agent-up and shutdown intervals cover time) and
//    nothing for the day itself.
//
// Thread safety: functions of their arguments; `db` must belong to the
// calling thread (a read connection of its own, not the Writer's).
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_USAGE_REPORTS_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_USAGE_REPORTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ardoise/v1/policy.pb.h"
#include "ardoise/v1/usage.pb.h"
#include "common/decide.h"
#include "common/sqlite.h"

namespace ardoise {

// A device in service as the reports need it: placement (today) and the
// effective policy that says which no-screen periods cover it.
struct ReportDevice {
  std::string id;
  std::string name;
  std::string school;
  std::string pool;
  v1::DeviceKind kind = v1::DEVICE_KIND_UNSPECIFIED;
  v1::EffectivePolicy policy;
};

// INVALID_ARGUMENT for a missing, impossible or reversed range, or one over
// 366 days.
absl::StatusOr<v1::DevicesReportResponse> BuildDevicesReport(
    Database& db, const std::vector<ReportDevice>& devices,
    const v1::DevicesReportRequest& request);

// NOT_FOUND for a period no device's policy names (with the known names),
// FAILED_PRECONDITION when no policy names any period.
absl::StatusOr<v1::NoScreenReportResponse> BuildNoScreenReport(
    Database& db, const std::vector<ReportDevice>& devices,
    const v1::NoScreenReportRequest& request);

// "éteint", "verrouillé, non utilisé", ... or the English words.
std::string NoScreenStatusText(v1::NoScreenStatus status, Language language);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_USAGE_REPORTS_H_
