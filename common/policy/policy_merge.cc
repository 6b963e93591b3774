#include "common/policy/policy_merge.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/decide.h"
#include "common/duration.h"
#include "common/school_time.h"

namespace ardoise {
namespace {

constexpr int64_t kDefaultWeeklyAllowanceSeconds = 3 * 3600;
constexpr int32_t kDefaultRetentionDays = 90;

v1::EffectivePolicy BuildDefaults() {
  v1::EffectivePolicy d;
  d.set_timezone(kDefaultTimeZone);
  const auto add_day = [&d](v1::Weekday day, bool afternoon) {
    v1::DayHours* hours = d.mutable_school_hours()->add_days();
    hours->set_day(day);
    v1::TimeRange* morning = hours->add_ranges();
    morning->set_start_minute(8 * 60 + 30);
    morning->set_end_minute(11 * 60 + 30);
    if (afternoon) {
      v1::TimeRange* r = hours->add_ranges();
      r->set_start_minute(13 * 60 + 30);
      r->set_end_minute(16 * 60 + 30);
    }
  };
  add_day(v1::WEEKDAY_MONDAY, true);
  add_day(v1::WEEKDAY_TUESDAY, true);
  add_day(v1::WEEKDAY_WEDNESDAY, false);
  add_day(v1::WEEKDAY_THURSDAY, true);
  add_day(v1::WEEKDAY_FRIDAY, true);
  v1::OutsideSessions* outside = d.mutable_outside_sessions();
  outside->set_tablet(v1::FREE_USE_LOCKED);
  outside->set_whiteboard(v1::FREE_USE_FREE);
  outside->set_pc(v1::FREE_USE_FREE);
  outside->set_daily_limit_seconds(0);
  d.set_weekly_allowance_seconds(kDefaultWeeklyAllowanceSeconds);
  d.set_retention_days(kDefaultRetentionDays);
  v1::LockMessages* m = d.mutable_messages();
  const Language fr = Language::kFrench;
  m->set_no_screen(DefaultLockMessage(v1::LOCK_REASON_NO_SCREEN, fr));
  m->set_downtime(DefaultLockMessage(v1::LOCK_REASON_DOWNTIME, fr));
  m->set_session_deadline(
      DefaultLockMessage(v1::LOCK_REASON_SESSION_DEADLINE, fr));
  m->set_manual(DefaultLockMessage(v1::LOCK_REASON_MANUAL, fr));
  m->set_step(DefaultLockMessage(v1::LOCK_REASON_STEP, fr));
  m->set_no_session(DefaultLockMessage(v1::LOCK_REASON_NO_SESSION, fr));
  return d;
}

// Built once, never changed: safe to share between threads.
const v1::EffectivePolicy& Defaults() {
  static const v1::EffectivePolicy* defaults =
      new v1::EffectivePolicy(BuildDefaults());
  return *defaults;
}

// The most specific layer for which `has` holds, or null.
template <typename Has>
const ParsedPolicy* Winner(const std::vector<const ParsedPolicy*>& layers,
                           Has has) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    if (*it != nullptr && has((*it)->policy)) return *it;
  }
  return nullptr;
}

// "file:line" of `path` in `layer`, or "default" when layer is null.
std::string SourceOf(const ParsedPolicy* layer, const std::string& path) {
  if (layer == nullptr) return "default";
  return absl::StrCat(layer->file, ":", layer->PosOf(path).line);
}

bool Covers(const v1::NoScreenPeriod& period, v1::DeviceKind kind) {
  return std::find(period.kinds().begin(), period.kinds().end(), kind) !=
         period.kinds().end();
}

absl::Status ErrorAt(const ParsedPolicy& file, const std::string& path,
                     const std::string& message) {
  return absl::InvalidArgumentError(
      absl::StrCat(file.Where(path), ": ", message));
}

bool SameDates(const v1::DateRange& a, const v1::DateRange& b) {
  return FormatDate(a.from()) == FormatDate(b.from()) &&
         FormatDate(a.to()) == FormatDate(b.to());
}

// Display width of UTF-8 text: code points, not bytes, so accents align.
size_t Width(const std::string& text) {
  size_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string FreeUseName(v1::FreeUse use) {
  switch (use) {
    case v1::FREE_USE_LOCKED:
      return "locked";
    case v1::FREE_USE_FREE:
      return "free";
    default:
      return "unspecified";
  }
}

std::string WeekdayName(v1::Weekday day) {
  static constexpr const char* kNames[] = {"unspecified", "monday",   "tuesday",
                                           "wednesday",   "thursday", "friday",
                                           "saturday",    "sunday"};
  const int i = static_cast<int>(day);
  return i >= 0 && i <= 7 ? kNames[i] : "unspecified";
}

std::string DateRangeText(const v1::DateRange& range) {
  return absl::StrCat("\"", range.name(), "\" ", FormatDate(range.from()), "..",
                      FormatDate(range.to()));
}

}  // namespace

absl::Status ValidatePolicySet(const std::vector<ParsedPolicy>& set) {
  // One file per scope.
  std::map<std::pair<int, std::string>, const ParsedPolicy*> scopes;
  for (const ParsedPolicy& file : set) {
    const v1::Scope& scope = file.policy.scope();
    auto [it, inserted] = scopes.emplace(
        std::make_pair(static_cast<int>(scope.level()), scope.name()), &file);
    if (!inserted) {
      return ErrorAt(file, "scope",
                     absl::StrCat("a second policy for ", ScopeLabel(scope),
                                  " (the first is ", it->second->Where("scope"),
                                  "; merge them into one file)"));
    }
  }
  // Same-named no-screen periods must agree on their dates.
  struct Defined {
    const ParsedPolicy* file;
    std::string path;
    const v1::NoScreenPeriod* period;
  };
  std::map<std::string, Defined> periods;
  for (const ParsedPolicy& file : set) {
    for (int i = 0; i < file.policy.no_screen_periods_size(); ++i) {
      const v1::NoScreenPeriod& period = file.policy.no_screen_periods(i);
      const std::string path = absl::StrCat("no_screen_periods[", i, "]");
      auto [it, inserted] =
          periods.emplace(period.range().name(), Defined{&file, path, &period});
      if (!inserted && !SameDates(it->second.period->range(), period.range())) {
        return ErrorAt(
            file, path,
            absl::StrCat("no-screen period \"", period.range().name(),
                         "\" has other dates than in ",
                         it->second.file->Where(it->second.path), " (",
                         DateRangeText(it->second.period->range()),
                         "; use the same dates or another name)"));
      }
    }
  }
  // Exemptions name periods that exist, and scopes they can apply to.
  for (const ParsedPolicy& file : set) {
    const v1::Scope& scope = file.policy.scope();
    for (int i = 0; i < file.policy.exemptions_size(); ++i) {
      const v1::Exemption& exemption = file.policy.exemptions(i);
      const std::string path = absl::StrCat("exemptions[", i, "]");
      if (!exemption.period().empty() &&
          periods.find(exemption.period()) == periods.end()) {
        std::vector<std::string> known;
        for (const auto& [name, defined] : periods) known.push_back(name);
        const std::string period_path = path + ".period";
        return ErrorAt(
            file, file.positions.count(period_path) ? period_path : path,
            absl::StrCat(
                "exemption names the no-screen period \"", exemption.period(),
                "\", which no policy file defines (",
                known.empty()
                    ? std::string("define it in no_screen_periods, or remove "
                                  "\"period\" to exempt from all periods")
                    : absl::StrCat("known periods: \"",
                                   absl::StrJoin(known, "\", \""), "\""),
                ")"));
      }
      if (scope.level() == v1::Scope::LEVEL_DEVICE &&
          !exemption.device().empty() && exemption.device() != scope.name()) {
        return ErrorAt(
            file, path,
            absl::StrCat("exemption names device \"", exemption.device(),
                         "\" in the policy of device \"", scope.name(),
                         "\", so it would never apply (move it to "
                         "that device's file or a wider scope)"));
      }
      if (scope.level() == v1::Scope::LEVEL_CLASS &&
          !exemption.class_name().empty() &&
          exemption.class_name() != scope.name()) {
        return ErrorAt(
            file, path,
            absl::StrCat("exemption names class \"", exemption.class_name(),
                         "\" in the policy of class \"", scope.name(),
                         "\", so it would never apply (move it to "
                         "that class's file or a wider scope)"));
      }
    }
  }
  return absl::OkStatus();
}

v1::EffectivePolicy Merge(
    const std::vector<const ParsedPolicy*>& layers_least_specific_first,
    v1::DeviceKind kind, const std::string& device_name,
    Provenance* provenance) {
  const auto& layers = layers_least_specific_first;
  const v1::EffectivePolicy& defaults = Defaults();
  v1::EffectivePolicy out;
  if (provenance != nullptr) provenance->source.clear();
  const auto note = [provenance](const char* field, const ParsedPolicy* layer,
                                 const char* path) {
    if (provenance != nullptr) {
      provenance->source[field] = SourceOf(layer, path);
    }
  };

  const ParsedPolicy* l =
      Winner(layers, [](const v1::Policy& p) { return p.has_timezone(); });
  out.set_timezone(l ? l->policy.timezone() : defaults.timezone());
  note("timezone", l, "timezone");

  l = Winner(layers, [](const v1::Policy& p) { return p.has_school_hours(); });
  *out.mutable_school_hours() =
      l ? l->policy.school_hours() : defaults.school_hours();
  note("school_hours", l, "school_hours");

  l = Winner(layers, [](const v1::Policy& p) { return p.has_holidays(); });
  if (l != nullptr) *out.mutable_holidays() = l->policy.holidays();
  note("holidays", l, "holidays");
  if (provenance != nullptr && l != nullptr) {
    for (int i = 0; i < out.holidays_size(); ++i) {
      const std::string path = absl::StrCat("holidays[", i, "]");
      provenance->source[path] = SourceOf(l, path);
    }
  }

  v1::OutsideSessions* outside = out.mutable_outside_sessions();
  const v1::OutsideSessions& default_outside = defaults.outside_sessions();
  l = Winner(layers,
             [](const v1::Policy& p) { return p.has_tablet_free_use(); });
  outside->set_tablet(l ? l->policy.tablet_free_use()
                        : default_outside.tablet());
  note("outside_sessions.tablet", l, "outside_sessions.tablet");
  l = Winner(layers,
             [](const v1::Policy& p) { return p.has_whiteboard_free_use(); });
  outside->set_whiteboard(l ? l->policy.whiteboard_free_use()
                            : default_outside.whiteboard());
  note("outside_sessions.whiteboard", l, "outside_sessions.whiteboard");
  l = Winner(layers, [](const v1::Policy& p) { return p.has_pc_free_use(); });
  outside->set_pc(l ? l->policy.pc_free_use() : default_outside.pc());
  note("outside_sessions.pc", l, "outside_sessions.pc");
  l = Winner(layers,
             [](const v1::Policy& p) { return p.has_daily_limit_seconds(); });
  outside->set_daily_limit_seconds(l ? l->policy.daily_limit_seconds()
                                     : default_outside.daily_limit_seconds());
  note("outside_sessions.daily_limit", l, "outside_sessions.daily_limit");

  l = Winner(layers, [](const v1::Policy& p) {
    return p.has_weekly_allowance_seconds();
  });
  out.set_weekly_allowance_seconds(l ? l->policy.weekly_allowance_seconds()
                                     : defaults.weekly_allowance_seconds());
  note("weekly_allowance", l, "weekly_allowance");

  // No-screen periods add up; one defined at two levels (same name, same
  // dates: ValidatePolicySet) counts once, from the least specific file.
  for (const ParsedPolicy* layer : layers) {
    if (layer == nullptr) continue;
    for (int i = 0; i < layer->policy.no_screen_periods_size(); ++i) {
      const v1::NoScreenPeriod& period = layer->policy.no_screen_periods(i);
      if (!Covers(period, kind)) continue;
      const bool seen = std::any_of(
          out.no_screen_periods().begin(), out.no_screen_periods().end(),
          [&period](const v1::NoScreenPeriod& p) {
            return p.range().name() == period.range().name();
          });
      if (seen) continue;
      if (provenance != nullptr) {
        provenance->source[absl::StrCat("no_screen_periods[",
                                        out.no_screen_periods_size(), "]")] =
            SourceOf(layer, absl::StrCat("no_screen_periods[", i, "]"));
      }
      *out.add_no_screen_periods() = period;
    }
  }

  for (const ParsedPolicy* layer : layers) {
    if (layer == nullptr) continue;
    for (int i = 0; i < layer->policy.exemptions_size(); ++i) {
      const v1::Exemption& exemption = layer->policy.exemptions(i);
      const bool applies =
          !exemption.class_name().empty() ||
          (!exemption.device().empty() && exemption.device() == device_name);
      if (!applies) continue;
      if (provenance != nullptr) {
        provenance
            ->source[absl::StrCat("exemptions[", out.exemptions_size(), "]")] =
            SourceOf(layer, absl::StrCat("exemptions[", i, "]"));
      }
      *out.add_exemptions() = exemption;
    }
  }

  // The lists that add up have no single source; "default" says none.
  if (out.no_screen_periods().empty()) note("no_screen_periods", nullptr, "");
  if (out.exemptions().empty()) note("exemptions", nullptr, "");

  l = Winner(layers, [](const v1::Policy& p) { return p.has_apps(); });
  if (l != nullptr) *out.mutable_apps() = l->policy.apps();
  note("apps", l, "apps");
  l = Winner(layers, [](const v1::Policy& p) { return p.has_urls(); });
  if (l != nullptr) *out.mutable_urls() = l->policy.urls();
  note("urls", l, "urls");

  // Each text on its own: a school may change one and keep the others.
  v1::LockMessages* messages = out.mutable_messages();
  const v1::LockMessages& default_messages = defaults.messages();
  struct Text {
    const char* field;
    const char* path;
    const std::string& (v1::LockMessages::*get)() const;
    std::string* (v1::LockMessages::*mutable_text)();
  };
  static constexpr Text kTexts[] = {
      {"messages.no_screen", "messages.no_screen", &v1::LockMessages::no_screen,
       &v1::LockMessages::mutable_no_screen},
      {"messages.downtime", "messages.downtime", &v1::LockMessages::downtime,
       &v1::LockMessages::mutable_downtime},
      {"messages.session_deadline", "messages.session_deadline",
       &v1::LockMessages::session_deadline,
       &v1::LockMessages::mutable_session_deadline},
      {"messages.manual", "messages.manual", &v1::LockMessages::manual,
       &v1::LockMessages::mutable_manual},
      {"messages.step", "messages.step", &v1::LockMessages::step,
       &v1::LockMessages::mutable_step},
      {"messages.no_session", "messages.no_session",
       &v1::LockMessages::no_session, &v1::LockMessages::mutable_no_session},
  };
  for (const Text& text : kTexts) {
    l = Winner(layers, [&text](const v1::Policy& p) {
      return p.has_messages() && !(p.messages().*text.get)().empty();
    });
    *(messages->*text.mutable_text)() =
        l ? (l->policy.messages().*text.get)() : (default_messages.*text.get)();
    note(text.field, l, text.path);
  }

  l = Winner(layers,
             [](const v1::Policy& p) { return p.has_retention_days(); });
  out.set_retention_days(l ? l->policy.retention_days()
                           : defaults.retention_days());
  note("retention", l, "retention");
  return out;
}

namespace {

// The file of one scope in `set`, or null: levels are compared first, so
// the scan touches names only at the right level.
const ParsedPolicy* FindScope(const std::vector<ParsedPolicy>& set,
                              v1::Scope::Level level, const std::string& name) {
  for (const ParsedPolicy& file : set) {
    const v1::Scope& scope = file.policy.scope();
    if (scope.level() == level && scope.name() == name) return &file;
  }
  return nullptr;
}

}  // namespace

v1::EffectivePolicy EffectiveFor(const std::vector<ParsedPolicy>& set,
                                 const DeviceScope& device,
                                 const std::string& class_name,
                                 Provenance* provenance) {
  std::vector<const ParsedPolicy*> layers;
  layers.reserve(5);
  layers.push_back(FindScope(set, v1::Scope::LEVEL_CITY, ""));
  if (!device.school.empty()) {
    layers.push_back(FindScope(set, v1::Scope::LEVEL_SCHOOL, device.school));
  }
  if (!device.pool.empty()) {
    layers.push_back(FindScope(set, v1::Scope::LEVEL_POOL, device.pool));
  }
  if (!device.device.empty()) {
    layers.push_back(FindScope(set, v1::Scope::LEVEL_DEVICE, device.device));
  }
  if (!class_name.empty()) {
    layers.push_back(FindScope(set, v1::Scope::LEVEL_CLASS, class_name));
  }
  return Merge(layers, device.kind, device.device, provenance);
}

PolicySetIndex::PolicySetIndex(const std::vector<ParsedPolicy>& set) {
  for (const ParsedPolicy& file : set) {
    const v1::Scope& scope = file.policy.scope();
    switch (scope.level()) {
      case v1::Scope::LEVEL_CITY:
        if (city_ == nullptr) city_ = &file;
        break;
      case v1::Scope::LEVEL_SCHOOL:
        schools_.emplace(scope.name(), &file);
        break;
      case v1::Scope::LEVEL_POOL:
        pools_.emplace(scope.name(), &file);
        break;
      case v1::Scope::LEVEL_DEVICE:
        devices_.emplace(scope.name(), &file);
        break;
      case v1::Scope::LEVEL_CLASS:
        classes_.emplace(scope.name(), &file);
        break;
      default:
        break;
    }
  }
}

std::vector<const ParsedPolicy*> PolicySetIndex::LayersFor(
    const DeviceScope& device, const std::string& class_name) const {
  std::vector<const ParsedPolicy*> layers;
  layers.reserve(5);
  if (city_ != nullptr) layers.push_back(city_);
  const auto add = [&layers](const ByName& by_name, const std::string& name) {
    if (name.empty()) return;
    auto it = by_name.find(name);
    if (it != by_name.end()) layers.push_back(it->second);
  };
  add(schools_, device.school);
  add(pools_, device.pool);
  add(devices_, device.device);
  add(classes_, class_name);
  return layers;
}

v1::EffectivePolicy EffectiveFor(const PolicySetIndex& index,
                                 const DeviceScope& device,
                                 const std::string& class_name,
                                 Provenance* provenance) {
  return Merge(index.LayersFor(device, class_name), device.kind, device.device,
               provenance);
}

std::string FormatExplain(const v1::EffectivePolicy& policy,
                          const Provenance& provenance) {
  struct Row {
    std::string field;
    std::string value;
    std::string source;
  };
  std::vector<Row> rows;
  const auto source = [&provenance](const std::string& field) {
    auto it = provenance.source.find(field);
    return it == provenance.source.end() ? std::string("?") : it->second;
  };
  const auto add = [&](const std::string& field, std::string value,
                       const std::string& source_field) {
    rows.push_back(Row{field, std::move(value), source(source_field)});
  };

  add("timezone", policy.timezone(), "timezone");
  for (int d = v1::WEEKDAY_MONDAY; d <= v1::WEEKDAY_SUNDAY; ++d) {
    std::vector<std::string> ranges;
    for (const v1::DayHours& day : policy.school_hours().days()) {
      if (day.day() != d) continue;
      for (const v1::TimeRange& r : day.ranges()) {
        ranges.push_back(FormatTimeRange(r));
      }
    }
    add(absl::StrCat("school_hours.", WeekdayName(static_cast<v1::Weekday>(d))),
        ranges.empty() ? "none" : absl::StrJoin(ranges, ", "), "school_hours");
  }
  if (policy.holidays().empty()) {
    add("holidays", "none", "holidays");
  }
  for (int i = 0; i < policy.holidays_size(); ++i) {
    const std::string field = absl::StrCat("holidays[", i, "]");
    add(field, DateRangeText(policy.holidays(i)),
        provenance.source.count(field) ? field : "holidays");
  }
  const v1::OutsideSessions& outside = policy.outside_sessions();
  add("outside_sessions.tablet", FreeUseName(outside.tablet()),
      "outside_sessions.tablet");
  add("outside_sessions.whiteboard", FreeUseName(outside.whiteboard()),
      "outside_sessions.whiteboard");
  add("outside_sessions.pc", FreeUseName(outside.pc()), "outside_sessions.pc");
  add("outside_sessions.daily_limit",
      outside.daily_limit_seconds() == 0
          ? std::string("0s (no limit)")
          : ardoise::FormatDuration(
                absl::Seconds(outside.daily_limit_seconds())),
      "outside_sessions.daily_limit");
  add("weekly_allowance",
      ardoise::FormatDuration(absl::Seconds(policy.weekly_allowance_seconds())),
      "weekly_allowance");
  if (policy.no_screen_periods().empty()) {
    add("no_screen_periods", "none", "no_screen_periods");
  }
  for (int i = 0; i < policy.no_screen_periods_size(); ++i) {
    const v1::NoScreenPeriod& period = policy.no_screen_periods(i);
    std::vector<std::string> kinds;
    for (int k : period.kinds()) {
      kinds.push_back(DeviceKindName(static_cast<v1::DeviceKind>(k)));
    }
    const std::string field = absl::StrCat("no_screen_periods[", i, "]");
    add(field,
        absl::StrCat(DateRangeText(period.range()), " (",
                     absl::StrJoin(kinds, ", "), ")"),
        field);
  }
  if (policy.exemptions().empty()) {
    add("exemptions", "none", "exemptions");
  }
  for (int i = 0; i < policy.exemptions_size(); ++i) {
    const v1::Exemption& e = policy.exemptions(i);
    const std::string field = absl::StrCat("exemptions[", i, "]");
    add(field,
        absl::StrCat(e.device().empty() ? "class " + e.class_name()
                                        : "device " + e.device(),
                     ", ",
                     e.period().empty() ? std::string("all periods")
                                        : "\"" + e.period() + "\"",
                     ": ", e.reason()),
        field);
  }
  add("apps",
      policy.apps().empty() ? "none" : absl::StrJoin(policy.apps(), ", "),
      "apps");
  add("urls",
      policy.urls().empty() ? "none" : absl::StrJoin(policy.urls(), ", "),
      "urls");
  const v1::LockMessages& m = policy.messages();
  for (const auto& [field, text] :
       std::vector<std::pair<std::string, std::string>>{
           {"messages.no_screen", m.no_screen()},
           {"messages.downtime", m.downtime()},
           {"messages.session_deadline", m.session_deadline()},
           {"messages.manual", m.manual()},
           {"messages.step", m.step()},
           {"messages.no_session", m.no_session()}}) {
    add(field, absl::StrCat("\"", text, "\""), field);
  }
  add("retention", absl::StrCat(policy.retention_days(), " days"), "retention");

  size_t field_width = 5, value_width = 5;  // the headers
  for (const Row& row : rows) {
    field_width = std::max(field_width, Width(row.field));
    value_width = std::max(value_width, Width(row.value));
  }
  std::string out =
      absl::StrCat("FIELD", std::string(field_width - 3, ' '), "VALUE",
                   std::string(value_width - 3, ' '), "SOURCE\n");
  for (const Row& row : rows) {
    absl::StrAppend(
        &out, row.field, std::string(field_width - Width(row.field) + 2, ' '),
        row.value, std::string(value_width - Width(row.value) + 2, ' '),
        row.source, "\n");
  }
  return out;
}

}  // namespace ardoise
