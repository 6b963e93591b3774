#include "teacher-console/cli/requests.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/absl_compat.h"
#include "common/duration.h"
#include "common/status_macros.h"

namespace ardoise::cli {
namespace {

constexpr char kTargetForms[] =
    "NAME, device/NAME, pool/NAME, class/NAME or --all";

absl::Status Usage(std::string_view message) {
  return absl::InvalidArgumentError(AsAbsl(message));
}

}  // namespace

absl::StatusOr<std::string> ResolveConsoleAddress(std::string_view flag_value,
                                                  const char* env_value) {
  if (!flag_value.empty()) return std::string(flag_value);
  if (env_value != nullptr && env_value[0] != '\0')
    return std::string(env_value);
  return Usage(absl::StrCat("no console: pass --console HOST:PORT or set ",
                            kConsoleEnv));
}

absl::StatusOr<CaLocation> ResolveCaPath(std::string_view flag_value,
                                         const char* env_ca,
                                         const char* env_config_home,
                                         const char* env_home) {
  auto set = [](const char* v) { return v != nullptr && v[0] != '\0'; };
  if (!flag_value.empty()) return CaLocation{std::string(flag_value), true};
  if (set(env_ca)) return CaLocation{env_ca, true};
  if (set(env_config_home)) {
    return CaLocation{absl::StrCat(env_config_home, "/ardoise/ca.pem"), false};
  }
  if (set(env_home)) {
    return CaLocation{absl::StrCat(env_home, "/.config/ardoise/ca.pem"), false};
  }
  return Usage(absl::StrCat("no CA file: pass --ca FILE or set ", kCaEnv,
                            " (HOME and XDG_CONFIG_HOME are unset)"));
}

absl::StatusOr<std::string> ResolveTokenPath(const char* env_token_file,
                                             const char* env_config_home,
                                             const char* env_home) {
  auto set = [](const char* v) { return v != nullptr && v[0] != '\0'; };
  if (set(env_token_file)) return std::string(env_token_file);
  if (set(env_config_home)) {
    return absl::StrCat(env_config_home, "/ardoise/token");
  }
  if (set(env_home)) return absl::StrCat(env_home, "/.config/ardoise/token");
  return Usage(absl::StrCat("no place for the login token: set ", kTokenFileEnv,
                            " (HOME and XDG_CONFIG_HOME are unset)"));
}

absl::StatusOr<v1::Target> ParseTarget(std::string_view text, bool all) {
  v1::Target target;
  if (all) {
    if (!text.empty()) {
      return Usage(absl::StrCat("give either TARGET (\"", AsAbsl(text),
                                "\") or --all, not both"));
    }
    target.set_kind(v1::Target::KIND_ALL);
    return target;
  }
  if (text.empty()) {
    return Usage(absl::StrCat("missing TARGET: give ", kTargetForms));
  }
  const size_t slash = text.find('/');
  std::string_view name = text;
  target.set_kind(v1::Target::KIND_AUTO);
  if (slash != std::string_view::npos) {
    const std::string_view kind = text.substr(0, slash);
    name = text.substr(slash + 1);
    if (kind == "device") {
      target.set_kind(v1::Target::KIND_DEVICE);
    } else if (kind == "pool") {
      target.set_kind(v1::Target::KIND_POOL);
    } else if (kind == "class") {
      target.set_kind(v1::Target::KIND_CLASS);
    } else {
      return Usage(absl::StrCat("bad TARGET \"", AsAbsl(text),
                                "\": unknown kind \"", AsAbsl(kind),
                                "\" (give ", kTargetForms, ")"));
    }
  }
  if (name.empty() || name.find('/') != std::string_view::npos) {
    return Usage(absl::StrCat("bad TARGET \"", AsAbsl(text), "\" (give ",
                              kTargetForms, ")"));
  }
  target.set_name(std::string(name));
  return target;
}

absl::StatusOr<int64_t> ParseSecondsFlag(std::string_view flag,
                                         std::string_view text) {
  absl::StatusOr<absl::Duration> duration = ParseDuration(text);
  if (!duration.ok()) {
    return Usage(absl::StrCat(AsAbsl(flag), ": ", duration.status().message()));
  }
  const int64_t seconds = absl::ToInt64Seconds(*duration);
  if (seconds < 1) {
    return Usage(absl::StrCat(AsAbsl(flag), ": give at least 1s"));
  }
  return seconds;
}

absl::StatusOr<v1::CreateEnrollmentTokenRequest> MakeTokenRequest(
    const TokenFlags& flags) {
  if (flags.school.empty()) return Usage("--school: give the school's name");
  if (flags.uses < 1) return Usage("--uses: give at least 1");
  v1::CreateEnrollmentTokenRequest request;
  request.set_school(flags.school);
  request.set_pool(flags.pool);
  request.set_uses(flags.uses);
  ARDOISE_ASSIGN_OR_RETURN(const int64_t ttl,
                           ParseSecondsFlag("--ttl", flags.ttl));
  request.set_ttl_seconds(ttl);
  return request;
}

absl::StatusOr<v1::SetLockRequest> MakeLockRequest(const LockFlags& flags,
                                                   bool locked) {
  v1::SetLockRequest request;
  ARDOISE_ASSIGN_OR_RETURN(*request.mutable_target(),
                           ParseTarget(flags.target, flags.all));
  request.set_locked(locked);
  if (!locked && (!flags.message.empty() || !flags.duration.empty())) {
    return Usage("unlock takes no --message or --for");
  }
  request.set_message(flags.message);
  if (!flags.duration.empty()) {
    ARDOISE_ASSIGN_OR_RETURN(const int64_t seconds,
                             ParseSecondsFlag("--for", flags.duration));
    request.set_duration_seconds(seconds);
  }
  return request;
}

absl::StatusOr<v1::SendMessageRequest> MakeMessageRequest(MessageFlags flags) {
  if (flags.all && flags.text.empty()) std::swap(flags.target, flags.text);
  v1::SendMessageRequest request;
  ARDOISE_ASSIGN_OR_RETURN(*request.mutable_target(),
                           ParseTarget(flags.target, flags.all));
  if (flags.text.empty()) {
    return Usage("missing TEXT: give the message to show, in quotes");
  }
  request.set_text(flags.text);
  ARDOISE_ASSIGN_OR_RETURN(const int64_t ttl,
                           ParseSecondsFlag("--ttl", flags.ttl));
  request.set_ttl_seconds(ttl);
  return request;
}

absl::StatusOr<absl::CivilDay> ParseDayFlag(const std::string& text,
                                            const std::string& flag) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad date \"", text, "\" for ", flag,
                     ": write YYYY-MM-DD, e.g. ", "2027-05-17"));
  }
  return day;
}

v1::Date ToDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

}  // namespace ardoise::cli
