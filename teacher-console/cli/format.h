// What the `ardoise` command line prints: aligned tables, key: value blocks,
// short enum names, relative times and the `-o json` form of every answer.
// Pure functions of their arguments (the current time is passed in), so the
// whole output can be tested without a console.
//
// The JSON form is a contract (DESIGN.md, "Command-line surface"): scripts
// and tests parse it back into the response message, so it uses the proto's
// snake_case field names and prints every primitive field, even when zero.
//
// Thread safety: pure functions; a Table is an ordinary value owned by one
// thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_FORMAT_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_FORMAT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ardoise/v1/console.pb.h"
#include "ardoise/v1/device.pb.h"
#include "google/protobuf/message.h"

namespace ardoise::cli {

// A table in the style of kubectl: upper-case headers, columns left-aligned
// and separated by three spaces, no trailing spaces. Rows shorter than the
// header are padded with empty cells; longer ones are cut.
class Table {
 public:
  explicit Table(std::vector<std::string> headers)
      : headers_(std::move(headers)) {}

  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // The header line and one line per row, each ending in "\n".
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:   value" lines with the values aligned. A pair with an empty key
// continues the previous one on its own line, indented to the values.
std::string RenderKeyValues(
    const std::vector<std::pair<std::string, std::string>>& pairs);

// Enum value names without their type prefix, lower case:
// DEVICE_KIND_TABLET -> "tablet", LOCK_REASON_NO_SCREEN -> "no_screen".
std::string ShortEnumName(std::string_view full_name, std::string_view prefix);
std::string KindName(v1::DeviceKind kind);
std::string LockReasonName(v1::LockReason reason);

// "12s ago", "3m ago", "5h ago", "2d ago"; "in 40m" for times ahead of
// `now`; "never" for absl::InfinitePast() (an unset Timestamp).
std::string FormatRelative(absl::Time t, absl::Time now);
// "2026-11-25 21:04:18 UTC"; "never" for absl::InfinitePast().
std::string FormatAbsolute(absl::Time t);
// Both: "2026-11-25 21:04:18 UTC (12s ago)", or "never".
std::string FormatWhen(absl::Time t, absl::Time now);

// "retired", "online" or "offline".
std::string DeviceStatus(const v1::Device& device);
// What the device reports it shows: "yes (manual)" or "no".
std::string LockedColumn(const v1::Device& device);

// `ardoise devices list`: NAME, ID, KIND, SCHOOL, POOL, STATUS, LOCKED,
// LAST SEEN, FLAGS ("!2" for two warnings, explained under the table).
std::string RenderDeviceList(const v1::ListDevicesResponse& response,
                             absl::Time now);
// `ardoise devices show`: every field as a key: value block.
std::string RenderDeviceDetail(const v1::Device& device, absl::Time now);
// `ardoise token create`: the token, what to run on the device, the expiry.
std::string RenderToken(const v1::CreateEnrollmentTokenRequest& request,
                        const v1::CreateEnrollmentTokenResponse& response,
                        std::string_view console_address, absl::Time now);
// `ardoise lock|unlock|message`: one summary line, e.g. "Locked pool
// salle-12: 3 devices (2 online, 1 offline: will lock when it reconnects)",
// then a short table of the devices. `done` is the past-tense verb
// ("Locked"), `detail` goes after the target (" for 45m"), `pending` is
// what an offline device will do ("lock").
std::string RenderTargetResult(const v1::TargetResult& result,
                               std::string_view done, std::string_view detail,
                               std::string_view pending, absl::Time now);

// The `-o json` form: the whole message, pretty-printed, snake_case names,
// primitive fields always present. Ends in "\n".
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_FORMAT_H_
