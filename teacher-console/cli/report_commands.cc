#include "teacher-console/cli/report_commands.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/policy/policy_parse.h"
#include "common/status_macros.h"
#include "teacher-console/cli/format.h"
#include "teacher-console/cli/requests.h"
#include "teacher-console/cli/svg.h"

namespace ardoise::cli {
namespace {

// Words of the tables, French first.
struct Words {
  explicit Words(Language language) : fr(language == Language::kFrench) {}
  std::string operator()(const char* french, const char* english) const {
    return fr ? french : english;
  }
  bool fr;
};

std::string KindWord(v1::DeviceKind kind, Language language) {
  const Words w(language);
  switch (kind) {
    case v1::DEVICE_KIND_TABLET:
      return w("tablette", "tablet");
    case v1::DEVICE_KIND_WHITEBOARD:
      return w("TBI", "whiteboard");
    case v1::DEVICE_KIND_PC:
      return "PC";
    default:
      return w("inconnu", "unknown");
  }
}

std::string Percent(double value, Language language) {
  if (value < 0) return "-";
  std::string text = absl::StrFormat("%.1f %%", value);
  if (language == Language::kFrench) {
    for (char& c : text) {
      if (c == '.') c = ',';
    }
  }
  return text;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    absl::StrAppend(&line, i == 0 ? "" : ",", CsvField(fields[i]));
  }
  return line + "\n";
}

}  // namespace

absl::StatusOr<Language> ParseLanguage(const std::string& lang) {
  if (lang == "fr") return Language::kFrench;
  if (lang == "en") return Language::kEnglish;
  return absl::InvalidArgumentError(
      absl::StrCat("bad --lang \"", lang, "\": use fr or en"));
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

absl::StatusOr<DevicesReportCommand> MakeDevicesReport(const ReportFlags& flags,
                                                       absl::CivilDay today) {
  DevicesReportCommand command;
  ARDOISE_ASSIGN_OR_RETURN(command.language, ParseLanguage(flags.lang));
  absl::CivilDay to = today;
  if (!flags.to.empty()) {
    ARDOISE_ASSIGN_OR_RETURN(to, ParseDayFlag(flags.to, "--to"));
  }
  absl::CivilDay from = to - 6;
  if (!flags.from.empty()) {
    ARDOISE_ASSIGN_OR_RETURN(from, ParseDayFlag(flags.from, "--from"));
  }
  if (to < from) {
    return absl::InvalidArgumentError(
        "--to is before --from: give the first day first");
  }
  *command.request.mutable_from() = ToDate(from);
  *command.request.mutable_to() = ToDate(to);
  command.request.set_school(flags.school);
  command.by_kind = flags.by_kind;
  return command;
}

absl::StatusOr<NoScreenReportCommand> MakeNoScreenReport(
    const ReportFlags& flags) {
  NoScreenReportCommand command;
  ARDOISE_ASSIGN_OR_RETURN(command.language, ParseLanguage(flags.lang));
  command.request.set_period(flags.period);
  command.request.set_school(flags.school);
  command.request.set_include_devices(flags.devices);
  command.svg = flags.svg;
  command.request.set_language(command.language == Language::kEnglish
                                   ? v1::REPORT_LANGUAGE_ENGLISH
                                   : v1::REPORT_LANGUAGE_UNSPECIFIED);
  return command;
}

absl::Status DevicesReport(Session& session,
                           const DevicesReportCommand& command) {
  v1::DevicesReportResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(session,
                               &v1::Console::StubInterface::DevicesReport,
                               command.request, &response));
  if (session.format == OutputFormat::kCsv) {
    *session.out << DevicesReportCsv(response, command.by_kind);
    session.out->flush();
    return absl::OkStatus();
  }
  return Print(session, response, [&] {
    return RenderDevicesReport(response, command.by_kind, command.language);
  });
}

absl::Status NoScreenReport(Session& session,
                            const NoScreenReportCommand& command) {
  v1::NoScreenReportResponse response;
  ARDOISE_RETURN_IF_ERROR(Call(session,
                               &v1::Console::StubInterface::NoScreenReport,
                               command.request, &response));
  if (!command.svg.empty()) {
    ARDOISE_RETURN_IF_ERROR(WriteFileAtomically(
        command.svg, NoScreenReportSvg(response, command.language)));
  }
  if (session.format == OutputFormat::kCsv) {
    *session.out << NoScreenReportCsv(response);
    session.out->flush();
    return absl::OkStatus();
  }
  return Print(session, response, [&] {
    return RenderNoScreenReport(response, command.language);
  });
}

std::string RenderDevicesReport(const v1::DevicesReportResponse& response,
                                bool by_kind, Language language) {
  const Words w(language);
  if (response.schools().empty() && response.devices().empty()) {
    return w("Aucune utilisation enregistrée sur ces jours.\n",
             "No usage recorded on these days.\n");
  }
  std::string out;
  Table schools({w("ÉCOLE", "SCHOOL"), w("TYPE", "KIND"), w("JOUR", "DAY"),
                 w("APPAREILS", "DEVICES"), w("UTILISÉS", "USED"),
                 w("MINUTES D'UTILISATION", "MINUTES USED"),
                 w("MINUTES ALLUMÉS", "MINUTES ON")});
  for (const v1::SchoolKindDayUsage& s : response.schools()) {
    schools.AddRow(
        {s.school(), KindWord(s.kind(), language), FormatDate(s.day()),
         absl::StrCat(s.devices()), absl::StrCat(s.devices_used()),
         absl::StrCat(s.used_minutes()), absl::StrCat(s.on_minutes())});
  }
  out = schools.Render();
  if (by_kind || response.devices().empty()) return out;
  Table devices({w("APPAREIL", "DEVICE"), w("ÉCOLE", "SCHOOL"),
                 w("GROUPE D'APPAREILS", "POOL"), w("TYPE", "KIND"),
                 w("JOUR", "DAY"), w("MINUTES D'UTILISATION", "MINUTES USED"),
                 w("MINUTES ALLUMÉ", "MINUTES ON")});
  for (const v1::DeviceDayUsage& d : response.devices()) {
    devices.AddRow({d.device(), d.school(), d.pool().empty() ? "-" : d.pool(),
                    KindWord(d.kind(), language), FormatDate(d.day()),
                    absl::StrCat(d.used_minutes()),
                    absl::StrCat(d.on_minutes())});
  }
  absl::StrAppend(&out, "\n", devices.Render());
  return out;
}

std::string DevicesReportCsv(const v1::DevicesReportResponse& response,
                             bool by_kind) {
  std::string out;
  if (by_kind) {
    out = CsvRow({"school", "kind", "day", "devices", "devices_used",
                  "used_minutes", "on_minutes"});
    for (const v1::SchoolKindDayUsage& s : response.schools()) {
      out += CsvRow({s.school(), KindName(s.kind()), FormatDate(s.day()),
                     absl::StrCat(s.devices()), absl::StrCat(s.devices_used()),
                     absl::StrCat(s.used_minutes()),
                     absl::StrCat(s.on_minutes())});
    }
    return out;
  }
  out = CsvRow({"device", "device_id", "school", "pool", "kind", "day",
                "used_minutes", "on_minutes"});
  for (const v1::DeviceDayUsage& d : response.devices()) {
    out +=
        CsvRow({d.device(), d.device_id(), d.school(), d.pool(),
                KindName(d.kind()), FormatDate(d.day()),
                absl::StrCat(d.used_minutes()), absl::StrCat(d.on_minutes())});
  }
  return out;
}

std::string RenderNoScreenReport(const v1::NoScreenReportResponse& response,
                                 Language language) {
  const Words w(language);
  std::string out;
  for (const v1::DateRange& p : response.periods()) {
    absl::StrAppend(&out, w("Période « ", "Period \""), p.name(),
                    w(" » du ", "\" from "), FormatDate(p.from()),
                    w(" au ", " to "), FormatDate(p.to()), "\n");
  }
  if (response.schools().empty()) {
    absl::StrAppend(&out,
                    w("Aucun appareil concerné.\n", "No device is covered.\n"));
    return out;
  }
  Table schools({w("ÉCOLE", "SCHOOL"), w("JOUR", "DAY"),
                 w("APPAREILS", "DEVICES"), w("ÉTEINTS", "OFF"),
                 w("VERROUILLÉS NON UTILISÉS", "LOCKED UNUSED"),
                 w("UTILISÉS (MIN)", "USED (MIN)"),
                 w("DÉROGATIONS (MIN)", "EXEMPT (MIN)"),
                 w("INCONNUS", "UNKNOWN"), w("CONFORMITÉ", "COMPLIANCE")});
  for (const v1::NoScreenSchoolDay& s : response.schools()) {
    schools.AddRow({s.school(), FormatDate(s.day()), absl::StrCat(s.devices()),
                    absl::StrCat(s.off()), absl::StrCat(s.locked_unused()),
                    absl::StrCat(s.used(), " (", s.used_minutes(), ")"),
                    absl::StrCat(s.exempt(), " (", s.exempt_minutes(), ")"),
                    absl::StrCat(s.unknown()),
                    Percent(s.compliance_percent(), language)});
  }
  absl::StrAppend(&out, "\n", schools.Render());
  if (!response.exemptions().empty()) {
    Table exemptions({w("ÉCOLE", "SCHOOL"), w("JOUR", "DAY"),
                      w("MOTIF", "REASON"), w("APPAREILS", "DEVICES"),
                      w("MINUTES", "MINUTES")});
    for (const v1::ExemptionUse& e : response.exemptions()) {
      exemptions.AddRow({e.school(), FormatDate(e.day()), e.reason(),
                         absl::StrCat(e.devices()), absl::StrCat(e.minutes())});
    }
    absl::StrAppend(&out, "\n",
                    w("Dérogations utilisées :\n", "Exemptions used:\n"),
                    exemptions.Render());
  }
  if (!response.devices().empty()) {
    Table devices({w("APPAREIL", "DEVICE"), w("ÉCOLE", "SCHOOL"),
                   w("JOUR", "DAY"), w("ÉTAT", "STATUS"),
                   w("MINUTES", "MINUTES"), w("MOTIF", "REASON")});
    for (const v1::NoScreenDeviceDay& d : response.devices()) {
      devices.AddRow(
          {d.device(), d.school(), FormatDate(d.day()), d.status_text(),
           absl::StrCat(d.used_minutes()),
           d.exemption_reason().empty() ? "-" : d.exemption_reason()});
    }
    absl::StrAppend(&out, "\n", devices.Render());
  }
  absl::StrAppend(
      &out, "\n", w("Conformité globale : ", "Overall compliance: "),
      Percent(response.compliance_percent(), language),
      w(" (appareils éteints, verrouillés non utilisés ou en dérogation, "
        "parmi ceux dont l'état est connu ; « inconnu » n'est pas zéro)\n",
        " (devices off, locked and unused, or exempt, among those whose "
        "status is known; \"unknown\" is not zero)\n"));
  return out;
}

std::string NoScreenReportCsv(const v1::NoScreenReportResponse& response) {
  if (!response.devices().empty()) {
    std::string out = CsvRow({"device", "school", "pool", "day", "status",
                              "used_minutes", "exemption_reason"});
    for (const v1::NoScreenDeviceDay& d : response.devices()) {
      out += CsvRow({d.device(), d.school(), d.pool(), FormatDate(d.day()),
                     ShortEnumName(v1::NoScreenStatus_Name(d.status()),
                                   "NO_SCREEN_STATUS_"),
                     absl::StrCat(d.used_minutes()), d.exemption_reason()});
    }
    return out;
  }
  std::string out = CsvRow({"school", "period", "day", "devices", "off",
                            "locked_unused", "used", "used_minutes", "exempt",
                            "exempt_minutes", "unknown", "compliance_percent"});
  for (const v1::NoScreenSchoolDay& s : response.schools()) {
    out += CsvRow({s.school(), s.period(), FormatDate(s.day()),
                   absl::StrCat(s.devices()), absl::StrCat(s.off()),
                   absl::StrCat(s.locked_unused()), absl::StrCat(s.used()),
                   absl::StrCat(s.used_minutes()), absl::StrCat(s.exempt()),
                   absl::StrCat(s.exempt_minutes()), absl::StrCat(s.unknown()),
                   s.compliance_percent() < 0
                       ? std::string()
                       : absl::StrFormat("%.1f", s.compliance_percent())});
  }
  return out;
}

}  // namespace ardoise::cli
