#include "common/stop_signals.h"

#include <pthread.h>

namespace ardoise {

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

int StopSignals::Wait() {
  int received = 0;
  while (sigwait(&signals_, &received) != 0) {
  }
  return received;
}

}  // namespace ardoise
