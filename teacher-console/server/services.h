// The console's two gRPC services. Both use the callback API: no handler
// blocks (DESIGN.md: gRPC's callback pool has 2 threads on 2 cores). Reads
// are answered from the Registry; writes are posted to the Writer and the
// RPC finishes in the Writer's done callback, after the durable commit.
//
// Thread safety: the services are stateless beyond the shared context, whose
// members are thread-safe; gRPC may call them from any thread.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_SERVICES_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_SERVICES_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "ardoise/v1/agent_link.grpc.pb.h"
#include "ardoise/v1/console.grpc.pb.h"
#include "common/clock.h"
#include "common/grpc_status.h"
#include "common/log_limiter.h"
#include "teacher-console/server/accounts.h"
#include "teacher-console/server/authz.h"
#include "teacher-console/server/policy_book.h"
#include "teacher-console/server/rate_limit.h"
#include "teacher-console/server/registry.h"
#include "teacher-console/server/report_worker.h"
#include "teacher-console/server/sessions.h"
#include "teacher-console/server/writer.h"

namespace ardoise {

// What every handler needs; owned by the Server, outlives the services.
struct ConsoleContext {
  const Clock* clock = nullptr;
  Writer* writer = nullptr;
  Registry* registry = nullptr;
  PolicyBook* policies = nullptr;
  Sessions* sessions = nullptr;
  ReportWorker* reports = nullptr;
  Accounts* accounts = nullptr;
  LoginPolicy login_policy;
  // The pin of the console's CA ("sha256:HEX"): enrollment tokens carry it.
  std::string ca_pin;
  // Slows down failed enrollments per peer address (null: no limit).
  RateLimiter* enroll_limiter = nullptr;
  // Checks passwords (argon2id, ~0.1 s each) off the Writer, with a
  // read-only connection of its own; its bounded queue sheds a login flood.
  ReportWorker* login_worker = nullptr;
  // Slows down failed logins per peer address, whatever the account
  // (null: no limit); the account lock is LoginPolicy's.
  RateLimiter* login_limiter = nullptr;
  // Routine per-stream lines (a device connected, disconnected): a few per
  // window in full, the rest summarised by the maintenance thread, so a
  // reconnect storm does not write a line per device (null: log them all).
  LogLimiter* connect_log = nullptr;
  LogLimiter* disconnect_log = nullptr;
  // Usage batches of agents that pipeline them (Hello.usage_pipelined) and
  // do not ask for an ack at once are acknowledged at most this often per
  // stream, one cumulative UsageAck (zero: every batch).
  absl::Duration usage_ack_every = absl::Minutes(10);
};

// Resolves a target to device ids: devices and pools through the Registry,
// classes through Sessions (its running session's devices, else its home
// room). A name that is both a class and a device or pool is refused.
absl::StatusOr<std::vector<std::string>> ResolveTarget(
    const ConsoleContext& context, const v1::Target& target,
    std::string* described);

// The one gate before every Console rpc but Login: authenticates the
// bearer token of `ctx` (Accounts), lets `resolve` fill what the request is
// about (it may fail, e.g. NOT_FOUND for an unknown target: the call then
// ends with that error), and applies the authorization table (authz.h) to
// `rpc`. Returns nullptr when the call may run, with `caller` filled (its
// actor, "login@peer", goes into the audit trail). Otherwise returns the
// reactor, finished with UNAUTHENTICATED or PERMISSION_DENIED once the
// refusal is durably audited; nothing else is changed.
using ScopeResolver =
    std::function<absl::Status(const Caller& caller, RequestScope& scope)>;
grpc::ServerUnaryReactor* Admit(const ConsoleContext& context,
                                grpc::CallbackServerContext* ctx,
                                std::string_view rpc,
                                const ScopeResolver& resolve, Caller* caller);
// Resolvers for the common cases: one device (name or id), a target (a
// class target also names its class), a school, a class. The referenced
// arguments must outlive the Admit call.
ScopeResolver ScopeOfDevice(const ConsoleContext& context,
                            const std::string& device);
ScopeResolver ScopeOfTarget(const ConsoleContext& context,
                            const v1::Target& target);
ScopeResolver ScopeOfSchool(const std::string& school);
ScopeResolver ScopeOfClass(const std::string& class_name);
// Fills the devices of `ids` and their schools into `scope`.
void AddDevicesToScope(const ConsoleContext& context,
                       const std::vector<std::string>& ids,
                       RequestScope& scope);

// Runs `build` (absl::StatusOr<Response>(Database&)) on the ReportWorker,
// with its read-only connection, and finishes the call with the result:
// reports never run on a reactor nor on the Writer. UNAVAILABLE when the
// worker is stopping or its queue is full.
template <typename Response, typename Build>
grpc::ServerUnaryReactor* AnswerOnReportWorker(grpc::CallbackServerContext* ctx,
                                               const ConsoleContext& context,
                                               Response* response,
                                               Build build) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  context.reports->Post([reactor, response, build](Database* db) {
    if (db == nullptr) {
      reactor->Finish(ToGrpc(absl::UnavailableError(
          "the console is busy or shutting down: try again")));
      return;
    }
    absl::StatusOr<Response> built = build(*db);
    if (built.ok()) *response = *std::move(built);
    reactor->Finish(ToGrpc(built.status()));
  });
  return reactor;
}

// Where a registered device sits, for policy layering.
DeviceScope ScopeOf(const DeviceRecord& record);
DeviceScope ScopeOf(const v1::Device& device);

// Bounds that keep one agent from costing the console unbounded memory.
inline constexpr size_t kMaxQueuedPerStream = 1024;
inline constexpr size_t kMaxMessageText = 500;
inline constexpr size_t kMaxLockText = 200;
inline constexpr int kMaxPolicyFilesPerApply = 64;
// Usage batches of one stream waiting for the Writer; an agent sends one at
// a time, so more means a misbehaving one (its stream is closed).
inline constexpr int kMaxUsageBatchesInFlight = 4;
// Failed enrollments from one address: this many in a row, then one per
// ConsoleOptions::forgive_failure (RESOURCE_EXHAUSTED with the wait).
inline constexpr int kEnrollFailureBurst = 10;
// Failed logins from one address (a school's NAT holds many people), the
// same way; an account is also locked after LoginPolicy::lock_after.
inline constexpr int kLoginFailureBurst = 40;

class AgentLinkService final : public v1::AgentLink::CallbackService {
 public:
  explicit AgentLinkService(ConsoleContext context) : context_(context) {}

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* ctx,
                                   const v1::EnrollRequest* request,
                                   v1::EnrollResponse* response) override;
  grpc::ServerBidiReactor<v1::AgentMessage, v1::ConsoleMessage>* Connect(
      grpc::CallbackServerContext* ctx) override;

 private:
  ConsoleContext context_;
};

class ConsoleService final : public v1::Console::CallbackService {
 public:
  explicit ConsoleService(ConsoleContext context) : context_(context) {}

  grpc::ServerUnaryReactor* CreateEnrollmentToken(
      grpc::CallbackServerContext* ctx,
      const v1::CreateEnrollmentTokenRequest* request,
      v1::CreateEnrollmentTokenResponse* response) override;
  grpc::ServerUnaryReactor* ListDevices(
      grpc::CallbackServerContext* ctx, const v1::ListDevicesRequest* request,
      v1::ListDevicesResponse* response) override;
  grpc::ServerUnaryReactor* GetDevice(grpc::CallbackServerContext* ctx,
                                      const v1::GetDeviceRequest* request,
                                      v1::Device* response) override;
  grpc::ServerUnaryReactor* RetireDevice(grpc::CallbackServerContext* ctx,
                                         const v1::RetireDeviceRequest* request,
                                         v1::Device* response) override;
  grpc::ServerUnaryReactor* RekeyDevice(
      grpc::CallbackServerContext* ctx, const v1::RekeyDeviceRequest* request,
      v1::RekeyDeviceResponse* response) override;
  grpc::ServerUnaryReactor* SetLock(grpc::CallbackServerContext* ctx,
                                    const v1::SetLockRequest* request,
                                    v1::TargetResult* response) override;
  grpc::ServerUnaryReactor* SendMessage(grpc::CallbackServerContext* ctx,
                                        const v1::SendMessageRequest* request,
                                        v1::TargetResult* response) override;
  grpc::ServerUnaryReactor* ApplyPolicy(
      grpc::CallbackServerContext* ctx, const v1::ApplyPolicyRequest* request,
      v1::ApplyPolicyResponse* response) override;
  grpc::ServerUnaryReactor* ExplainPolicy(
      grpc::CallbackServerContext* ctx, const v1::ExplainPolicyRequest* request,
      v1::ExplainPolicyResponse* response) override;
  grpc::ServerUnaryReactor* PolicyStatus(
      grpc::CallbackServerContext* ctx, const v1::PolicyStatusRequest* request,
      v1::PolicyStatusResponse* response) override;

  // The school model (school_service.cc).
  grpc::ServerUnaryReactor* CreateSchool(grpc::CallbackServerContext* ctx,
                                         const v1::School* request,
                                         v1::School* response) override;
  grpc::ServerUnaryReactor* ListSchools(
      grpc::CallbackServerContext* ctx, const v1::ListSchoolsRequest* request,
      v1::ListSchoolsResponse* response) override;
  grpc::ServerUnaryReactor* CreatePool(grpc::CallbackServerContext* ctx,
                                       const v1::Pool* request,
                                       v1::Pool* response) override;
  grpc::ServerUnaryReactor* ListPools(grpc::CallbackServerContext* ctx,
                                      const v1::ListPoolsRequest* request,
                                      v1::ListPoolsResponse* response) override;
  grpc::ServerUnaryReactor* CreateClass(grpc::CallbackServerContext* ctx,
                                        const v1::Class* request,
                                        v1::Class* response) override;
  grpc::ServerUnaryReactor* ListClasses(
      grpc::CallbackServerContext* ctx, const v1::ListClassesRequest* request,
      v1::ListClassesResponse* response) override;
  grpc::ServerUnaryReactor* AssignTeacher(
      grpc::CallbackServerContext* ctx, const v1::TeacherAssignment* request,
      v1::TeacherAssignment* response) override;
  grpc::ServerUnaryReactor* ListAssignments(
      grpc::CallbackServerContext* ctx,
      const v1::ListAssignmentsRequest* request,
      v1::ListAssignmentsResponse* response) override;

  // Sessions (session_service.cc).
  grpc::ServerUnaryReactor* StartSession(grpc::CallbackServerContext* ctx,
                                         const v1::StartSessionRequest* request,
                                         v1::Session* response) override;
  grpc::ServerUnaryReactor* SteerSession(grpc::CallbackServerContext* ctx,
                                         const v1::SteerSessionRequest* request,
                                         v1::Session* response) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx,
                                       const v1::GetSessionRequest* request,
                                       v1::Session* response) override;
  grpc::ServerUnaryReactor* WeekReport(
      grpc::CallbackServerContext* ctx, const v1::WeekReportRequest* request,
      v1::WeekReportResponse* response) override;
  // Usage reports (usage_service.cc), built on the ReportWorker.
  grpc::ServerUnaryReactor* DevicesReport(
      grpc::CallbackServerContext* ctx, const v1::DevicesReportRequest* request,
      v1::DevicesReportResponse* response) override;
  grpc::ServerUnaryReactor* NoScreenReport(
      grpc::CallbackServerContext* ctx,
      const v1::NoScreenReportRequest* request,
      v1::NoScreenReportResponse* response) override;

  // Accounts (account_service.cc).
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* ctx,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* ctx,
                                   const v1::LogoutRequest* request,
                                   v1::LogoutResponse* response) override;
  grpc::ServerUnaryReactor* CreateUser(
      grpc::CallbackServerContext* ctx, const v1::CreateUserRequest* request,
      v1::CreateUserResponse* response) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* ctx,
                                      const v1::ListUsersRequest* request,
                                      v1::ListUsersResponse* response) override;
  grpc::ServerUnaryReactor* DisableUser(grpc::CallbackServerContext* ctx,
                                        const v1::DisableUserRequest* request,
                                        v1::User* response) override;
  grpc::ServerUnaryReactor* ResetPassword(
      grpc::CallbackServerContext* ctx, const v1::ResetPasswordRequest* request,
      v1::CreateUserResponse* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* ctx,
                                      const v1::ListAuditRequest* request,
                                      v1::ListAuditResponse* response) override;

 private:
  ConsoleContext context_;
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_SERVICES_H_
