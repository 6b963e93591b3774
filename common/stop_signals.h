// The one shutdown path of our programs (osquery's model): SIGINT and SIGTERM
// are blocked in every thread, and the main thread waits for one of them,
// then asks the service to stop and waits for it.
//
// Thread safety: construct in main() before starting any thread (threads
// inherit the blocked mask); Wait() from the main thread.
#ifndef ARDOISE_COMMON_STOP_SIGNALS_H_
#define ARDOISE_COMMON_STOP_SIGNALS_H_

#include <signal.h>

namespace ardoise {

class StopSignals final {
 public:
  StopSignals();  // blocks SIGINT and SIGTERM in the calling thread
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // Waits for SIGINT or SIGTERM; returns its number.
  int Wait();

 private:
  sigset_t signals_;
};

}  // namespace ardoise

#endif  // ARDOISE_COMMON_STOP_SIGNALS_H_
