// Self-contained SVG charts for the reports (`--svg FILE`): plain text the
// CLI writes itself, so no data leaves for a chart service. Each chart has a
// <title>, white background and fixed fonts; it opens in any browser.
//
// Thread safety: pure functions.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_SVG_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_SVG_H_

#include <string>

#include "ardoise/v1/console.pb.h"
#include "common/decide.h"

namespace ardoise::cli {

// `text` with &, <, > and " escaped for XML text and attribute values.
std::string XmlText(const std::string& text);

// The weekly half-day: one bar per class (or group), coloured by its flag,
// beside a black tick at its target.
std::string WeekReportSvg(const v1::WeekReportResponse& report,
                          Language language);

// The no-screen week as a heat map: a row per school, a column per day, each
// cell coloured by its compliance (green 100 % to red 0 %, grey when no
// device reported) with the figure written in it.
std::string NoScreenReportSvg(const v1::NoScreenReportResponse& report,
                              Language language);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_SVG_H_
