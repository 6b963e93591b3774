// `ardoise report week`: the weekly half-day per class against its
// prorated target, for the city and the schools (DESIGN.md, "The weekly
// half-day"). As a table (French by default, `--lang en`), `-o json`,
// `-o csv` (stable English column names for spreadsheets) and, with
// `--svg FILE`, a self-contained chart: one bar per class beside its
// half-day line. No data leaves for a chart service.
//
// Thread safety: pure functions, plus the command (one thread).
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_WEEK_REPORT_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_WEEK_REPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "ardoise/v1/console.pb.h"
#include "common/decide.h"
#include "teacher-console/cli/commands.h"

namespace ardoise::cli {

struct WeekReportFlags {
  std::string week;        // "2026-W48"; empty = this week
  std::string school;      // empty = all
  std::string class_name;  // --class: empty = all (teachers name theirs)
  std::string lang = "fr";
  std::string svg;  // chart file; empty = none
};

struct WeekReportCommand {
  v1::WeekReportRequest request;
  Language language = Language::kFrench;
  std::string svg;
};
// Checks the flags (a malformed week or language is a usage error).
absl::StatusOr<WeekReportCommand> MakeWeekReport(const WeekReportFlags& flags);

absl::Status RunWeekReport(Session& session, const WeekReportCommand& command);

// The renderings (pure, tested).
std::string RenderWeekTable(const v1::WeekReportResponse& report,
                            Language language);
std::string RenderWeekCsv(const v1::WeekReportResponse& report);
// "conforme" / "on target", ... as the table and the chart print a flag.
std::string FlagLabel(v1::ClassWeek::Flag flag, Language language);
// "cm1-b" or "cm1-b/A".
std::string ClassLabel(const v1::ClassWeek& row);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_WEEK_REPORT_H_
