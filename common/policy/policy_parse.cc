#include "common/policy/policy_parse.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/absl_compat.h"
#include "common/duration.h"
#include "common/files.h"
#include "common/school_time.h"
#include "common/status_macros.h"
#include "common/yaml/strict_yaml.h"
#include "yaml-cpp/yaml.h"

namespace ardoise {
namespace {

constexpr int64_t kMaxDailyLimitSeconds = 24 * 3600;
constexpr int64_t kMaxWeeklyAllowanceSeconds = 7 * 24 * 3600;
constexpr int kMaxRetentionDays = 3650;
constexpr size_t kMaxMessageBytes = 1000;
constexpr size_t kMaxNameBytes = 200;

// The keys allowed at each level. Order is the order of "allowed keys" hints.
const std::vector<std::string_view>& TopKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"scope",
                                        "timezone",
                                        "school_hours",
                                        "holidays",
                                        "outside_sessions",
                                        "weekly_allowance",
                                        "no_screen_periods",
                                        "exemptions",
                                        "apps",
                                        "urls",
                                        "messages",
                                        "retention"};
  return *keys;
}
const std::vector<std::string_view>& ScopeKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"school", "pool", "device", "class"};
  return *keys;
}
const std::vector<std::string_view>& WeekdayKeys() {
  static const auto* keys = new std::vector<std::string_view>{
      "monday", "tuesday",  "wednesday", "thursday",
      "friday", "saturday", "sunday"};
  return *keys;
}
const std::vector<std::string_view>& OutsideKeys() {
  static const auto* keys = new std::vector<std::string_view>{
      "tablet", "whiteboard", "pc", "daily_limit"};
  return *keys;
}
const std::vector<std::string_view>& HolidayKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"name", "from", "to"};
  return *keys;
}
const std::vector<std::string_view>& PeriodKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"name", "from", "to", "kinds"};
  return *keys;
}
const std::vector<std::string_view>& ExemptionKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"device", "class", "period", "reason"};
  return *keys;
}
const std::vector<std::string_view>& MessageKeys() {
  static const auto* keys = new std::vector<std::string_view>{
      "no_screen", "downtime", "session_deadline",
      "manual",    "step",     "no_session"};
  return *keys;
}
const std::vector<std::string_view>& KindNames() {
  static const auto* keys =
      new std::vector<std::string_view>{"tablet", "whiteboard", "pc"};
  return *keys;
}
const std::vector<std::string_view>& FreeUseNames() {
  static const auto* keys = new std::vector<std::string_view>{"locked", "free"};
  return *keys;
}

using yaml::Entry;
using yaml::Item;
using yaml::PosOf;
using yaml::PosString;
using yaml::Quote;
using yaml::SuggestHint;
using yaml::TypeName;

bool Before(SourcePos a, SourcePos b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

struct DatedItem {
  absl::CivilDay from;
  absl::CivilDay to;
  SourcePos pos;
  std::string name;
};

// Parses one document into a ParsedPolicy; every method returns the first
// error found, already formatted with the file and position.
class Parser final : private yaml::Reader {
 public:
  Parser(const std::string& file, ParsedPolicy* out)
      : yaml::Reader(file, &out->positions), out_(out) {}
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  absl::Status ParseDocument(const YAML::Node& root);

 private:
  using yaml::Reader::Error;
  using yaml::Reader::ListItems;

  // The entries of a map node, recording each key's position under
  // `path.key`; refuses other node types, non-scalar, unknown and duplicated
  // keys. `noun` names the keys in messages ("key", "weekday").
  absl::StatusOr<std::vector<Entry>> MapEntries(
      const YAML::Node& node, SourcePos pos, const std::string& path,
      std::string_view what, const std::vector<std::string_view>& allowed,
      std::string_view noun = "key");

  absl::StatusOr<std::string> Text(const YAML::Node& node, SourcePos pos,
                                   std::string_view what,
                                   std::string_view example);
  // A non-empty single-line name (of a scope, a holiday, a device...).
  absl::StatusOr<std::string> Name(const YAML::Node& node, SourcePos pos,
                                   std::string_view what,
                                   std::string_view example);
  // One of `allowed`; otherwise "unknown WHAT "x" CONTEXT (did you mean
  // ...)".
  absl::StatusOr<std::string> Word(
      const YAML::Node& node, SourcePos pos, std::string_view what,
      std::string_view context, const std::vector<std::string_view>& allowed);
  absl::StatusOr<int64_t> DurationSeconds(const Entry& entry,
                                          int64_t max_seconds);
  absl::StatusOr<absl::CivilDay> Date(const YAML::Node& node, SourcePos pos,
                                      std::string_view what);
  // The `from`/`to`/`name` (+ `kinds`) of a holiday or no-screen period.
  absl::StatusOr<DatedItem> DateRange(const Item& item, std::string_view what,
                                      const std::vector<std::string_view>& keys,
                                      std::string_view example,
                                      v1::DateRange* out,
                                      std::vector<Entry>* entries);

  absl::Status ParseScope(const Entry& entry);
  absl::Status ParseTimeZone(const Entry& entry);
  absl::Status ParseSchoolHours(const Entry& entry);
  absl::Status ParseHolidays(const Entry& entry);
  absl::Status ParseOutsideSessions(const Entry& entry);
  absl::Status ParseNoScreenPeriods(const Entry& entry);
  absl::Status ParseExemptions(const Entry& entry);
  absl::Status ParseApps(const Entry& entry);
  absl::Status ParseUrls(const Entry& entry);
  absl::Status ParseMessages(const Entry& entry);
  absl::Status ParseRetention(const Entry& entry);

  ParsedPolicy* out_;
};

absl::StatusOr<std::vector<Entry>> Parser::MapEntries(
    const YAML::Node& node, SourcePos pos, const std::string& path,
    std::string_view what, const std::vector<std::string_view>& allowed,
    std::string_view noun) {
  const std::string write = absl::StrCat(AsAbsl(allowed.front()),
                                         ": ... on the next lines, indented");
  return yaml::Reader::MapEntries(node, pos, path, {what, write, noun},
                                  allowed);
}

absl::StatusOr<std::string> Parser::Text(const YAML::Node& node, SourcePos pos,
                                         std::string_view what,
                                         std::string_view example) {
  return Scalar(node, pos, what, example);
}

absl::StatusOr<std::string> Parser::Name(const YAML::Node& node, SourcePos pos,
                                         std::string_view what,
                                         std::string_view example) {
  ARDOISE_ASSIGN_OR_RETURN(std::string name, Text(node, pos, what, example));
  if (name.find_first_not_of(" \t") == std::string::npos) {
    return Error(pos, absl::StrCat("empty ", AsAbsl(what), " (e.g. ",
                                   AsAbsl(example), ")"));
  }
  if (name.size() > kMaxNameBytes) {
    return Error(pos, absl::StrCat(AsAbsl(what), " is longer than ",
                                   kMaxNameBytes, " bytes (shorten it)"));
  }
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Error(pos, absl::StrCat(AsAbsl(what), " ", Quote(name),
                                     " contains a control character (use one "
                                     "line of plain text)"));
    }
  }
  return name;
}

absl::StatusOr<std::string> Parser::Word(
    const YAML::Node& node, SourcePos pos, std::string_view what,
    std::string_view context, const std::vector<std::string_view>& allowed) {
  std::vector<std::string> names(allowed.begin(), allowed.end());
  ARDOISE_ASSIGN_OR_RETURN(std::string word,
                           Text(node, pos, what, absl::StrJoin(names, " or ")));
  if (std::find(allowed.begin(), allowed.end(), word) == allowed.end()) {
    return Error(pos, absl::StrCat("unknown ", AsAbsl(what), " ", Quote(word),
                                   context.empty() ? "" : " ", AsAbsl(context),
                                   SuggestHint(word, allowed)));
  }
  return word;
}

absl::StatusOr<int64_t> Parser::DurationSeconds(const Entry& entry,
                                                int64_t max_seconds) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::string text,
      Text(entry.value, entry.value_pos, Quote(entry.key), "\"1h30\""));
  absl::StatusOr<absl::Duration> duration = ardoise::ParseDuration(text);
  if (!duration.ok()) {
    return Error(entry.value_pos, absl::StrCat(Quote(entry.key), ": ",
                                               duration.status().message()));
  }
  const int64_t seconds = absl::ToInt64Seconds(*duration);
  if (seconds > max_seconds) {
    return Error(
        entry.value_pos,
        absl::StrCat(Quote(entry.key), " of ", Quote(text), " is longer than ",
                     ardoise::FormatDuration(absl::Seconds(max_seconds)),
                     " (use at most that)"));
  }
  return seconds;
}

bool ParseDigits(std::string_view text, int* value) {
  if (text.empty()) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

absl::StatusOr<absl::CivilDay> Parser::Date(const YAML::Node& node,
                                            SourcePos pos,
                                            std::string_view what) {
  ARDOISE_ASSIGN_OR_RETURN(std::string text,
                           Text(node, pos, what, "2027-05-17"));
  int year = 0, month = 0, day = 0;
  const bool shaped =
      text.size() == 10 && text[4] == '-' && text[7] == '-' &&
      ParseDigits(std::string_view(text).substr(0, 4), &year) &&
      ParseDigits(std::string_view(text).substr(5, 2), &month) &&
      ParseDigits(std::string_view(text).substr(8, 2), &day);
  if (!shaped) {
    return Error(pos,
                 absl::StrCat("bad date ", Quote(text), " for ", AsAbsl(what),
                              " (write YYYY-MM-DD, e.g. 2027-05-17)"));
  }
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return Error(pos,
                 absl::StrCat("bad date ", Quote(text), " for ", AsAbsl(what),
                              ": no such day in the calendar (check the "
                              "month and day)"));
  }
  if (year < 2000 || year > 2200) {
    return Error(pos,
                 absl::StrCat("bad date ", Quote(text), " for ", AsAbsl(what),
                              ": the year must be between 2000 and 2200"));
  }
  return civil;
}

void ToProtoDate(absl::CivilDay day, v1::Date* out) {
  out->set_year(static_cast<int32_t>(day.year()));
  out->set_month(day.month());
  out->set_day(day.day());
}

absl::StatusOr<DatedItem> Parser::DateRange(
    const Item& item, std::string_view what,
    const std::vector<std::string_view>& keys, std::string_view example,
    v1::DateRange* out, std::vector<Entry>* entries) {
  ARDOISE_ASSIGN_OR_RETURN(
      *entries, MapEntries(item.value, item.pos, item.path, what, keys));
  DatedItem dated;
  dated.pos = item.pos;
  const Entry* from = nullptr;
  const Entry* to = nullptr;
  const Entry* name = nullptr;
  for (const Entry& entry : *entries) {
    if (entry.key == "from") from = &entry;
    if (entry.key == "to") to = &entry;
    if (entry.key == "name") name = &entry;
  }
  for (const auto& [entry, key] :
       {std::pair{name, "name"}, std::pair{from, "from"},
        std::pair{to, "to"}}) {
    if (entry == nullptr) {
      return Error(item.pos, absl::StrCat(AsAbsl(what), " is missing \"", key,
                                          "\" (write ", AsAbsl(example), ")"));
    }
  }
  ARDOISE_ASSIGN_OR_RETURN(dated.name, Name(name->value, name->value_pos,
                                            absl::StrCat(AsAbsl(what), " name"),
                                            "\"Vacances d'hiver\""));
  ARDOISE_ASSIGN_OR_RETURN(
      dated.from, Date(from->value, from->value_pos, absl::StrCat("\"from\"")));
  ARDOISE_ASSIGN_OR_RETURN(dated.to, Date(to->value, to->value_pos, "\"to\""));
  if (dated.to < dated.from) {
    return Error(
        to->value_pos,
        absl::StrCat(AsAbsl(what), " ", Quote(dated.name), " ends (",
                     absl::FormatCivilTime(dated.to), ") before it starts (",
                     absl::FormatCivilTime(dated.from),
                     ") (swap \"from\" and \"to\"; both days are "
                     "included)"));
  }
  out->set_name(dated.name);
  ToProtoDate(dated.from, out->mutable_from());
  ToProtoDate(dated.to, out->mutable_to());
  return dated;
}

absl::Status Parser::ParseScope(const Entry& entry) {
  v1::Scope* scope = out_->policy.mutable_scope();
  constexpr char kExample[] =
      "scope: city, or scope: {school: NAME} (or pool, device, class)";
  if (entry.value.IsScalar()) {
    const std::string& word = entry.value.Scalar();
    if (word != "city") {
      return Error(entry.value_pos, absl::StrCat("unknown scope ", Quote(word),
                                                 " (write ", kExample, ")"));
    }
    scope->set_level(v1::Scope::LEVEL_CITY);
    return absl::OkStatus();
  }
  if (!entry.value.IsMap()) {
    return Error(
        entry.value_pos,
        absl::StrCat("expected \"city\" or a map for \"scope\", got ",
                     TypeName(entry.value), " (write ", kExample, ")"));
  }
  ARDOISE_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                           MapEntries(entry.value, entry.value_pos, "scope",
                                      "\"scope\"", ScopeKeys()));
  if (entries.size() != 1) {
    return Error(entry.value_pos,
                 absl::StrCat("\"scope\" must name exactly one of school, ",
                              "pool, device or class, got ", entries.size(),
                              " (write one file per scope)"));
  }
  const Entry& level = entries.front();
  ARDOISE_ASSIGN_OR_RETURN(
      std::string name,
      Name(level.value, level.value_pos,
           absl::StrCat(AsAbsl(level.key), " name"), "jaures"));
  if (level.key == "school") scope->set_level(v1::Scope::LEVEL_SCHOOL);
  if (level.key == "pool") scope->set_level(v1::Scope::LEVEL_POOL);
  if (level.key == "device") scope->set_level(v1::Scope::LEVEL_DEVICE);
  if (level.key == "class") scope->set_level(v1::Scope::LEVEL_CLASS);
  scope->set_name(name);
  return absl::OkStatus();
}

// IANA names are letters, digits and "/_-+"; anything else (a path, "..")
// is refused before it reaches the time zone loader.
bool LooksLikeZoneName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' ||
      name.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '/' || c == '_' ||
                    c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

absl::Status Parser::ParseTimeZone(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::string name,
      Text(entry.value, entry.value_pos, "\"timezone\"", "Europe/Paris"));
  if (!LooksLikeZoneName(name)) {
    return Error(entry.value_pos,
                 absl::StrCat("unknown time zone ", Quote(name),
                              " (use an IANA name such as Europe/Paris)"));
  }
  absl::StatusOr<absl::TimeZone> zone = LoadSchoolTimeZone(name);
  if (!zone.ok()) {
    // When even the default zone is missing, the database is the problem.
    if (!LoadSchoolTimeZone(kDefaultTimeZone).ok()) {
      return Error(entry.value_pos,
                   absl::StrCat("cannot load time zone ", Quote(name),
                                ": the time zone database is missing (install "
                                "the tzdata package)"));
    }
    return Error(entry.value_pos,
                 absl::StrCat("unknown time zone ", Quote(name),
                              " (use an IANA name such as Europe/Paris; "
                              "check the spelling and capitals)"));
  }
  out_->policy.set_timezone(name);
  return absl::OkStatus();
}

// "08:30" -> 510. `end` allows "24:00".
bool ParseClock(std::string_view text, bool end, int* minutes) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' ||
      !ParseDigits(text.substr(0, 2), &h) ||
      !ParseDigits(text.substr(3, 2), &m)) {
    return false;
  }
  if (m > 59) return false;
  if (h > 23 && !(end && h == 24 && m == 0)) return false;
  *minutes = h * 60 + m;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

absl::Status Parser::ParseSchoolHours(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Entry> days,
      MapEntries(entry.value, entry.value_pos, "school_hours",
                 "\"school_hours\"", WeekdayKeys(), "weekday"));
  v1::SchoolHours* hours = out_->policy.mutable_school_hours();
  // Stored in weekday order, whatever the file's order.
  std::vector<const Entry*> by_weekday;
  for (const Entry& day : days) by_weekday.push_back(&day);
  std::sort(
      by_weekday.begin(), by_weekday.end(), [](const Entry* a, const Entry* b) {
        return std::find(WeekdayKeys().begin(), WeekdayKeys().end(), a->key) <
               std::find(WeekdayKeys().begin(), WeekdayKeys().end(), b->key);
      });
  for (const Entry* day_entry : by_weekday) {
    const Entry& day = *day_entry;
    ARDOISE_ASSIGN_OR_RETURN(
        std::vector<Item> items,
        ListItems(day.value, day.value_pos, day.path, Quote(day.key),
                  absl::StrCat(day.key,
                               ": [\"08:30-11:30\", \"13:30-16:30\"], or [] "
                               "for no school")));
    struct Range {
      int start;
      int end;
      SourcePos pos;
      std::string text;
    };
    std::vector<Range> ranges;
    for (const Item& item : items) {
      ARDOISE_ASSIGN_OR_RETURN(
          std::string text,
          Text(item.value, item.pos, "a time range", "\"08:30-11:30\""));
      const size_t dash = text.find('-');
      Range range{0, 0, item.pos, text};
      if (dash == std::string::npos) {
        return Error(
            item.pos,
            absl::StrCat("bad time range ", Quote(text),
                         " (write HH:MM-HH:MM, e.g. \"08:30-11:30\")"));
      }
      const std::string_view start =
          Trim(std::string_view(text).substr(0, dash));
      const std::string_view end =
          Trim(std::string_view(text).substr(dash + 1));
      for (const auto& [part, is_end] :
           {std::pair{start, false}, std::pair{end, true}}) {
        int minutes = 0;
        if (!ParseClock(part, is_end, &minutes)) {
          return Error(
              item.pos,
              absl::StrCat("bad time ", Quote(part), " in ", Quote(text),
                           " (write HH:MM from 00:00 to 23:59, "
                           "24:00 as an end, e.g. \"08:30\")"));
        }
        (is_end ? range.end : range.start) = minutes;
      }
      if (range.end <= range.start) {
        return Error(
            item.pos,
            absl::StrCat("time range ", Quote(text),
                         range.end == range.start ? " is empty"
                                                  : " ends before it starts",
                         " (write START-END, e.g. \"08:30-11:30\")"));
      }
      ranges.push_back(range);
    }
    std::stable_sort(
        ranges.begin(), ranges.end(),
        [](const Range& a, const Range& b) { return a.start < b.start; });
    for (size_t i = 1; i < ranges.size(); ++i) {
      if (ranges[i].start < ranges[i - 1].end) {
        // Point at whichever of the two comes later in the file.
        const bool later_is_i = Before(ranges[i - 1].pos, ranges[i].pos);
        const Range& here = later_is_i ? ranges[i] : ranges[i - 1];
        const Range& other = later_is_i ? ranges[i - 1] : ranges[i];
        return Error(here.pos,
                     absl::StrCat("time range ", Quote(here.text), " overlaps ",
                                  Quote(other.text), " on ", day.key, " (",
                                  PosString(other.pos),
                                  "; merge them or fix the times)"));
      }
    }
    v1::DayHours* out_day = hours->add_days();
    out_day->set_day(static_cast<v1::Weekday>(
        std::find(WeekdayKeys().begin(), WeekdayKeys().end(), day.key) -
        WeekdayKeys().begin() + 1));
    for (const Range& range : ranges) {
      v1::TimeRange* r = out_day->add_ranges();
      r->set_start_minute(range.start);
      r->set_end_minute(range.end);
    }
  }
  return absl::OkStatus();
}

// The first overlap among dated ranges (both ends included), reported at
// whichever of the two comes later in the file.
absl::Status Overlaps(std::vector<DatedItem> items, std::string_view what,
                      const std::string& file) {
  std::stable_sort(
      items.begin(), items.end(),
      [](const DatedItem& a, const DatedItem& b) { return a.from < b.from; });
  size_t last_ending = 0;  // among items[0..i), the one that ends last
  for (size_t i = 1; i < items.size(); ++i) {
    const DatedItem& prev = items[last_ending];
    if (items[i].from <= prev.to) {
      const bool later_is_i = Before(prev.pos, items[i].pos);
      const DatedItem& here = later_is_i ? items[i] : prev;
      const DatedItem& other = later_is_i ? prev : items[i];
      return absl::InvalidArgumentError(absl::StrCat(
          file, ":", here.pos.line, ":", here.pos.column, ": ", AsAbsl(what),
          " ", Quote(here.name), " overlaps ", Quote(other.name), " (",
          PosString(other.pos),
          "; merge them or fix the dates, both ends are included)"));
    }
    if (items[i].to > prev.to) last_ending = i;
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseHolidays(const Entry& entry) {
  constexpr char kExample[] =
      "{name: \"Vacances d'hiver\", from: 2027-02-06, to: 2027-02-21}";
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Item> items,
      ListItems(entry.value, entry.value_pos, "holidays", "\"holidays\"",
                absl::StrCat("a list of ", kExample, ", or [] for none")));
  out_->policy.set_has_holidays(true);
  std::vector<DatedItem> dated;
  for (const Item& item : items) {
    std::vector<Entry> entries;
    ARDOISE_ASSIGN_OR_RETURN(DatedItem d,
                             DateRange(item, "holiday", HolidayKeys(), kExample,
                                       out_->policy.add_holidays(), &entries));
    dated.push_back(std::move(d));
  }
  return Overlaps(std::move(dated), "holiday", file());
}

absl::Status Parser::ParseOutsideSessions(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Entry> entries,
      MapEntries(entry.value, entry.value_pos, "outside_sessions",
                 "\"outside_sessions\"", OutsideKeys()));
  v1::Policy& policy = out_->policy;
  for (const Entry& e : entries) {
    if (e.key == "daily_limit") {
      ARDOISE_ASSIGN_OR_RETURN(int64_t seconds,
                               DurationSeconds(e, kMaxDailyLimitSeconds));
      policy.set_daily_limit_seconds(seconds);
      continue;
    }
    ARDOISE_ASSIGN_OR_RETURN(
        std::string word,
        Word(e.value, e.value_pos, "value", absl::StrCat("for ", Quote(e.key)),
             FreeUseNames()));
    const v1::FreeUse use =
        word == "free" ? v1::FREE_USE_FREE : v1::FREE_USE_LOCKED;
    if (e.key == "tablet") policy.set_tablet_free_use(use);
    if (e.key == "whiteboard") policy.set_whiteboard_free_use(use);
    if (e.key == "pc") policy.set_pc_free_use(use);
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseNoScreenPeriods(const Entry& entry) {
  constexpr char kExample[] =
      "{name: \"Semaine sans écrans\", from: 2027-05-17, to: 2027-05-23, "
      "kinds: [tablet, whiteboard, pc]}";
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Item> items,
      ListItems(entry.value, entry.value_pos, "no_screen_periods",
                "\"no_screen_periods\"", absl::StrCat("a list of ", kExample)));
  std::map<std::string, SourcePos> names;
  for (const Item& item : items) {
    v1::NoScreenPeriod* period = out_->policy.add_no_screen_periods();
    std::vector<Entry> entries;
    ARDOISE_ASSIGN_OR_RETURN(
        DatedItem dated,
        DateRange(item, "no-screen period", PeriodKeys(), kExample,
                  period->mutable_range(), &entries));
    // Same name twice is either a copy-paste or two halves of one period
    // that reports would merge silently: refuse both.
    auto [previous, inserted] = names.emplace(dated.name, item.pos);
    if (!inserted) {
      return Error(item.pos,
                   absl::StrCat("no-screen period ", Quote(dated.name),
                                " is defined twice (first at ",
                                PosString(previous->second),
                                "; give each period its own name)"));
    }
    const Entry* kinds = nullptr;
    for (const Entry& e : entries) {
      if (e.key == "kinds") kinds = &e;
    }
    if (kinds == nullptr) {
      return Error(item.pos,
                   absl::StrCat("no-screen period ", Quote(dated.name),
                                " is missing \"kinds\" (add kinds: [tablet, "
                                "whiteboard, pc])"));
    }
    ARDOISE_ASSIGN_OR_RETURN(
        std::vector<Item> kind_items,
        ListItems(kinds->value, kinds->value_pos, kinds->path, "\"kinds\"",
                  "kinds: [tablet, whiteboard, pc]"));
    if (kind_items.empty()) {
      return Error(kinds->value_pos,
                   "\"kinds\" is empty: the period would cover nothing (list "
                   "at least one of tablet, whiteboard, pc)");
    }
    for (const Item& k : kind_items) {
      ARDOISE_ASSIGN_OR_RETURN(
          std::string word,
          Word(k.value, k.pos, "device kind", "", KindNames()));
      const v1::DeviceKind kind = word == "tablet" ? v1::DEVICE_KIND_TABLET
                                  : word == "whiteboard"
                                      ? v1::DEVICE_KIND_WHITEBOARD
                                      : v1::DEVICE_KIND_PC;
      if (std::find(period->kinds().begin(), period->kinds().end(), kind) !=
          period->kinds().end()) {
        return Error(k.pos, absl::StrCat("device kind ", Quote(word),
                                         " is listed twice (keep one)"));
      }
      period->add_kinds(kind);
    }
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseExemptions(const Entry& entry) {
  constexpr char kExample[] =
      "{device: tbi-salle-12, period: \"Semaine sans écrans 2027\", reason: "
      "\"...\"}";
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Item> items,
      ListItems(entry.value, entry.value_pos, "exemptions", "\"exemptions\"",
                absl::StrCat("a list of ", kExample)));
  for (const Item& item : items) {
    ARDOISE_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                             MapEntries(item.value, item.pos, item.path,
                                        "an exemption", ExemptionKeys()));
    v1::Exemption* exemption = out_->policy.add_exemptions();
    bool has_reason = false;
    for (const Entry& e : entries) {
      if (e.key == "device") {
        ARDOISE_ASSIGN_OR_RETURN(
            *exemption->mutable_device(),
            Name(e.value, e.value_pos, "device name", "tbi-salle-12"));
      } else if (e.key == "class") {
        ARDOISE_ASSIGN_OR_RETURN(
            *exemption->mutable_class_name(),
            Name(e.value, e.value_pos, "class name", "CM2-A"));
      } else if (e.key == "period") {
        ARDOISE_ASSIGN_OR_RETURN(*exemption->mutable_period(),
                                 Name(e.value, e.value_pos, "period name",
                                      "\"Semaine sans écrans 2027\""));
      } else if (e.key == "reason") {
        ARDOISE_ASSIGN_OR_RETURN(*exemption->mutable_reason(),
                                 Name(e.value, e.value_pos, "exemption reason",
                                      "\"Projet radio, validé par l'IEN\""));
        has_reason = true;
      }
    }
    if (!exemption->device().empty() && !exemption->class_name().empty()) {
      return Error(item.pos,
                   "exemption names both a device and a class (write one "
                   "exemption for each)");
    }
    if (exemption->device().empty() && exemption->class_name().empty()) {
      return Error(item.pos,
                   "exemption names neither a device nor a class (add "
                   "device: NAME or class: NAME)");
    }
    if (!has_reason) {
      return Error(item.pos,
                   "exemption has no reason (add reason: \"...\"; it is shown "
                   "in reports)");
    }
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseApps(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Item> items,
      ListItems(entry.value, entry.value_pos, "apps", "\"apps\"",
                "apps: [gcompris, tuxpaint], or [] for none"));
  out_->policy.set_has_apps(true);
  std::map<std::string, SourcePos> seen;
  for (const Item& item : items) {
    ARDOISE_ASSIGN_OR_RETURN(
        std::string id, Text(item.value, item.pos, "an app id", "gcompris"));
    if (!IsAppId(id)) {
      return Error(item.pos,
                   absl::StrCat("bad app id ", Quote(id),
                                " (use the name of its .desktop file in "
                                "/etc/ardoise/apps.d/ without the extension: "
                                "letters, digits, '.', '_' and '-')"));
    }
    auto [previous, inserted] = seen.emplace(id, item.pos);
    if (!inserted) {
      return Error(
          item.pos,
          absl::StrCat("app ", Quote(id), " is listed twice (first at ",
                       PosString(previous->second), "; keep one)"));
    }
    out_->policy.add_apps(id);
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseUrls(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Item> items,
      ListItems(entry.value, entry.value_pos, "urls", "\"urls\"",
                "urls: [\"https://lalilo.com\"], or [] for none"));
  out_->policy.set_has_urls(true);
  std::map<std::string, SourcePos> seen;
  for (const Item& item : items) {
    ARDOISE_ASSIGN_OR_RETURN(
        std::string url,
        Text(item.value, item.pos, "a URL", "\"https://lalilo.com\""));
    if (!IsHttpUrl(url)) {
      return Error(item.pos,
                   absl::StrCat("bad URL ", Quote(url),
                                " (write a full address without spaces, e.g. "
                                "\"https://lalilo.com\")"));
    }
    auto [previous, inserted] = seen.emplace(url, item.pos);
    if (!inserted) {
      return Error(
          item.pos,
          absl::StrCat("URL ", Quote(url), " is listed twice (first at ",
                       PosString(previous->second), "; keep one)"));
    }
    out_->policy.add_urls(url);
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseMessages(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                           MapEntries(entry.value, entry.value_pos, "messages",
                                      "\"messages\"", MessageKeys()));
  v1::LockMessages* messages = out_->policy.mutable_messages();
  for (const Entry& e : entries) {
    ARDOISE_ASSIGN_OR_RETURN(std::string text,
                             Text(e.value, e.value_pos, Quote(e.key),
                                  "\"Semaine sans écrans : on joue !\""));
    if (text.find_first_not_of(" \t\n") == std::string::npos) {
      return Error(e.value_pos,
                   absl::StrCat("empty message for ", Quote(e.key),
                                " (remove the key to use the built-in text)"));
    }
    if (text.size() > kMaxMessageBytes) {
      return Error(e.value_pos,
                   absl::StrCat("message for ", Quote(e.key), " is ",
                                text.size(), " bytes, above the ",
                                kMaxMessageBytes, "-byte limit (shorten it)"));
    }
    if (e.key == "no_screen") messages->set_no_screen(text);
    if (e.key == "downtime") messages->set_downtime(text);
    if (e.key == "session_deadline") messages->set_session_deadline(text);
    if (e.key == "manual") messages->set_manual(text);
    if (e.key == "step") messages->set_step(text);
    if (e.key == "no_session") messages->set_no_session(text);
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseRetention(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(std::string text, Text(entry.value, entry.value_pos,
                                                  "\"retention\"", "90d"));
  std::string_view digits = text;
  if (!digits.empty() && digits.back() == 'd') digits.remove_suffix(1);
  int days = 0;
  if (digits.size() > 5 || !ParseDigits(digits, &days)) {
    return Error(entry.value_pos,
                 absl::StrCat("bad retention ", Quote(text),
                              " (write a number of days, e.g. 90 or 90d)"));
  }
  if (days < 1 || days > kMaxRetentionDays) {
    return Error(
        entry.value_pos,
        absl::StrCat("retention of ", days, " days is out of range (use 1 to ",
                     kMaxRetentionDays, " days)"));
  }
  out_->policy.set_retention_days(days);
  return absl::OkStatus();
}

absl::Status Parser::ParseDocument(const YAML::Node& root) {
  const SourcePos start{1, 1};
  if (!root.IsDefined() || root.IsNull()) {
    return Error(start,
                 "empty policy (start with scope: city, see "
                 "policies/reference.yaml)");
  }
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Entry> entries,
      MapEntries(root, PosOf(root, start), "", "a policy", TopKeys()));
  bool has_scope = false;
  for (const Entry& e : entries) {
    if (e.key == "scope") {
      ARDOISE_RETURN_IF_ERROR(ParseScope(e));
      has_scope = true;
    } else if (e.key == "timezone") {
      ARDOISE_RETURN_IF_ERROR(ParseTimeZone(e));
    } else if (e.key == "school_hours") {
      ARDOISE_RETURN_IF_ERROR(ParseSchoolHours(e));
    } else if (e.key == "holidays") {
      ARDOISE_RETURN_IF_ERROR(ParseHolidays(e));
    } else if (e.key == "outside_sessions") {
      ARDOISE_RETURN_IF_ERROR(ParseOutsideSessions(e));
    } else if (e.key == "weekly_allowance") {
      ARDOISE_ASSIGN_OR_RETURN(int64_t seconds,
                               DurationSeconds(e, kMaxWeeklyAllowanceSeconds));
      out_->policy.set_weekly_allowance_seconds(seconds);
    } else if (e.key == "no_screen_periods") {
      ARDOISE_RETURN_IF_ERROR(ParseNoScreenPeriods(e));
    } else if (e.key == "exemptions") {
      ARDOISE_RETURN_IF_ERROR(ParseExemptions(e));
    } else if (e.key == "apps") {
      ARDOISE_RETURN_IF_ERROR(ParseApps(e));
    } else if (e.key == "urls") {
      ARDOISE_RETURN_IF_ERROR(ParseUrls(e));
    } else if (e.key == "messages") {
      ARDOISE_RETURN_IF_ERROR(ParseMessages(e));
    } else if (e.key == "retention") {
      ARDOISE_RETURN_IF_ERROR(ParseRetention(e));
    }
  }
  if (!has_scope) {
    return Error(PosOf(root, start),
                 "missing \"scope\" (add scope: city, or scope: {school: "
                 "NAME}, {pool: NAME}, {device: NAME}, {class: NAME})");
  }
  return absl::OkStatus();
}

}  // namespace

SourcePos ParsedPolicy::PosOf(const std::string& path) const {
  return yaml::PositionOf(positions, path);
}

std::string ParsedPolicy::Where(const std::string& path) const {
  return yaml::Where(file, PosOf(path));
}

absl::StatusOr<ParsedPolicy> ParsePolicy(std::string_view yaml_text,
                                         const std::string& file_name) {
  static constexpr yaml::DocumentRules kRules{
      "policy", kMaxPolicyBytes,
      "split it into several scopes or remove unused entries",
      "write one file per scope"};
  ParsedPolicy parsed;
  parsed.file = file_name;
  ARDOISE_RETURN_IF_ERROR(yaml::LoadSingleDocument(
      yaml_text, file_name, kRules, [&](const YAML::Node& root) {
        Parser parser(file_name, &parsed);
        return parser.ParseDocument(root);
      }));
  return parsed;
}

absl::StatusOr<ParsedPolicy> ParsePolicyFile(const std::string& path) {
  ARDOISE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParsePolicy(text, path);
}

bool IsAppId(std::string_view id) {
  bool ok =
      !id.empty() && id.size() <= 100 && id.front() != '.' && id.front() != '-';
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }
  return ok;
}

bool IsHttpUrl(std::string_view url) {
  const bool scheme =
      url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  const bool clean =
      url.size() <= 2000 && std::none_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      });
  return scheme && clean && url.find("://") + 3 != url.size();
}

std::string ScopeLabel(const v1::Scope& scope) {
  switch (scope.level()) {
    case v1::Scope::LEVEL_CITY:
      return "city";
    case v1::Scope::LEVEL_SCHOOL:
      return absl::StrCat("school ", scope.name());
    case v1::Scope::LEVEL_POOL:
      return absl::StrCat("pool ", scope.name());
    case v1::Scope::LEVEL_DEVICE:
      return absl::StrCat("device ", scope.name());
    case v1::Scope::LEVEL_CLASS:
      return absl::StrCat("class ", scope.name());
    default:
      return "unspecified scope";
  }
}

std::string DeviceKindName(v1::DeviceKind kind) {
  switch (kind) {
    case v1::DEVICE_KIND_TABLET:
      return "tablet";
    case v1::DEVICE_KIND_WHITEBOARD:
      return "whiteboard";
    case v1::DEVICE_KIND_PC:
      return "pc";
    default:
      return "unspecified";
  }
}

std::string FormatDate(const v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

std::string FormatTimeRange(const v1::TimeRange& range) {
  return absl::StrFormat("%02d:%02d-%02d:%02d", range.start_minute() / 60,
                         range.start_minute() % 60, range.end_minute() / 60,
                         range.end_minute() % 60);
}

}  // namespace ardoise
