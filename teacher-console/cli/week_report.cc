#include "teacher-console/cli/week_report.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/school_time.h"
#include "common/status_macros.h"
#include "teacher-console/cli/format.h"
#include "teacher-console/cli/report_commands.h"
#include "teacher-console/cli/svg.h"

namespace ardoise::cli {
namespace {

bool French(Language language) { return language == Language::kFrench; }

}  // namespace

std::string FlagLabel(v1::ClassWeek::Flag flag, Language language) {
  const bool fr = French(language);
  switch (flag) {
    case v1::ClassWeek::FLAG_ON_TARGET:
      return fr ? "conforme" : "on target";
    case v1::ClassWeek::FLAG_UNDER:
      return fr ? "sous-servie" : "under-served";
    case v1::ClassWeek::FLAG_OVER:
      return fr ? "au-delà" : "over-served";
    case v1::ClassWeek::FLAG_IN_PROGRESS:
      return fr ? "en cours" : "in progress";
    default:
      return "?";
  }
}

namespace {

std::string FlagWord(v1::ClassWeek::Flag flag) {
  return ShortEnumName(v1::ClassWeek::Flag_Name(flag), "FLAG_");
}

}  // namespace

std::string ClassLabel(const v1::ClassWeek& row) {
  return row.group().empty() ? row.class_name()
                             : absl::StrCat(row.class_name(), "/", row.group());
}

absl::StatusOr<WeekReportCommand> MakeWeekReport(const WeekReportFlags& flags) {
  WeekReportCommand command;
  if (!flags.week.empty()) {
    auto week = ParseIsoWeek(flags.week);
    if (!week.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--week: ", week.status().message(), " (e.g. 2026-W48)"));
    }
  }
  command.request.set_week(flags.week);
  command.request.set_school(flags.school);
  command.request.set_class_name(flags.class_name);
  ARDOISE_ASSIGN_OR_RETURN(command.language, ParseLanguage(flags.lang));
  command.svg = flags.svg;
  return command;
}

absl::Status RunWeekReport(Session& session, const WeekReportCommand& command) {
  v1::WeekReportResponse report;
  ARDOISE_RETURN_IF_ERROR(Call(session, &v1::Console::StubInterface::WeekReport,
                               command.request, &report));
  if (!command.svg.empty()) {
    ARDOISE_RETURN_IF_ERROR(WriteFileAtomically(
        command.svg, WeekReportSvg(report, command.language)));
  }
  if (session.format == OutputFormat::kCsv) {
    *session.out << RenderWeekCsv(report);
    session.out->flush();
    return absl::OkStatus();
  }
  return Print(session, report,
               [&] { return RenderWeekTable(report, command.language); });
}

std::string RenderWeekTable(const v1::WeekReportResponse& report,
                            Language language) {
  const bool fr = French(language);
  std::string out = absl::StrCat(
      fr ? "Demi-journée numérique, semaine " : "Weekly half-day, week ",
      report.week(),
      report.week_over() ? "" : (fr ? " (en cours)" : " (not over yet)"),
      "\n\n");
  if (report.classes().empty()) {
    absl::StrAppend(&out, fr ? "Aucune classe.\n" : "No class.\n");
    return out;
  }
  Table table(fr ? std::vector<std::string>{"ÉCOLE", "CLASSE", "MINUTES",
                                            "CIBLE", "%", "DEMI-JOURNÉES",
                                            "SÉANCES", "DÉROGATIONS", "ÉTAT"}
                 : std::vector<std::string>{"SCHOOL", "CLASS", "MINUTES",
                                            "TARGET", "%", "HALF-DAYS",
                                            "SESSIONS", "OVERRIDES", "FLAG"});
  for (const v1::ClassWeek& row : report.classes()) {
    table.AddRow(
        {row.school(), ClassLabel(row), absl::StrCat(row.used_seconds() / 60),
         absl::StrCat(row.target_seconds() / 60), absl::StrCat(row.percent()),
         absl::StrCat(row.half_days(), "/", row.normal_half_days()),
         absl::StrCat(row.sessions()),
         row.overrides() == 0
             ? "-"
             : absl::StrCat(row.overrides(), " (",
                            absl::StrJoin(row.override_reasons(), "; "), ")"),
         FlagLabel(row.flag(), language)});
  }
  absl::StrAppend(&out, table.Render());
  return out;
}

std::string RenderWeekCsv(const v1::WeekReportResponse& report) {
  std::string out =
      "week,school,class,group,minutes,target_minutes,percent,half_days,"
      "normal_half_days,sessions,overrides,flag\n";
  for (const v1::ClassWeek& row : report.classes()) {
    absl::StrAppend(
        &out,
        absl::StrJoin(
            {CsvField(report.week()), CsvField(row.school()),
             CsvField(row.class_name()), CsvField(row.group()),
             absl::StrCat(row.used_seconds() / 60),
             absl::StrCat(row.target_seconds() / 60),
             absl::StrCat(row.percent()), absl::StrCat(row.half_days()),
             absl::StrCat(row.normal_half_days()), absl::StrCat(row.sessions()),
             absl::StrCat(row.overrides()), FlagWord(row.flag())},
            ","),
        "\n");
  }
  return out;
}

}  // namespace ardoise::cli
