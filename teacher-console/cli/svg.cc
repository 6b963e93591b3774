#include "teacher-console/cli/svg.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "teacher-console/cli/week_report.h"

namespace ardoise::cli {
namespace {

bool French(Language language) { return language == Language::kFrench; }

// The document's opening: size, title, white background, heading.
std::string Open(int width, int height, const std::string& title) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"13\">\n<title>%s</title>\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>"
      "\n",
      width, height, XmlText(title), XmlText(title));
}

std::string Close(int y, const std::string& note) {
  return absl::StrFormat(
      "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>\n</svg>\n", y,
      XmlText(note));
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

// Red (0 %) to green (100 %).
std::string ComplianceColor(double percent) {
  const double p = std::clamp(percent, 0.0, 100.0) / 100.0;
  return absl::StrFormat("#%02x%02x%02x", static_cast<int>(200 * (1 - p)) + 40,
                         static_cast<int>(150 * p) + 60, 70);
}

std::string Day(const v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

}  // namespace

std::string XmlText(const std::string& text) {
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

std::string WeekReportSvg(const v1::WeekReportResponse& report,
                          Language language) {
  const bool fr = French(language);
  constexpr int kLabel = 200, kBars = 480, kRow = 28, kTop = 50;
  const int rows = report.classes_size();
  int64_t scale = 60;  // seconds at full width, at least a minute
  for (const v1::ClassWeek& row : report.classes()) {
    scale = std::max({scale, row.used_seconds(), row.target_seconds() * 3 / 2});
  }
  std::string out = Open(kLabel + kBars + 160, kTop + rows * kRow + 40,
                         absl::StrCat(fr ? "Demi-journée numérique — semaine "
                                         : "Weekly half-day — week ",
                                      report.week()));
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
        y + 14, XmlText(absl::StrCat(row.school(), " · ", ClassLabel(row))),
        kLabel, y, std::max(width, 1), FlagColor(row.flag()), target_x, y - 3,
        target_x, y + 21, kLabel + kBars + 8, y + 14, row.used_seconds() / 60,
        row.target_seconds() / 60, XmlText(FlagLabel(row.flag(), language)));
  }
  return out + Close(kTop + rows * kRow + 20,
                     fr ? "Trait noir : la demi-journée de la semaine (cible "
                          "au prorata des demi-journées d'école)."
                        : "Black line: the week's half-day (target prorated "
                          "to the school half-days).");
}

std::string NoScreenReportSvg(const v1::NoScreenReportResponse& report,
                              Language language) {
  const bool fr = French(language);
  std::vector<std::string> schools;
  std::vector<std::string> days;
  std::map<std::pair<std::string, std::string>, const v1::NoScreenSchoolDay*>
      cells;
  for (const v1::NoScreenSchoolDay& cell : report.schools()) {
    const std::string day = Day(cell.day());
    if (std::find(schools.begin(), schools.end(), cell.school()) ==
        schools.end()) {
      schools.push_back(cell.school());
    }
    if (std::find(days.begin(), days.end(), day) == days.end()) {
      days.push_back(day);
    }
    cells[{cell.school(), day}] = &cell;
  }
  std::sort(schools.begin(), schools.end());
  std::sort(days.begin(), days.end());
  constexpr int kLabel = 180, kCell = 96, kRow = 40, kTop = 70;
  const int width = kLabel + static_cast<int>(days.size()) * kCell + 20;
  const int height = kTop + static_cast<int>(schools.size()) * kRow + 50;
  std::string out =
      Open(std::max(width, 480), height,
           fr ? "Semaine sans écrans : conformité par école et par jour"
              : "No-screen week: compliance per school and day");
  for (size_t d = 0; d < days.size(); ++d) {
    absl::StrAppendFormat(&out, "<text x=\"%d\" y=\"%d\">%s</text>\n",
                          kLabel + static_cast<int>(d) * kCell + 6, kTop - 8,
                          days[d]);
  }
  for (size_t s = 0; s < schools.size(); ++s) {
    const int y = kTop + static_cast<int>(s) * kRow;
    absl::StrAppendFormat(&out, "<text x=\"10\" y=\"%d\">%s</text>\n", y + 24,
                          XmlText(schools[s]));
    for (size_t d = 0; d < days.size(); ++d) {
      const int x = kLabel + static_cast<int>(d) * kCell;
      auto it = cells.find({schools[s], days[d]});
      const bool known =
          it != cells.end() && it->second->devices() > it->second->unknown();
      const std::string color =
          known ? ComplianceColor(it->second->compliance_percent()) : "#bdc3c7";
      const std::string label =
          known ? absl::StrFormat("%.0f %%", it->second->compliance_percent())
                : (fr ? "inconnu" : "unknown");
      absl::StrAppendFormat(
          &out,
          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
          "stroke=\"white\"/>\n<text x=\"%d\" y=\"%d\" fill=\"white\" "
          "font-weight=\"bold\">%s</text>\n",
          x, y, kCell - 2, kRow - 2, color, x + 8, y + 24, XmlText(label));
    }
  }
  return out + Close(height - 18,
                     fr ? "Part des appareils éteints ou verrouillés et non "
                          "utilisés (exemptions à part) ; gris : aucun "
                          "rapport."
                        : "Share of devices off or locked and unused "
                          "(exemptions aside); grey: no report.");
}

}  // namespace ardoise::cli
