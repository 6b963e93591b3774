#include "teacher-console/cli/commands.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/status_macros.h"
#include "teacher-console/cli/connection.h"
#include "teacher-console/cli/format.h"

namespace ardoise::cli {

absl::Status Print(Session& session, const google::protobuf::Message& response,
                   const std::function<std::string()>& table) {
  // (-o csv never reaches here: the app refuses it before the call for
  // commands other than reports, which print their own CSV.)
  if (session.format == OutputFormat::kJson) {
    ARDOISE_ASSIGN_OR_RETURN(std::string json, ToJson(response));
    *session.out << json;
  } else {
    *session.out << table();
  }
  session.out->flush();
  return absl::OkStatus();
}

absl::Status CreateToken(Session& session,
                         const v1::CreateEnrollmentTokenRequest& request) {
  v1::CreateEnrollmentTokenResponse response;
  ARDOISE_RETURN_IF_ERROR(
      Call(session, &v1::Console::StubInterface::CreateEnrollmentToken, request,
           &response));
  return Print(session, response, [&] {
    return RenderToken(request, response, session.address,
                       session.clock->Now());
  });
}

absl::Status ListDevices(Session& session,
                         const v1::ListDevicesRequest& request) {
  v1::ListDevicesResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::ListDevices, request, &response));
  return Print(session, response, [&] {
    return RenderDeviceList(response, session.clock->Now());
  });
}

absl::Status ShowDevice(Session& session, const v1::GetDeviceRequest& request) {
  v1::Device device;
  ARDOISE_RETURN_IF_ERROR(
      Call(session, &v1::Console::StubInterface::GetDevice, request, &device));
  return Print(session, device, [&] {
    return RenderDeviceDetail(device, session.clock->Now());
  });
}

absl::Status RetireDevice(Session& session,
                          const v1::RetireDeviceRequest& request) {
  v1::Device device;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::RetireDevice, request, &device));
  return Print(session, device, [&] {
    return absl::StrCat("Retired device ", device.name(), " (", device.id(),
                        "): its key no longer works; the name is free for a "
                        "new enrollment.\n");
  });
}

absl::Status RekeyDevice(Session& session,
                         const v1::RekeyDeviceRequest& request) {
  v1::RekeyDeviceResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::RekeyDevice, request, &response));
  return Print(session, response, [&] {
    return absl::StrCat(
        "New node key issued for ", request.device(), " (",
        response.device_id(), "): ",
        response.sent() ? "sent to the connected device"
                        : "the device gets it when it next connects",
        "; its old key stops working once the device has stored the new "
        "one.\n");
  });
}

absl::Status SetLock(Session& session, const v1::SetLockRequest& request) {
  v1::TargetResult result;
  ARDOISE_RETURN_IF_ERROR(
      Call(session, &v1::Console::StubInterface::SetLock, request, &result));
  return Print(session, result, [&] {
    std::string detail;
    if (request.duration_seconds() > 0) {
      detail = absl::StrCat(
          " for ",
          ardoise::FormatDuration(absl::Seconds(request.duration_seconds())));
    }
    return RenderTargetResult(result, request.locked() ? "Locked" : "Unlocked",
                              detail, request.locked() ? "lock" : "unlock",
                              session.clock->Now());
  });
}

absl::Status SendMessage(Session& session,
                         const v1::SendMessageRequest& request) {
  v1::TargetResult result;
  ARDOISE_RETURN_IF_ERROR(Call(
      session, &v1::Console::StubInterface::SendMessage, request, &result));
  return Print(session, result, [&] {
    return RenderTargetResult(result, "Sent the message to", "", "show it",
                              session.clock->Now());
  });
}

}  // namespace ardoise::cli
