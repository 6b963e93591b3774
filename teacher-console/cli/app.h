// The `ardoise` command line (DESIGN.md, "Command-line surface"): the
// people's tool for the console, modeled on kubectl —
//
//   ardoise [--console HOST:PORT] [-o table|json] NOUN VERB ...
//
// This file wires the words to the commands: it parses them (CLI11), builds
// and checks the request (requests.h), opens the connection (connection.h)
// and runs one command (commands.h). Exit codes: 0 success; 1 the console
// refused or the call failed; 2 a usage error. Errors are one line on `err`,
// prefixed "ardoise: ".
//
// Thread safety: runs on the calling thread; nothing global is changed.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_APP_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_APP_H_

#include <ostream>

namespace ardoise::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Runs one command line. `env_console` is $ARDOISE_CONSOLE (null if unset).
int Main(int argc, const char* const* argv, const char* env_console,
         std::ostream& out, std::ostream& err);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_APP_H_
