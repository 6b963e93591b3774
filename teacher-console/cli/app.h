// The `ardoise` command line (DESIGN.md, "Command-line surface"): the
// people's tool for the console, modeled on kubectl —
//
//   ardoise [--console HOST:PORT] [--ca FILE] [-o table|json] NOUN VERB ...
//
// This file wires the words to the commands: it parses them (CLI11), builds
// and checks the request (requests.h), opens the connection (connection.h),
// trusting the console's CA from --ca, $ARDOISE_CA or the user's config
// folder (`ardoise trust` puts it there, trust.h), and runs one command
// (commands.h) with the login token saved by `ardoise login` (account
// commands, account_commands.h). Exit codes: 0 success; 1 the console
// refused or the call failed; 2 a usage error. Errors are one line on `err`,
// prefixed "ardoise: ".
//
// Thread safety: runs on the calling thread; nothing global is changed.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_APP_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_APP_H_

#include <istream>
#include <ostream>

namespace ardoise::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// What the command line reads from its surroundings; null when unset.
struct Environment {
  const char* console = nullptr;      // $ARDOISE_CONSOLE
  const char* ca = nullptr;           // $ARDOISE_CA
  const char* config_home = nullptr;  // $XDG_CONFIG_HOME
  const char* home = nullptr;         // $HOME
  const char* token_file = nullptr;   // $ARDOISE_TOKEN_FILE
  const char* password = nullptr;     // $ARDOISE_PASSWORD (login)
  std::istream* in = nullptr;         // answers to questions (stdin)
};

// Runs one command line.
int Main(int argc, const char* const* argv, const Environment& env,
         std::ostream& out, std::ostream& err);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_APP_H_
