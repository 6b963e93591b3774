#include "common/logging.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

absl::Time T() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 25, 21, 4, 18),
                         absl::UTCTimeZone()) +
         absl::Milliseconds(123);
}

TEST(LoggingTest, LineFormat) {
  EXPECT_EQ(
      log_internal::FormatLogLine(T(), LogSeverity::kInfo,
                                  "/work/main/agent/agent.cc", 42, "", "text"),
      "2026-11-25T21:04:18.123Z I agent.cc:42] text\n");
}

TEST(LoggingTest, PrefixAndLevels) {
  EXPECT_EQ(log_internal::FormatLogLine(T(), LogSeverity::kWarning, "a.cc", 1,
                                        "agent tablet-1", "x"),
            "2026-11-25T21:04:18.123Z W agent tablet-1 a.cc:1] x\n");
  EXPECT_EQ(log_internal::FormatLogLine(T(), LogSeverity::kError, "a.cc", 7, "",
                                        "y\n"),
            "2026-11-25T21:04:18.123Z E a.cc:7] y\n");  // no double newline
  EXPECT_EQ(
      log_internal::FormatLogLine(T(), LogSeverity::kFatal, "a.cc", 7, "", "")
          .substr(24, 3),
      " F ");
}

TEST(LoggingTest, LogsWithoutCrashing) {
  testing::internal::CaptureStderr();
  ARDOISE_LOG(INFO) << "hello " << 42;
  ARDOISE_LOG(WARNING) << "careful";
  ARDOISE_LOG(ERROR) << "oops";
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find(" I logging_test.cc:"), std::string::npos) << out;
  EXPECT_NE(out.find("] hello 42\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" W logging_test.cc:"), std::string::npos) << out;
  EXPECT_NE(out.find(" E logging_test.cc:"), std::string::npos) << out;
}

TEST(LoggingDeathTest, FatalAborts) {
  EXPECT_DEATH({ ARDOISE_LOG(FATAL) << "cannot go on"; },
               "F logging_test.cc:[0-9]+\\] cannot go on");
}

}  // namespace
}  // namespace ardoise
