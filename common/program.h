// What every Ardoise program (console, agent, CLI, load generator) sets up
// first in main(), before any thread starts.
//
// Thread safety: call once, from main(), before starting threads.
#ifndef ARDOISE_COMMON_PROGRAM_H_
#define ARDOISE_COMMON_PROGRAM_H_

namespace ardoise {

// Ignores SIGPIPE (a peer closing a socket is not fatal) and turns off
// Abseil's lock-order checks: Debian builds Abseil with its debug checks,
// so every Mutex lock walked a lock-order graph — 7 % of the console's CPU
// at steady heartbeat, 18 % of the load generator's during a reconnect
// storm. Tests keep the checks.
void InitProgram();

}  // namespace ardoise

#endif  // ARDOISE_COMMON_PROGRAM_H_
