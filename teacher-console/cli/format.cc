#include "teacher-console/cli/format.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/absl_compat.h"
#include "common/duration.h"
#include "common/proto_time.h"
#include "google/protobuf/util/json_util.h"

namespace ardoise::cli {
namespace {

constexpr char kColumnGap[] = "   ";

// Width on a terminal, counting UTF-8 code points rather than bytes so
// French names ("salle-été") keep the columns aligned.
size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(),
      [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void AppendPadded(std::string* out, std::string_view text, size_t width) {
  out->append(text.data(), text.size());
  out->append(width - std::min(width, DisplayWidth(text)), ' ');
}

std::string OrDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

std::string Quoted(const std::string& text) {
  return absl::StrCat("\"", text, "\"");
}

// "1 device", "3 devices".
std::string Count(int n, std::string_view noun) {
  return absl::StrCat(n, " ", AsAbsl(noun), n == 1 ? "" : "s");
}

// The largest whole unit: "45s", "3m", "5h", "2d". Rounded to the second
// first, so a token valid for 24h still reads "in 24h" a moment later.
std::string Coarse(absl::Duration d) {
  const int64_t seconds = (absl::ToInt64Milliseconds(d) + 500) / 1000;
  if (seconds < 60) return absl::StrCat(seconds, "s");
  if (seconds < 3600) return absl::StrCat(seconds / 60, "m");
  if (seconds < 48 * 3600) return absl::StrCat(seconds / 3600, "h");
  return absl::StrCat(seconds / 86400, "d");
}

std::string FlagsColumn(const v1::Device& device) {
  return device.flags().empty() ? "" : absl::StrCat("!", device.flags_size());
}

std::string ScreenText(const v1::Device& device) {
  const v1::DeviceState& state = device.state();
  if (FromProto(state.observed_at()) == absl::InfinitePast() &&
      !device.online()) {
    return "not reported yet";
  }
  if (!state.locked()) return "unlocked";
  std::string text =
      absl::StrCat("locked (", LockReasonName(state.lock_reason()), ")");
  if (!state.lock_message().empty()) {
    absl::StrAppend(&text, ": ", Quoted(state.lock_message()));
  }
  return text;
}

}  // namespace

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(cells[i]));
    }
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);

  std::string out;
  auto render = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i + 1 == cells.size()) {
        line.append(cells[i]);  // no padding after the last column
      } else {
        AppendPadded(&line, cells[i], widths[i]);
        line.append(kColumnGap);
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  };
  render(headers_);
  for (const auto& row : rows_) render(row);
  return out;
}

std::string RenderKeyValues(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  size_t width = 0;
  for (const auto& [key, value] : pairs) {
    if (!key.empty()) width = std::max(width, DisplayWidth(key) + 1);
  }
  width += 2;
  std::string out;
  for (const auto& [key, value] : pairs) {
    AppendPadded(&out, key.empty() ? "" : key + ":", width);
    absl::StrAppend(&out, value, "\n");
  }
  return out;
}

std::string ShortEnumName(std::string_view full_name, std::string_view prefix) {
  if (full_name.empty()) return "unknown";
  if (full_name.substr(0, prefix.size()) == prefix) {
    full_name.remove_prefix(prefix.size());
  }
  std::string name(full_name);
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string KindName(v1::DeviceKind kind) {
  return ShortEnumName(v1::DeviceKind_Name(kind), "DEVICE_KIND_");
}

std::string LockReasonName(v1::LockReason reason) {
  return ShortEnumName(v1::LockReason_Name(reason), "LOCK_REASON_");
}

std::string FormatRelative(absl::Time t, absl::Time now) {
  if (t == absl::InfinitePast()) return "never";
  const absl::Duration d = now - t;
  if (absl::AbsDuration(d) < absl::Seconds(1)) return "just now";
  if (d < absl::ZeroDuration()) return absl::StrCat("in ", Coarse(-d));
  return absl::StrCat(Coarse(d), " ago");
}

std::string FormatAbsolute(absl::Time t) {
  if (t == absl::InfinitePast()) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string FormatWhen(absl::Time t, absl::Time now) {
  if (t == absl::InfinitePast()) return "never";
  return absl::StrCat(FormatAbsolute(t), " (", FormatRelative(t, now), ")");
}

std::string DeviceStatus(const v1::Device& device) {
  if (device.retired()) return "retired";
  return device.online() ? "online" : "offline";
}

std::string LockedColumn(const v1::Device& device) {
  if (!device.state().locked()) return "no";
  return absl::StrCat("yes (", LockReasonName(device.state().lock_reason()),
                      ")");
}

std::string RenderDeviceList(const v1::ListDevicesResponse& response,
                             absl::Time now) {
  if (response.devices().empty()) return "No devices.\n";
  Table table({"NAME", "ID", "KIND", "SCHOOL", "POOL", "STATUS", "LOCKED",
               "LAST SEEN", "FLAGS"});
  bool flagged = false;
  for (const v1::Device& d : response.devices()) {
    flagged = flagged || !d.flags().empty();
    table.AddRow({d.name(), d.id(), KindName(d.kind()), d.school(),
                  OrDash(d.pool()), DeviceStatus(d), LockedColumn(d),
                  FormatRelative(FromProto(d.last_seen()), now),
                  FlagsColumn(d)});
  }
  std::string out = table.Render();
  if (flagged) {
    absl::StrAppend(&out,
                    "\n!N: N warnings for IT staff; read them with "
                    "`ardoise devices show NAME`.\n");
  }
  return out;
}

std::string RenderDeviceDetail(const v1::Device& device, absl::Time now) {
  const v1::DeviceState& state = device.state();
  const v1::ManualLock& lock = device.desired_lock();
  std::vector<std::pair<std::string, std::string>> lines = {
      {"id", device.id()},
      {"name", device.name()},
      {"kind", KindName(device.kind())},
      {"school", device.school()},
      {"pool", OrDash(device.pool())},
      {"status", DeviceStatus(device)},
      {"enrolled", FormatWhen(FromProto(device.enrolled_at()), now)},
      {"last seen", FormatWhen(FromProto(device.last_seen()), now)},
      {"agent version", OrDash(device.agent_version())},
      {"screen", ScreenText(device)},
      {"activity", OrDash(state.activity())},
      {"reported", FormatWhen(FromProto(state.observed_at()), now)},
  };
  if (lock.version() == 0) {
    lines.push_back({"manual lock", "none (never set)"});
  } else {
    std::string head = absl::StrCat(lock.locked() ? "locked" : "unlocked",
                                    " (version ", lock.version());
    if (!lock.set_by().empty()) absl::StrAppend(&head, ", by ", lock.set_by());
    lines.push_back({"manual lock", absl::StrCat(head, ")")});
    if (lock.locked()) {
      lines.push_back(
          {"", absl::StrCat("message: ", lock.message().empty()
                                             ? std::string("(default text)")
                                             : Quoted(lock.message()))});
      lines.push_back(
          {"", absl::StrCat("expires: ",
                            lock.has_expires_at()
                                ? FormatWhen(FromProto(lock.expires_at()), now)
                                : std::string("never"))});
    }
  }
  lines.push_back(
      {"policy", device.desired_policy_version() == 0
                     ? std::string("none applied")
                     : absl::StrCat("runs version ", state.policy_version(),
                                    " (should run ",
                                    device.desired_policy_version(), ")")});
  if (!state.no_screen_period().empty()) {
    lines.push_back(
        {"no-screen period",
         state.exemption_reason().empty()
             ? Quoted(state.no_screen_period())
             : absl::StrCat(Quoted(state.no_screen_period()),
                            ", exempt: ", state.exemption_reason())});
  }
  lines.push_back({"free use today", ardoise::FormatDuration(absl::Seconds(
                                         state.free_use_today_seconds()))});
  lines.push_back({"in sync", device.in_sync() ? "yes" : "no"});
  lines.push_back(
      {"pending commands", absl::StrCat(device.pending_commands())});
  lines.push_back(
      {"last message shown", state.last_message_shown().empty()
                                 ? "-"
                                 : Quoted(state.last_message_shown())});
  if (device.flags().empty()) {
    lines.push_back({"flags", "none"});
  } else {
    for (int i = 0; i < device.flags_size(); ++i) {
      lines.push_back({i == 0 ? "flags" : "", device.flags(i)});
    }
  }
  return RenderKeyValues(lines);
}

std::string RenderToken(const v1::CreateEnrollmentTokenRequest& request,
                        const v1::CreateEnrollmentTokenResponse& response,
                        std::string_view console_address, absl::Time now) {
  std::string where = absl::StrCat("school ", request.school());
  if (!request.pool().empty())
    absl::StrAppend(&where, ", pool ", request.pool());
  return absl::StrCat(
      "Enrollment token for ", where, ":\n\n    ", response.token(), "\n\n",
      "Valid for ", Count(response.uses(), "enrollment"), ", until ",
      FormatWhen(FromProto(response.expires_at()), now),
      ". Token id: ", response.token_id(), ".\n",
      "It is shown only once: the console keeps only its hash.\n",
      "It ends with the pin of the console's CA (", response.ca_pin(),
      "):\na device refuses a console presenting another CA before sending "
      "it.\n\n",
      "On each device, run:\n\n    ardoise-agent enroll --console ",
      AsAbsl(console_address), " --token ", response.token(),
      " --data /var/lib/ardoise-agent --name NAME --kind tablet\n\n",
      "Give each device its own NAME; --kind is tablet, whiteboard or pc.\n");
}

std::string RenderTargetResult(const v1::TargetResult& result,
                               std::string_view done, std::string_view detail,
                               std::string_view pending, absl::Time now) {
  std::string out =
      absl::StrCat(AsAbsl(done), " ", result.resolved(), AsAbsl(detail), ": ");
  if (result.devices().empty()) return absl::StrCat(out, "no devices\n");
  int online = 0;
  Table table({"NAME", "ID", "STATUS", "LOCKED", "IN SYNC", "LAST SEEN"});
  for (const v1::Device& d : result.devices()) {
    if (d.online()) ++online;
    table.AddRow({d.name(), d.id(), DeviceStatus(d), LockedColumn(d),
                  d.in_sync() ? "yes" : "no",
                  FormatRelative(FromProto(d.last_seen()), now)});
  }
  const int offline = result.devices_size() - online;
  std::vector<std::string> parts;
  if (online > 0) parts.push_back(absl::StrCat(online, " online"));
  if (offline > 0) {
    parts.push_back(
        absl::StrCat(offline, " offline: will ", AsAbsl(pending), " when ",
                     offline == 1 ? "it reconnects" : "they reconnect"));
  }
  absl::StrAppend(&out, Count(result.devices_size(), "device"), " (",
                  absl::StrJoin(parts, ", "), ")\n\n", table.Render());
  return out;
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the answer as JSON: ", status.ToString()));
  }
  if (json.empty() || json.back() != '\n') json.push_back('\n');
  return json;
}

}  // namespace ardoise::cli
