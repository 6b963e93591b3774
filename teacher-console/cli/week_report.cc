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

namespace ardoise::cli {
namespace {

bool French(Language language) { return language == Language::kFrench; }

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

std::string FlagWord(v1::ClassWeek::Flag flag) {
  return ShortEnumName(v1::ClassWeek::Flag_Name(flag), "FLAG_");
}

std::string ClassLabel(const v1::ClassWeek& row) {
  return row.group().empty() ? row.class_name()
                             : absl::StrCat(row.class_name(), "/", row.group());
}

std::string Csv(const std::string& cell) {
  if (cell.find_first_of(",\"\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* FlagColor(v1::ClassWeek::Flag flag) {
  switch (flag) {
    case v1::ClassWeek::FLAG_ON_TARGET:
      return "#2e8b57";
    case v1::ClassWeek::FLAG_UNDER:
      return "#c0392b";
    case v1::ClassWeek::FLAG_OVER:
      return "#e67e22";
    default:
      return "#7f8c8d";
  }
}

}  // namespace

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
  if (flags.lang == "fr") {
    command.language = Language::kFrench;
  } else if (flags.lang == "en") {
    command.language = Language::kEnglish;
  } else {
    return absl::InvalidArgumentError("--lang: use fr or en");
  }
  command.svg = flags.svg;
  return command;
}

absl::Status RunWeekReport(Session& session, const WeekReportCommand& command) {
  v1::WeekReportResponse report;
  ARDOISE_RETURN_IF_ERROR(Call(session, &v1::Console::StubInterface::WeekReport,
                               command.request, &report));
  if (!command.svg.empty()) {
    ARDOISE_RETURN_IF_ERROR(WriteFileAtomically(
        command.svg, RenderWeekSvg(report, command.language)));
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
            {Csv(report.week()), Csv(row.school()), Csv(row.class_name()),
             Csv(row.group()), absl::StrCat(row.used_seconds() / 60),
             absl::StrCat(row.target_seconds() / 60),
             absl::StrCat(row.percent()), absl::StrCat(row.half_days()),
             absl::StrCat(row.normal_half_days()), absl::StrCat(row.sessions()),
             absl::StrCat(row.overrides()), FlagWord(row.flag())},
            ","),
        "\n");
  }
  return out;
}

std::string RenderWeekSvg(const v1::WeekReportResponse& report,
                          Language language) {
  const bool fr = French(language);
  constexpr int kLabel = 200, kBars = 480, kRow = 28, kTop = 50;
  const int rows = report.classes_size();
  const int height = kTop + rows * kRow + 40;
  int64_t scale = 60;  // seconds at full width, at least a minute
  for (const v1::ClassWeek& row : report.classes()) {
    scale = std::max({scale, row.used_seconds(), row.target_seconds() * 3 / 2});
  }
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"13\">\n"
      "<title>%s</title>\n<rect width=\"100%%\" height=\"100%%\" "
      "fill=\"white\"/>\n<text x=\"10\" y=\"24\" font-size=\"16\" "
      "font-weight=\"bold\">%s</text>\n",
      kLabel + kBars + 140, height,
      Xml(absl::StrCat(fr ? "Demi-journée numérique " : "Weekly half-day ",
                       report.week())),
      Xml(absl::StrCat(
          fr ? "Demi-journée numérique — semaine " : "Weekly half-day — week ",
          report.week())));
  for (int i = 0; i < rows; ++i) {
    const v1::ClassWeek& row = report.classes(i);
    const int y = kTop + i * kRow;
    const int width = static_cast<int>(row.used_seconds() * kBars / scale);
    const int target_x =
        kLabel + static_cast<int>(row.target_seconds() * kBars / scale);
    absl::StrAppendFormat(
        &out,
        "<text x=\"10\" y=\"%d\">%s</text>\n"
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>\n"
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\" "
        "stroke-width=\"2\"/>\n"
        "<text x=\"%d\" y=\"%d\">%d / %d min · %s</text>\n",
        y + 14, Xml(absl::StrCat(row.school(), " · ", ClassLabel(row))), kLabel,
        y, std::max(width, 1), FlagColor(row.flag()), target_x, y - 3, target_x,
        y + 21, kLabel + kBars + 8, y + 14, row.used_seconds() / 60,
        row.target_seconds() / 60, Xml(FlagLabel(row.flag(), language)));
  }
  absl::StrAppendFormat(
      &out, "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>\n</svg>\n",
      kTop + rows * kRow + 20,
      Xml(fr ? "Trait noir : la demi-journée de la semaine (cible au prorata "
               "des demi-journées d'école)."
             : "Black line: the week's half-day (target prorated to the "
               "school half-days)."));
  return out;
}

}  // namespace ardoise::cli
