// From command-line words to console requests. Everything a person can get
// wrong on the command line (a bad duration, a malformed TARGET, a missing
// console address) is found here, before any connection, and reported as a
// usage error (exit code 2); what is left can only be refused by the console.
//
// Thread safety: pure functions.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_REQUESTS_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_REQUESTS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "ardoise/v1/console.pb.h"

namespace ardoise::cli {

// The environment variable read when --console is not given.
inline constexpr char kConsoleEnv[] = "ARDOISE_CONSOLE";

// --console when given, else the value of $ARDOISE_CONSOLE (`env_value`,
// null when unset).
absl::StatusOr<std::string> ResolveConsoleAddress(std::string_view flag_value,
                                                  const char* env_value);

// The environment variable read when --ca is not given.
inline constexpr char kCaEnv[] = "ARDOISE_CA";

// The file holding the console CA the CLI trusts (and that `ardoise trust`
// writes): --ca when given, else $ARDOISE_CA, else
// $XDG_CONFIG_HOME/ardoise/ca.pem, else $HOME/.config/ardoise/ca.pem (the
// XDG default). Null or empty variables count as unset. A usage error when
// no path can be formed (no HOME either).
struct CaLocation {
  std::string path;
  bool chosen = false;  // given by --ca or $ARDOISE_CA, not the default
};
absl::StatusOr<CaLocation> ResolveCaPath(std::string_view flag_value,
                                         const char* env_ca,
                                         const char* env_config_home,
                                         const char* env_home);

// The environment variable naming the login token file.
inline constexpr char kTokenFileEnv[] = "ARDOISE_TOKEN_FILE";
// The environment variable `ardoise login` reads the password from (else it
// asks, without echo).
inline constexpr char kPasswordEnv[] = "ARDOISE_PASSWORD";

// The file holding the login session's token (written by `ardoise login`,
// mode 0600): $ARDOISE_TOKEN_FILE, else $XDG_CONFIG_HOME/ardoise/token,
// else $HOME/.config/ardoise/token — next to the default ca.pem. A usage
// error when no path can be formed.
absl::StatusOr<std::string> ResolveTokenPath(const char* env_token_file,
                                             const char* env_config_home,
                                             const char* env_home);

// TARGET as written: "NAME" (the console resolves it to a device, else a
// pool, else a class), "device/NAME", "pool/NAME" or "class/NAME" (the
// devices of the class's running session, else of its home room). `all` is the
// --all flag, which stands instead of a TARGET.
absl::StatusOr<v1::Target> ParseTarget(std::string_view text, bool all);

// A duration flag such as `--ttl 24h` (common/duration.h syntax) in whole
// seconds; zero is refused since it would mean "the default" on the wire.
absl::StatusOr<int64_t> ParseSecondsFlag(std::string_view flag,
                                         std::string_view text);

// `token create` flags.
struct TokenFlags {
  std::string school;
  std::string pool;
  int uses = 1;
  std::string ttl = "24h";
};
absl::StatusOr<v1::CreateEnrollmentTokenRequest> MakeTokenRequest(
    const TokenFlags& flags);

// `lock` and `unlock` flags. `message` and `duration` only apply to a lock;
// an empty `duration` keeps the lock until an unlock.
struct LockFlags {
  std::string target;
  bool all = false;
  std::string message;
  std::string duration;
};
absl::StatusOr<v1::SetLockRequest> MakeLockRequest(const LockFlags& flags,
                                                   bool locked);

// `message TARGET TEXT` flags. With --all the one positional word is the
// TEXT, so the parser fills `target` with it and leaves `text` empty: this
// function moves it where it belongs.
struct MessageFlags {
  std::string target;
  std::string text;
  bool all = false;
  std::string ttl = "15m";
};
absl::StatusOr<v1::SendMessageRequest> MakeMessageRequest(MessageFlags flags);

// A day flag: "2027-05-17" only (absl alone would also take "2027-5-17" or
// "2027-02-30", normalized to March 2). The error names `flag`.
absl::StatusOr<absl::CivilDay> ParseDayFlag(const std::string& text,
                                            const std::string& flag);
// The same day as the wire's Date.
v1::Date ToDate(absl::CivilDay day);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_REQUESTS_H_
