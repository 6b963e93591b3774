// A tiny logger to stderr, because Debian's Abseil has no absl/log.
//
//   ARDOISE_LOG(INFO) << "enrolled " << name;
//   ARDOISE_LOG(FATAL) << "cannot happen";   // logs, then aborts
//
// Levels: INFO, WARNING, ERROR, FATAL. Each message becomes one line:
//
//   2026-11-25T21:04:18.123Z I agent tablet-1 agent.cc:42] text
//
// (UTC time with milliseconds, level letter, the optional program prefix,
// source basename:line). systemd's journal adds its own time stamp, but the
// demo and tests read raw stderr, and UTC keeps lines from the console and
// the agents comparable.
//
// Thread safety: logging is safe from any thread. Each line goes out in a
// single write() so lines from concurrent threads never interleave.
// SetLogPrefix() is not synchronized: call it once in main() before starting
// threads.

#ifndef ARDOISE_COMMON_LOGGING_H_
#define ARDOISE_COMMON_LOGGING_H_

#include <sstream>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace ardoise {

enum class LogSeverity { kInfo, kWarning, kError, kFatal };

// Sets the program tag printed after the level letter, e.g. "agent tablet-1".
// Call once in main() before any thread starts; empty means no tag.
void SetLogPrefix(std::string prefix);

namespace log_internal {

// Builds one log line, newline included. Exposed for tests.
std::string FormatLogLine(absl::Time time, LogSeverity severity,
                          std::string_view file, int line,
                          std::string_view prefix, std::string_view message);

// One message being built; its destructor writes the line.
class LogMessage {
 public:
  LogMessage(const char* file, int line, LogSeverity severity);
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  ~LogMessage();

  std::ostream& stream() { return stream_; }

 protected:
  void Flush();

 private:
  const char* file_;
  int line_;
  LogSeverity severity_;
  std::ostringstream stream_;
};

// A separate type so the compiler knows FATAL does not return (no "missing
// return" warnings after ARDOISE_LOG(FATAL)).
class LogMessageFatal : public LogMessage {
 public:
  LogMessageFatal(const char* file, int line);
  [[noreturn]] ~LogMessageFatal();
};

}  // namespace log_internal
}  // namespace ardoise

#define ARDOISE_LOG_INTERNAL_INFO                         \
  ::ardoise::log_internal::LogMessage(__FILE__, __LINE__, \
                                      ::ardoise::LogSeverity::kInfo)
#define ARDOISE_LOG_INTERNAL_WARNING                      \
  ::ardoise::log_internal::LogMessage(__FILE__, __LINE__, \
                                      ::ardoise::LogSeverity::kWarning)
#define ARDOISE_LOG_INTERNAL_ERROR                        \
  ::ardoise::log_internal::LogMessage(__FILE__, __LINE__, \
                                      ::ardoise::LogSeverity::kError)
#define ARDOISE_LOG_INTERNAL_FATAL \
  ::ardoise::log_internal::LogMessageFatal(__FILE__, __LINE__)

#define ARDOISE_LOG(level) ARDOISE_LOG_INTERNAL_##level.stream()

#endif  // ARDOISE_COMMON_LOGGING_H_
