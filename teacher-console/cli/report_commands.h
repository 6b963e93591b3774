// `ardoise report devices|no-screen`: the usage reports (issue #5). The
// console builds them from daily aggregates; these commands ask and print
// them as a table (French by default, `--lang en` for English: the city and
// schools read them), as JSON (`-o json`, the response message) or as CSV
// (`-o csv`, one row per line with stable English snake_case headers, for
// spreadsheets and scripts).
//
//   ardoise report devices [--from DAY --to DAY] [--school S] [--by-kind]
//   ardoise report no-screen [--period NAME] [--school S] [--devices]
//                            [--svg FILE]
//
// Thread safety: like commands.h, one thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_REPORT_COMMANDS_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_REPORT_COMMANDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "ardoise/v1/console.pb.h"
#include "common/decide.h"
#include "teacher-console/cli/commands.h"

namespace ardoise::cli {

// `report` flags. Days are YYYY-MM-DD; `lang` is fr or en.
struct ReportFlags {
  std::string from;
  std::string to;
  std::string school;
  std::string period;
  bool by_kind = false;  // devices: only the school x kind view
  bool devices = false;  // no-screen: also each device and day
  std::string lang = "fr";
  std::string svg;  // no-screen: a heat map file
};

struct DevicesReportCommand {
  v1::DevicesReportRequest request;
  bool by_kind = false;
  Language language = Language::kFrench;
};
struct NoScreenReportCommand {
  v1::NoScreenReportRequest request;
  Language language = Language::kFrench;
  std::string svg;  // also write the heat map there; empty = no chart
};

// `today` is the local day the defaults count from: --to defaults to it,
// --from to six days before --to (a week).
absl::StatusOr<DevicesReportCommand> MakeDevicesReport(const ReportFlags& flags,
                                                       absl::CivilDay today);
absl::StatusOr<NoScreenReportCommand> MakeNoScreenReport(
    const ReportFlags& flags);

absl::Status DevicesReport(Session& session,
                           const DevicesReportCommand& command);
absl::Status NoScreenReport(Session& session,
                            const NoScreenReportCommand& command);

// Renderings (pure, tested).
std::string RenderDevicesReport(const v1::DevicesReportResponse& response,
                                bool by_kind, Language language);
std::string DevicesReportCsv(const v1::DevicesReportResponse& response,
                             bool by_kind);
std::string RenderNoScreenReport(const v1::NoScreenReportResponse& response,
                                 Language language);
std::string NoScreenReportCsv(const v1::NoScreenReportResponse& response);

// "fr" or "en" as `--lang` gives it; INVALID_ARGUMENT otherwise.
absl::StatusOr<Language> ParseLanguage(const std::string& lang);

// A CSV field (RFC 4180): quoted when it holds a comma, quote or newline.
std::string CsvField(const std::string& text);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_REPORT_COMMANDS_H_
