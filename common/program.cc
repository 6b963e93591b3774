#include "common/program.h"

#include <signal.h>

#include "absl/synchronization/mutex.h"

namespace ardoise {

void InitProgram() {
  signal(SIGPIPE, SIG_IGN);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace ardoise
