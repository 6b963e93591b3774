#include "teacher-console/server/usage_reports.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/school_time.h"
#include "common/status_macros.h"

namespace ardoise {
namespace {

constexpr int64_t kMsPerMinute = 60 * 1000;

absl::StatusOr<absl::CivilDay> DayOf(const v1::Date& date,
                                     const std::string& what) {
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.year() < 2000 || date.year() > 2199 || day.year() != date.year() ||
      day.month() != date.month() || day.day() != date.day()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad ", what, " date: give a real day (YYYY-MM-DD)"));
  }
  return day;
}

v1::Date DateOf(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::CivilDay ParseDay(const std::string& text) {
  absl::CivilDay day;
  (void)absl::ParseCivilTime(text, &day);
  return day;
}

double Compliance(int compliant, int known) {
  if (known <= 0) return -1;
  return 100.0 * compliant / known;
}

// The school zones of the school model (Europe/Paris for the others).
class Zones {
 public:
  explicit Zones(Database& db) {
    auto rows = db.Prepare("SELECT name, timezone FROM schools");
    if (rows.ok()) {
      for (;;) {
        auto row = rows->Step();
        if (!row.ok() || !*row) break;
        auto zone = LoadSchoolTimeZone(rows->ColumnText(1));
        if (zone.ok()) zones_[rows->ColumnText(0)] = *zone;
      }
    }
    auto paris = LoadSchoolTimeZone(kDefaultTimeZone);
    fallback_ = paris.ok() ? *paris : absl::UTCTimeZone();
  }
  absl::TimeZone For(const std::string& school) const {
    auto it = zones_.find(school);
    return it == zones_.end() ? fallback_ : it->second;
  }

 private:
  absl::flat_hash_map<std::string, absl::TimeZone> zones_;
  absl::TimeZone fallback_;
};

}  // namespace

std::string NoScreenStatusText(v1::NoScreenStatus status, Language language) {
  const bool fr = language == Language::kFrench;
  switch (status) {
    case v1::NO_SCREEN_STATUS_OFF:
      return fr ? "éteint" : "off";
    case v1::NO_SCREEN_STATUS_LOCKED_UNUSED:
      return fr ? "verrouillé, non utilisé" : "locked, unused";
    case v1::NO_SCREEN_STATUS_USED:
      return fr ? "utilisé" : "used";
    case v1::NO_SCREEN_STATUS_EXEMPT:
      return fr ? "dérogation" : "exempt";
    case v1::NO_SCREEN_STATUS_UNKNOWN:
    default:
      return fr ? "inconnu" : "unknown";
  }
}

absl::StatusOr<v1::DevicesReportResponse> BuildDevicesReport(
    Database& db, const std::vector<ReportDevice>& devices,
    const v1::DevicesReportRequest& request) {
  ARDOISE_ASSIGN_OR_RETURN(absl::CivilDay from,
                           DayOf(request.from(), "first (--from)"));
  ARDOISE_ASSIGN_OR_RETURN(absl::CivilDay to,
                           DayOf(request.to(), "last (--to)"));
  if (to < from) {
    return absl::InvalidArgumentError(
        "the last day is before the first: swap --from and --to");
  }
  if (to - from > 366) {
    return absl::InvalidArgumentError(
        "report at most 366 days at once: narrow --from/--to");
  }
  absl::flat_hash_map<std::string, const ReportDevice*> by_id;
  std::map<std::pair<std::string, v1::DeviceKind>, int> in_service;
  for (const ReportDevice& d : devices) {
    if (!request.school().empty() && d.school != request.school()) continue;
    by_id[d.id] = &d;
    ++in_service[{d.school, d.kind}];
  }
  v1::DevicesReportResponse response;
  std::map<std::tuple<std::string, v1::DeviceKind, std::string>, int> used_by;
  ARDOISE_ASSIGN_OR_RETURN(
      Statement rows,
      db.Prepare("SELECT day, device_id, on_ms, used_ms FROM "
                 "usage_device_days WHERE day BETWEEN ? AND ?"));
  rows.Bind(1, absl::FormatCivilTime(from)).Bind(2, absl::FormatCivilTime(to));
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    auto it = by_id.find(rows.ColumnText(1));
    if (it == by_id.end()) continue;
    const ReportDevice& d = *it->second;
    const std::string day = rows.ColumnText(0);
    v1::DeviceDayUsage* out = response.add_devices();
    out->set_device_id(d.id);
    out->set_device(d.name);
    out->set_school(d.school);
    out->set_pool(d.pool);
    out->set_kind(d.kind);
    *out->mutable_day() = DateOf(ParseDay(day));
    out->set_on_minutes(rows.ColumnInt64(2) / kMsPerMinute);
    out->set_used_minutes(rows.ColumnInt64(3) / kMsPerMinute);
    if (rows.ColumnInt64(3) > 0) ++used_by[{d.school, d.kind, day}];
  }
  auto key = [](const v1::DeviceDayUsage& u) {
    return std::make_tuple(u.school(), u.device(), u.day().year(),
                           u.day().month(), u.day().day());
  };
  std::sort(response.mutable_devices()->begin(),
            response.mutable_devices()->end(),
            [&](const auto& a, const auto& b) { return key(a) < key(b); });

  ARDOISE_ASSIGN_OR_RETURN(
      Statement pools,
      db.Prepare("SELECT school, kind, day, SUM(on_ms), SUM(used_ms) FROM "
                 "usage_pool_days WHERE day BETWEEN ?1 AND ?2 AND (?3 = '' OR "
                 "school = ?3) GROUP BY school, kind, day ORDER BY school, "
                 "kind, day"));
  pools.Bind(1, absl::FormatCivilTime(from))
      .Bind(2, absl::FormatCivilTime(to))
      .Bind(3, request.school());
  for (;;) {
    ARDOISE_ASSIGN_OR_RETURN(bool row, pools.Step());
    if (!row) break;
    v1::SchoolKindDayUsage* out = response.add_schools();
    out->set_school(pools.ColumnText(0));
    out->set_kind(static_cast<v1::DeviceKind>(pools.ColumnInt64(1)));
    const std::string day = pools.ColumnText(2);
    *out->mutable_day() = DateOf(ParseDay(day));
    out->set_on_minutes(pools.ColumnInt64(3) / kMsPerMinute);
    out->set_used_minutes(pools.ColumnInt64(4) / kMsPerMinute);
    auto served = in_service.find({out->school(), out->kind()});
    out->set_devices(served == in_service.end() ? 0 : served->second);
    auto used = used_by.find({out->school(), out->kind(), day});
    out->set_devices_used(used == used_by.end() ? 0 : used->second);
  }
  return response;
}

absl::StatusOr<v1::NoScreenReportResponse> BuildNoScreenReport(
    Database& db, const std::vector<ReportDevice>& devices,
    const v1::NoScreenReportRequest& request) {
  const Language language = request.language() == v1::REPORT_LANGUAGE_ENGLISH
                                ? Language::kEnglish
                                : Language::kFrench;
  // Which device is covered on which day, by which period.
  struct Covered {
    const ReportDevice* device;
    const std::string* period;
    absl::CivilDay day;
  };
  std::vector<Covered> covered;
  std::map<std::string, v1::DateRange> periods;  // by name
  std::set<std::string> known_names;
  absl::CivilDay first_day = absl::CivilDay::max();
  absl::CivilDay last_day = absl::CivilDay::min();
  for (const ReportDevice& d : devices) {
    if (!request.school().empty() && d.school != request.school()) continue;
    for (const v1::NoScreenPeriod& p : d.policy.no_screen_periods()) {
      known_names.insert(p.range().name());
      if (!request.period().empty() && p.range().name() != request.period()) {
        continue;
      }
      if (std::find(p.kinds().begin(), p.kinds().end(), d.kind) ==
          p.kinds().end()) {
        continue;
      }
      auto from = DayOf(p.range().from(), "period");
      auto to = DayOf(p.range().to(), "period");
      if (!from.ok() || !to.ok()) continue;
      auto [it, added] = periods.emplace(p.range().name(), p.range());
      for (absl::CivilDay day = *from; day <= *to; ++day) {
        covered.push_back({&d, &it->first, day});
      }
      first_day = std::min(first_day, *from);
      last_day = std::max(last_day, *to);
    }
  }
  if (known_names.empty()) {
    return absl::FailedPreconditionError(
        "no no-screen period in the policies: add one (no_screen_periods) "
        "and `ardoise policy apply` it");
  }
  if (!request.period().empty() && !known_names.count(request.period())) {
    return absl::NotFoundError(
        absl::StrCat("no no-screen period named \"", request.period(),
                     "\" (known: ", absl::StrJoin(known_names, ", "), ")"));
  }

  struct DayUse {
    int64_t on_ms = 0;
    int64_t used_ms = 0;
    int64_t exempt_ms = 0;
    std::vector<std::pair<std::string, int64_t>> reasons;
  };
  absl::flat_hash_map<std::string, DayUse> use;  // device_id + "|" + day
  struct Span {
    int64_t first_ms = INT64_MAX;
    int64_t last_ms = 0;
  };
  absl::flat_hash_map<std::string, Span> spans;  // by device
  if (!covered.empty()) {
    const std::string from = absl::FormatCivilTime(first_day);
    const std::string to = absl::FormatCivilTime(last_day);
    ARDOISE_ASSIGN_OR_RETURN(
        Statement rows,
        db.Prepare("SELECT day, device_id, on_ms, used_ms, exempt_ms FROM "
                   "usage_device_days WHERE day BETWEEN ? AND ?"));
    rows.Bind(1, from).Bind(2, to);
    for (;;) {
      ARDOISE_ASSIGN_OR_RETURN(bool row, rows.Step());
      if (!row) break;
      DayUse& u =
          use[absl::StrCat(rows.ColumnText(1), "|", rows.ColumnText(0))];
      u.on_ms = rows.ColumnInt64(2);
      u.used_ms = rows.ColumnInt64(3);
      u.exempt_ms = rows.ColumnInt64(4);
    }
    ARDOISE_ASSIGN_OR_RETURN(
        Statement reasons,
        db.Prepare("SELECT day, device_id, reason, used_ms FROM "
                   "usage_exemption_days WHERE day BETWEEN ? AND ? ORDER BY "
                   "day, device_id, reason"));
    reasons.Bind(1, from).Bind(2, to);
    for (;;) {
      ARDOISE_ASSIGN_OR_RETURN(bool row, reasons.Step());
      if (!row) break;
      use[absl::StrCat(reasons.ColumnText(1), "|", reasons.ColumnText(0))]
          .reasons.emplace_back(reasons.ColumnText(2), reasons.ColumnInt64(3));
    }
    ARDOISE_ASSIGN_OR_RETURN(
        Statement streams,
        db.Prepare("SELECT device_id, MIN(first_ms), MAX(last_ms) FROM "
                   "usage_streams GROUP BY device_id"));
    for (;;) {
      ARDOISE_ASSIGN_OR_RETURN(bool row, streams.Step());
      if (!row) break;
      spans[streams.ColumnText(0)] = {streams.ColumnInt64(1),
                                      streams.ColumnInt64(2)};
    }
  }

  const Zones zones(db);
  struct SchoolDay {
    v1::NoScreenSchoolDay row;
  };
  std::map<std::tuple<std::string, absl::CivilDay, std::string>,
           v1::NoScreenSchoolDay>
      schools;
  std::map<std::tuple<std::string, absl::CivilDay, std::string>,
           v1::ExemptionUse>
      exemptions;
  v1::NoScreenReportResponse response;
  int total_known = 0;
  int total_compliant = 0;
  for (const Covered& c : covered) {
    const ReportDevice& d = *c.device;
    const std::string day_text = absl::FormatCivilTime(c.day);
    v1::NoScreenStatus status = v1::NO_SCREEN_STATUS_UNKNOWN;
    int64_t used_ms = 0;
    std::string reason;
    auto u = use.find(absl::StrCat(d.id, "|", day_text));
    if (u != use.end() && u->second.used_ms > u->second.exempt_ms) {
      status = v1::NO_SCREEN_STATUS_USED;
      used_ms = u->second.used_ms;
    } else if (u != use.end() && u->second.exempt_ms > 0) {
      status = v1::NO_SCREEN_STATUS_EXEMPT;
      used_ms = u->second.exempt_ms;
    } else if (u != use.end() && u->second.on_ms > 0) {
      status = v1::NO_SCREEN_STATUS_LOCKED_UNUSED;
    } else {
      // Nothing recorded for the day: off if the device reported from
      // before the day's end until after it, else unknown.
      const absl::TimeZone zone = zones.For(d.school);
      const int64_t day_end =
          absl::ToUnixMillis(zone.At(absl::CivilSecond(c.day + 1)).pre);
      auto span = spans.find(d.id);
      if (span != spans.end() && span->second.first_ms < day_end &&
          span->second.last_ms >= day_end) {
        status = v1::NO_SCREEN_STATUS_OFF;
      }
    }
    v1::NoScreenSchoolDay& s = schools[{d.school, c.day, *c.period}];
    if (s.school().empty()) {
      s.set_school(d.school);
      s.set_period(*c.period);
      *s.mutable_day() = DateOf(c.day);
    }
    s.set_devices(s.devices() + 1);
    switch (status) {
      case v1::NO_SCREEN_STATUS_OFF:
        s.set_off(s.off() + 1);
        break;
      case v1::NO_SCREEN_STATUS_LOCKED_UNUSED:
        s.set_locked_unused(s.locked_unused() + 1);
        break;
      case v1::NO_SCREEN_STATUS_USED:
        s.set_used(s.used() + 1);
        s.set_used_minutes(s.used_minutes() + used_ms / kMsPerMinute);
        break;
      case v1::NO_SCREEN_STATUS_EXEMPT:
        s.set_exempt(s.exempt() + 1);
        s.set_exempt_minutes(s.exempt_minutes() + used_ms / kMsPerMinute);
        break;
      default:
        s.set_unknown(s.unknown() + 1);
    }
    if (u != use.end()) {
      for (const auto& [why, ms] : u->second.reasons) {
        v1::ExemptionUse& e = exemptions[{d.school, c.day, why}];
        if (e.school().empty()) {
          e.set_school(d.school);
          *e.mutable_day() = DateOf(c.day);
          e.set_reason(why);
        }
        e.set_devices(e.devices() + 1);
        e.set_minutes(e.minutes() + ms / kMsPerMinute);
        if (reason.empty()) reason = why;
      }
    }
    if (request.include_devices()) {
      v1::NoScreenDeviceDay* row = response.add_devices();
      row->set_device(d.name);
      row->set_school(d.school);
      row->set_pool(d.pool);
      *row->mutable_day() = DateOf(c.day);
      row->set_status(status);
      row->set_used_minutes(used_ms / kMsPerMinute);
      if (status == v1::NO_SCREEN_STATUS_EXEMPT) {
        row->set_exemption_reason(reason);
      }
      row->set_status_text(NoScreenStatusText(status, language));
    }
  }
  for (auto& [key, s] : schools) {
    const int known = s.devices() - s.unknown();
    const int compliant = s.off() + s.locked_unused() + s.exempt();
    s.set_compliance_percent(Compliance(compliant, known));
    total_known += known;
    total_compliant += compliant;
    *response.add_schools() = std::move(s);
  }
  for (auto& [key, e] : exemptions) *response.add_exemptions() = std::move(e);
  std::vector<v1::DateRange> ordered;
  for (const auto& [name, range] : periods) ordered.push_back(range);
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.from().year(), a.from().month(), a.from().day(),
                           a.name()) <
           std::make_tuple(b.from().year(), b.from().month(), b.from().day(),
                           b.name());
  });
  for (v1::DateRange& range : ordered) *response.add_periods() = range;
  response.set_compliance_percent(Compliance(total_compliant, total_known));
  if (request.include_devices()) {
    auto key = [](const v1::NoScreenDeviceDay& r) {
      return std::make_tuple(r.school(), r.device(), r.day().year(),
                             r.day().month(), r.day().day());
    };
    std::sort(response.mutable_devices()->begin(),
              response.mutable_devices()->end(),
              [&](const auto& a, const auto& b) { return key(a) < key(b); });
  }
  return response;
}

}  // namespace ardoise
