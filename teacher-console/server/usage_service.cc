// Console: the usage reports. Reading the registry and the policies and
// querying the aggregates all happen on the ReportWorker, never on a
// reactor.
#include <string>
#include <utility>
#include <vector>

#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/usage_reports.h"

namespace ardoise {
namespace {

// The devices in service, with their effective policy when `with_policy`.
std::vector<ReportDevice> ReportDevices(const ConsoleContext& context,
                                        const std::string& school,
                                        bool with_policy) {
  v1::ListDevicesRequest filter;
  filter.set_school(school);
  std::vector<v1::Device> listed = context.registry->List(filter);
  auto snapshot = context.policies->snapshot();
  std::vector<ReportDevice> out;
  out.reserve(listed.size());
  for (v1::Device& device : listed) {
    ReportDevice& d = out.emplace_back();
    if (with_policy) {
      d.policy = PolicyBook::For(*snapshot, ScopeOf(device), "", nullptr);
    }
    d.id = std::move(*device.mutable_id());
    d.name = std::move(*device.mutable_name());
    d.school = std::move(*device.mutable_school());
    d.pool = std::move(*device.mutable_pool());
    d.kind = device.kind();
  }
  return out;
}

}  // namespace

grpc::ServerUnaryReactor* ConsoleService::DevicesReport(
    grpc::CallbackServerContext* ctx, const v1::DevicesReportRequest* request,
    v1::DevicesReportResponse* response) {
  Caller caller;
  if (auto* refused = Admit(context_, ctx, "DevicesReport",
                            ScopeOfSchool(request->school()), &caller)) {
    return refused;
  }
  ConsoleContext context = context_;
  const bool aggregates_only = caller.role == v1::ROLE_CITY_VIEWER;
  return AnswerOnReportWorker(
      ctx, context_, response,
      [context, request, aggregates_only](
          Database& db) -> absl::StatusOr<v1::DevicesReportResponse> {
        ARDOISE_ASSIGN_OR_RETURN(
            v1::DevicesReportResponse report,
            BuildDevicesReport(db,
                               ReportDevices(context, request->school(), false),
                               *request));
        // The city sees the per school and kind view only.
        if (aggregates_only) report.clear_devices();
        return report;
      });
}

grpc::ServerUnaryReactor* ConsoleService::NoScreenReport(
    grpc::CallbackServerContext* ctx, const v1::NoScreenReportRequest* request,
    v1::NoScreenReportResponse* response) {
  Caller caller;
  if (auto* refused = Admit(
          context_, ctx, "NoScreenReport",
          [request](const Caller&, RequestScope& scope) {
            scope.school = request->school();
            scope.device_detail = request->include_devices();
            return absl::OkStatus();
          },
          &caller)) {
    return refused;
  }
  ConsoleContext context = context_;
  return AnswerOnReportWorker(
      ctx, context_, response, [context, request](Database& db) {
        return BuildNoScreenReport(
            db, ReportDevices(context, request->school(), true), *request);
      });
}

}  // namespace ardoise
