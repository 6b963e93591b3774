#include "common/logging.h"

#include <errno.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/absl_compat.h"

namespace ardoise {
namespace {

// Written once before threads start (see SetLogPrefix), then only read.
std::string& Prefix() {
  static std::string* const prefix = new std::string;
  return *prefix;
}

char SeverityLetter(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return 'I';
    case LogSeverity::kWarning:
      return 'W';
    case LogSeverity::kError:
      return 'E';
    case LogSeverity::kFatal:
      return 'F';
  }
  return '?';
}

// Logging must not fail loudly: a closed stderr loses the line, nothing more.
void WriteAll(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void SetLogPrefix(std::string prefix) { Prefix() = std::move(prefix); }

namespace log_internal {

std::string FormatLogLine(absl::Time time, LogSeverity severity,
                          std::string_view file, int line,
                          std::string_view prefix, std::string_view message) {
  std::string_view base = file;
  size_t slash = base.rfind('/');
  if (slash != std::string_view::npos) base.remove_prefix(slash + 1);
  std::string out =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  absl::StrAppend(&out, " ", std::string(1, SeverityLetter(severity)), " ");
  if (!prefix.empty()) absl::StrAppend(&out, AsAbsl(prefix), " ");
  absl::StrAppend(&out, AsAbsl(base), ":", line, "] ", AsAbsl(message));
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

LogMessage::LogMessage(const char* file, int line, LogSeverity severity)
    : file_(file), line_(line), severity_(severity) {}

LogMessage::~LogMessage() { Flush(); }

void LogMessage::Flush() {
  if (file_ == nullptr) return;
  WriteAll(FormatLogLine(absl::Now(), severity_, file_, line_, Prefix(),
                         stream_.str()));
  file_ = nullptr;
}

LogMessageFatal::LogMessageFatal(const char* file, int line)
    : LogMessage(file, line, LogSeverity::kFatal) {}

LogMessageFatal::~LogMessageFatal() {
  Flush();
  std::abort();
}

}  // namespace log_internal
}  // namespace ardoise
