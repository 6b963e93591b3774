#include "common/plan/plan_parse.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/absl_compat.h"
#include "common/duration.h"
#include "common/files.h"
#include "common/policy/policy_parse.h"  // IsAppId, IsHttpUrl
#include "common/status_macros.h"
#include "common/yaml/strict_yaml.h"
#include "yaml-cpp/yaml.h"

namespace ardoise {
namespace {

// The keys allowed at each level. Order is the order of "allowed keys" hints.
const std::vector<std::string_view>& TopKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"title", "levels", "subject", "steps"};
  return *keys;
}
const std::vector<std::string_view>& StepKeys() {
  static const auto* keys = new std::vector<std::string_view>{
      "title", "duration", "tablets", "whiteboard"};
  return *keys;
}
const std::vector<std::string_view>& TabletKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"lock", "app", "url", "free"};
  return *keys;
}
const std::vector<std::string_view>& TabletWords() {
  static const auto* keys = new std::vector<std::string_view>{"lock", "free"};
  return *keys;
}
const std::vector<std::string_view>& WhiteboardKeys() {
  static const auto* keys =
      new std::vector<std::string_view>{"app", "url", "pupil_screen", "none"};
  return *keys;
}
const std::vector<std::string_view>& WhiteboardWords() {
  static const auto* keys =
      new std::vector<std::string_view>{"none", "pupil_screen"};
  return *keys;
}
const std::vector<std::string_view>& LevelNames() {
  static const auto* keys =
      new std::vector<std::string_view>{"CP", "CE1", "CE2", "CM1", "CM2"};
  return *keys;
}

constexpr char kTabletsForms[] =
    "tablets: lock, free, {lock: \"Regardez le tableau\"}, {app: gcompris} "
    "or {url: \"https://lalilo.com\"}";
constexpr char kWhiteboardForms[] =
    "whiteboard: none, pupil_screen, {app: gcompris} or {url: "
    "\"https://www.lumni.fr\"}";
constexpr char kStepExample[] =
    "- {title: \"Exercices\", duration: 20m, tablets: {app: gcompris}, "
    "whiteboard: pupil_screen}";

// The YAML walk and its messages are common/yaml's, shared with the policy
// parser so both file formats fail the same way.
using yaml::Closest;
using yaml::Entry;
using yaml::Item;
using yaml::PosOf;
using yaml::PosString;
using yaml::Quote;
using yaml::SuggestHint;
using yaml::TypeName;

// Whether `text` is well-formed UTF-8 (protobuf strings must be; a file
// saved as Latin-1 by an old editor is not).
bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    if ((extra == 2 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (extra == 3 && (code < 0x10000 || code > 0x10FFFF))) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// Characters (code points) of valid UTF-8 text.
size_t CountChars(std::string_view text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(),
      [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

const Entry* Find(const std::vector<Entry>& entries, std::string_view key) {
  for (const Entry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

// Parses one document into a ParsedPlan; every method returns the first
// error found, already formatted with the file and position.
class Parser final : private yaml::Reader {
 public:
  Parser(const std::string& file, ParsedPlan* out)
      : yaml::Reader(file, &out->positions), out_(out) {}
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  absl::Status ParseDocument(const YAML::Node& root);

 private:
  using yaml::Reader::Error;
  using yaml::Reader::ListItems;

  // The entries of a map node, recording each key's position under
  // `path.key`; refuses other node types, non-scalar, unknown and duplicated
  // keys.
  absl::StatusOr<std::vector<Entry>> MapEntries(
      const YAML::Node& node, SourcePos pos, const std::string& path,
      std::string_view what, const std::vector<std::string_view>& allowed,
      std::string_view example);

  // A scalar, valid UTF-8.
  absl::StatusOr<std::string> Text(const YAML::Node& node, SourcePos pos,
                                   std::string_view what,
                                   std::string_view example);
  // A non-blank text of at most kMaxPlanTextChars characters without
  // control characters (line breaks allowed when `multiline`).
  absl::StatusOr<std::string> ShortText(const YAML::Node& node, SourcePos pos,
                                        std::string_view what,
                                        std::string_view example,
                                        bool multiline);
  absl::StatusOr<std::string> AppId(const YAML::Node& node, SourcePos pos);
  absl::StatusOr<std::string> Url(const YAML::Node& node, SourcePos pos);
  // The value of a flag key that only makes sense set: `free: true`.
  absl::Status OnlyTrue(const Entry& entry, std::string_view where,
                        std::string_view instead);
  // `what` holds exactly one kind: one entry.
  absl::Status OneKind(const std::vector<Entry>& entries, const Entry& entry,
                       std::string_view what, std::string_view forms);

  absl::Status ParseLevels(const Entry& entry);
  absl::Status ParseSteps(const Entry& entry);
  absl::Status ParseStep(const Item& item, int number, v1::PlanStep* step);
  absl::StatusOr<int64_t> StepSeconds(const Entry& entry);
  // An action written as a shorthand word (one of `words`: the word is
  // recorded and nullopt returned) or a map with exactly one of `keys`.
  absl::StatusOr<std::optional<Entry>> ActionKind(
      const Entry& entry, std::string_view name,
      const std::vector<std::string_view>& words,
      const std::vector<std::string_view>& keys, std::string_view forms);
  absl::Status ParseTablets(const Entry& entry, v1::TabletAction* out);
  absl::Status ParseWhiteboard(const Entry& entry, v1::WhiteboardAction* out);

  ParsedPlan* out_;
};

absl::StatusOr<std::vector<Entry>> Parser::MapEntries(
    const YAML::Node& node, SourcePos pos, const std::string& path,
    std::string_view what, const std::vector<std::string_view>& allowed,
    std::string_view example) {
  return yaml::Reader::MapEntries(node, pos, path, {what, example, "key"},
                                  allowed);
}

absl::StatusOr<std::string> Parser::Text(const YAML::Node& node, SourcePos pos,
                                         std::string_view what,
                                         std::string_view example) {
  absl::StatusOr<std::string> text = Scalar(node, pos, what, example);
  if (text.ok() && !IsUtf8(*text)) {
    return Error(pos, absl::StrCat(AsAbsl(what), " ", Quote(*text),
                                   " is not valid UTF-8 (save the file as "
                                   "UTF-8)"));
  }
  return text;
}

absl::StatusOr<std::string> Parser::ShortText(const YAML::Node& node,
                                              SourcePos pos,
                                              std::string_view what,
                                              std::string_view example,
                                              bool multiline) {
  ARDOISE_ASSIGN_OR_RETURN(std::string text, Text(node, pos, what, example));
  if (text.find_first_not_of(" \t\n") == std::string::npos) {
    return Error(pos, absl::StrCat("empty ", AsAbsl(what), " (e.g. ",
                                   AsAbsl(example), ")"));
  }
  const size_t chars = CountChars(text);
  if (chars > kMaxPlanTextChars) {
    return Error(pos, absl::StrCat(AsAbsl(what), " is ", chars,
                                   " characters, above the ", kMaxPlanTextChars,
                                   "-character limit (shorten it)"));
  }
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 || u == 0x7f) && !(multiline && c == '\n')) {
      return Error(pos, absl::StrCat(AsAbsl(what), " ", Quote(text),
                                     " contains a control character (use ",
                                     multiline ? "plain text"
                                               : "one line of "
                                                 "plain text",
                                     ")"));
    }
  }
  return text;
}

absl::StatusOr<std::string> Parser::AppId(const YAML::Node& node,
                                          SourcePos pos) {
  ARDOISE_ASSIGN_OR_RETURN(std::string id,
                           Text(node, pos, "an app id", "gcompris"));
  if (!IsAppId(id)) {
    return Error(pos,
                 absl::StrCat("bad app id ", Quote(id),
                              " (use the name of its .desktop file in "
                              "/etc/ardoise/apps.d/ without the extension: "
                              "letters, digits, '.', '_' and '-')"));
  }
  return id;
}

absl::StatusOr<std::string> Parser::Url(const YAML::Node& node, SourcePos pos) {
  // Not ARDOISE_ASSIGN_OR_RETURN: gcc 12 at -O2 sees a moved-from temporary
  // as maybe-uninitialized here.
  absl::StatusOr<std::string> text =
      Text(node, pos, "a URL", "\"https://www.lumni.fr\"");
  if (!text.ok()) return text.status();
  const std::string& url = *text;
  if (!IsHttpUrl(url)) {
    return Error(
        pos, absl::StrCat("bad URL ", Quote(url),
                          " (write a full http:// or https:// address "
                          "without spaces, e.g. \"https://www.lumni.fr\")"));
  }
  return url;
}

absl::Status Parser::OnlyTrue(const Entry& entry, std::string_view where,
                              std::string_view instead) {
  if (entry.value.IsScalar() && entry.value.Scalar() == "true") {
    return absl::OkStatus();
  }
  return Error(entry.value_pos,
               absl::StrCat("expected true for ", Quote(entry.key), " in ",
                            AsAbsl(where), ", got ", TypeName(entry.value),
                            " (write ", AsAbsl(instead), ")"));
}

absl::Status Parser::OneKind(const std::vector<Entry>& entries,
                             const Entry& entry, std::string_view what,
                             std::string_view forms) {
  if (entries.empty()) {
    return Error(entry.value_pos, absl::StrCat("no action for ", AsAbsl(what),
                                               " (write ", AsAbsl(forms), ")"));
  }
  if (entries.size() > 1) {
    return Error(
        entries[1].key_pos,
        absl::StrCat(AsAbsl(what), " do one thing per step, got ",
                     Quote(entries[0].key), " and ", Quote(entries[1].key),
                     " (keep one; put the other in its own step)"));
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseLevels(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(std::vector<Item> items,
                           ListItems(entry.value, entry.value_pos, "levels",
                                     "\"levels\"", "levels: [CM1, CM2]"));
  if (items.empty()) {
    return Error(entry.value_pos,
                 "no levels (write the classes the plan is for, e.g. levels: "
                 "[CM1, CM2])");
  }
  std::map<std::string, SourcePos> seen;
  for (const Item& item : items) {
    ARDOISE_ASSIGN_OR_RETURN(std::string level,
                             Text(item.value, item.pos, "a level", "CM1"));
    if (std::find(LevelNames().begin(), LevelNames().end(), level) ==
        LevelNames().end()) {
      // "cm2" is as close to "CE2" as to "CM2" in edits: try the case first.
      std::string upper = level;
      for (char& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      const bool cased = std::find(LevelNames().begin(), LevelNames().end(),
                                   upper) != LevelNames().end();
      return Error(
          item.pos,
          absl::StrCat("unknown level ", Quote(level),
                       cased ? absl::StrCat(" (did you mean \"", upper, "\"?)")
                             : SuggestHint(level, LevelNames())));
    }
    auto [previous, inserted] = seen.emplace(level, item.pos);
    if (!inserted) {
      return Error(
          item.pos,
          absl::StrCat("level ", Quote(level), " is listed twice (first at ",
                       PosString(previous->second), "; keep one)"));
    }
    out_->plan.add_levels(level);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Parser::StepSeconds(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(std::string text, Text(entry.value, entry.value_pos,
                                                  "\"duration\"", "10m"));
  absl::StatusOr<absl::Duration> duration = ardoise::ParseDuration(text);
  if (!duration.ok()) {
    return Error(entry.value_pos,
                 absl::StrCat("\"duration\": ", duration.status().message()));
  }
  const std::string range =
      absl::StrCat("a step lasts ", ardoise::FormatDuration(kMinStepDuration),
                   " to ", ardoise::FormatDuration(kMaxStepDuration));
  if (*duration < kMinStepDuration) {
    return Error(
        entry.value_pos,
        absl::StrCat("step duration ", Quote(text), " is shorter than ",
                     ardoise::FormatDuration(kMinStepDuration), " (", range,
                     "; merge it into the next step)"));
  }
  if (*duration > kMaxStepDuration) {
    return Error(entry.value_pos,
                 absl::StrCat("step duration ", Quote(text), " is longer than ",
                              ardoise::FormatDuration(kMaxStepDuration), " (",
                              range, "; check the unit)"));
  }
  return absl::ToInt64Seconds(*duration);
}

absl::StatusOr<std::optional<Entry>> Parser::ActionKind(
    const Entry& entry, std::string_view name,
    const std::vector<std::string_view>& words,
    const std::vector<std::string_view>& keys, std::string_view forms) {
  if (entry.value.IsScalar()) {
    const std::string& word = entry.value.Scalar();
    if (std::find(words.begin(), words.end(), word) == words.end()) {
      const std::string_view close = Closest(word, words);
      return Error(
          entry.value_pos,
          absl::StrCat(
              "unknown ", AsAbsl(name), " action ", Quote(word),
              close.empty()
                  ? absl::StrCat(" (write ", AsAbsl(forms), ")")
                  : absl::StrCat(" (did you mean \"", AsAbsl(close), "\"?)")));
    }
    Record(absl::StrCat(entry.path, ".", word), entry.value_pos);
    return std::optional<Entry>();
  }
  const std::string quoted = absl::StrCat("\"", AsAbsl(name), "\"");
  if (!entry.value.IsMap()) {
    return Error(
        entry.value_pos,
        absl::StrCat("expected a word or a map for ", quoted, ", got ",
                     TypeName(entry.value), " (write ", AsAbsl(forms), ")"));
  }
  ARDOISE_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                           MapEntries(entry.value, entry.value_pos, entry.path,
                                      quoted, keys, forms));
  ARDOISE_RETURN_IF_ERROR(OneKind(entries, entry, quoted, forms));
  return std::optional<Entry>(entries.front());
}

absl::Status Parser::ParseTablets(const Entry& entry, v1::TabletAction* out) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::optional<Entry> chosen,
      ActionKind(entry, "tablets", TabletWords(), TabletKeys(), kTabletsForms));
  if (!chosen.has_value()) {  // a shorthand word: lock or free
    if (entry.value.Scalar() == "lock") {
      out->mutable_lock();
    } else {
      out->mutable_free();
    }
    return absl::OkStatus();
  }
  const Entry& kind = *chosen;
  if (kind.key == "lock") {
    if (kind.value.IsScalar() &&
        (kind.value.Scalar() == "true" || kind.value.Scalar() == "false")) {
      return Error(kind.value_pos,
                   absl::StrCat("\"lock\" takes the text shown on the "
                                "tablets, got ",
                                TypeName(kind.value),
                                " (write tablets: lock for the default text, "
                                "or {lock: \"Regardez le tableau\"})"));
    }
    ARDOISE_ASSIGN_OR_RETURN(
        *out->mutable_lock()->mutable_message(),
        ShortText(kind.value, kind.value_pos, "lock message",
                  "\"Regardez le tableau\", or tablets: lock for the default "
                  "text",
                  /*multiline=*/true));
  } else if (kind.key == "app") {
    ARDOISE_ASSIGN_OR_RETURN(*out->mutable_app()->mutable_app(),
                             AppId(kind.value, kind.value_pos));
  } else if (kind.key == "url") {
    ARDOISE_ASSIGN_OR_RETURN(*out->mutable_url()->mutable_url(),
                             Url(kind.value, kind.value_pos));
  } else if (kind.key == "free") {
    ARDOISE_RETURN_IF_ERROR(
        OnlyTrue(kind, "\"tablets\"", "tablets: free, or another action"));
    out->mutable_free();
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseWhiteboard(const Entry& entry,
                                     v1::WhiteboardAction* out) {
  ARDOISE_ASSIGN_OR_RETURN(std::optional<Entry> chosen,
                           ActionKind(entry, "whiteboard", WhiteboardWords(),
                                      WhiteboardKeys(), kWhiteboardForms));
  if (!chosen.has_value()) {  // a shorthand word: none or pupil_screen
    if (entry.value.Scalar() == "none") {
      out->set_none(true);
    } else {
      out->set_pupil_screen(true);
    }
    return absl::OkStatus();
  }
  const Entry& kind = *chosen;
  if (kind.key == "app") {
    ARDOISE_ASSIGN_OR_RETURN(*out->mutable_app(),
                             AppId(kind.value, kind.value_pos));
  } else if (kind.key == "url") {
    ARDOISE_ASSIGN_OR_RETURN(*out->mutable_url(),
                             Url(kind.value, kind.value_pos));
  } else if (kind.key == "pupil_screen") {
    ARDOISE_RETURN_IF_ERROR(OnlyTrue(kind, "\"whiteboard\"",
                                     "whiteboard: pupil_screen, or another "
                                     "action such as none"));
    out->set_pupil_screen(true);
  } else if (kind.key == "none") {
    ARDOISE_RETURN_IF_ERROR(
        OnlyTrue(kind, "\"whiteboard\"", "whiteboard: none"));
    out->set_none(true);
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseStep(const Item& item, int number,
                               v1::PlanStep* step) {
  ARDOISE_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                           MapEntries(item.value, item.pos, item.path, "a step",
                                      StepKeys(), kStepExample));
  for (const Entry& e : entries) {
    if (e.key == "title") {
      ARDOISE_ASSIGN_OR_RETURN(
          *step->mutable_title(),
          ShortText(e.value, e.value_pos, "step title",
                    "\"Présentation au tableau\"", /*multiline=*/false));
    } else if (e.key == "duration") {
      ARDOISE_ASSIGN_OR_RETURN(const int64_t seconds, StepSeconds(e));
      step->set_duration_seconds(seconds);
    } else if (e.key == "tablets") {
      ARDOISE_RETURN_IF_ERROR(ParseTablets(e, step->mutable_tablets()));
    } else if (e.key == "whiteboard") {
      ARDOISE_RETURN_IF_ERROR(ParseWhiteboard(e, step->mutable_whiteboard()));
    }
  }
  for (const auto& [key, example] :
       {std::pair{"title", "title: \"Exercices\""},
        std::pair{"duration", "duration: 10m"},
        std::pair{"tablets", "tablets: lock, or tablets: {app: gcompris}"},
        std::pair{"whiteboard", "whiteboard: none"}}) {
    if (Find(entries, key) == nullptr) {
      return Error(item.pos, absl::StrCat("step ", number, " is missing \"",
                                          key, "\" (add ", example, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseSteps(const Entry& entry) {
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Item> items,
      ListItems(entry.value, entry.value_pos, "steps", "\"steps\"",
                absl::StrCat("a list of steps, one per line: ", kStepExample)));
  if (items.empty()) {
    return Error(entry.value_pos,
                 absl::StrCat("a plan needs at least one step (add ",
                              kStepExample, ")"));
  }
  if (items.size() > static_cast<size_t>(kMaxPlanSteps)) {
    return Error(items[kMaxPlanSteps].pos,
                 absl::StrCat("more than ", kMaxPlanSteps,
                              " steps (merge steps or split the lesson into "
                              "several plans)"));
  }
  int64_t total_seconds = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    v1::PlanStep* step = out_->plan.add_steps();
    ARDOISE_RETURN_IF_ERROR(ParseStep(items[i], static_cast<int>(i) + 1, step));
    total_seconds += step->duration_seconds();
  }
  if (absl::Seconds(total_seconds) > kMaxPlanDuration) {
    return Error(
        entry.key_pos,
        absl::StrCat("the plan lasts ",
                     ardoise::FormatDuration(absl::Seconds(total_seconds)),
                     ", longer than ",
                     ardoise::FormatDuration(kMaxPlanDuration),
                     " (shorten or remove steps, or split the lesson "
                     "into several plans)"));
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseDocument(const YAML::Node& root) {
  const SourcePos start{1, 1};
  if (!root.IsDefined() || root.IsNull()) {
    return Error(start,
                 "empty plan (start with title: \"...\", see "
                 "plans/README.md)");
  }
  ARDOISE_ASSIGN_OR_RETURN(
      std::vector<Entry> entries,
      MapEntries(root, PosOf(root, start), "", "a plan", TopKeys(),
                 "title: ..., levels: ..., steps: ... on separate lines, see "
                 "plans/README.md"));
  for (const Entry& e : entries) {
    if (e.key == "title") {
      ARDOISE_ASSIGN_OR_RETURN(
          *out_->plan.mutable_title(),
          ShortText(e.value, e.value_pos, "plan title",
                    "\"Les fractions avec GCompris\"", /*multiline=*/false));
    } else if (e.key == "levels") {
      ARDOISE_RETURN_IF_ERROR(ParseLevels(e));
    } else if (e.key == "subject") {
      ARDOISE_ASSIGN_OR_RETURN(
          *out_->plan.mutable_subject(),
          ShortText(e.value, e.value_pos, "subject", "mathématiques",
                    /*multiline=*/false));
    } else if (e.key == "steps") {
      ARDOISE_RETURN_IF_ERROR(ParseSteps(e));
    }
  }
  for (const auto& [key, example] :
       {std::pair{"title", "title: \"Les fractions avec GCompris\""},
        std::pair{"levels", "levels: [CM1, CM2]"},
        std::pair{"steps", "steps: followed by a list of steps"}}) {
    if (Find(entries, key) == nullptr) {
      return Error(PosOf(root, start),
                   absl::StrCat("missing \"", key, "\" (add ", example, ")"));
    }
  }
  return absl::OkStatus();
}

// "step 2 "Exercices"" for messages.
std::string StepLabel(const v1::PlanStep& step, int index) {
  return absl::StrCat("step ", index + 1, " ", Quote(step.title()));
}

}  // namespace

SourcePos ParsedPlan::PosOf(const std::string& path) const {
  return yaml::PositionOf(positions, path);
}

std::string ParsedPlan::Where(const std::string& path) const {
  return yaml::Where(file, PosOf(path));
}

absl::Duration ParsedPlan::total() const {
  absl::Duration sum = absl::ZeroDuration();
  for (const v1::PlanStep& step : plan.steps()) {
    sum += absl::Seconds(step.duration_seconds());
  }
  return sum;
}

absl::StatusOr<ParsedPlan> ParsePlan(std::string_view yaml_text,
                                     const std::string& file_name) {
  static constexpr yaml::DocumentRules kRules{
      "plan", kMaxPlanBytes, "split the lesson into several plans",
      "write one file per plan"};
  ParsedPlan parsed;
  parsed.file = file_name;
  ARDOISE_RETURN_IF_ERROR(yaml::LoadSingleDocument(
      yaml_text, file_name, kRules, [&](const YAML::Node& root) {
        Parser parser(file_name, &parsed);
        return parser.ParseDocument(root);
      }));
  return parsed;
}

absl::StatusOr<ParsedPlan> ParsePlanFile(const std::string& path) {
  ARDOISE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParsePlan(text, path);
}

bool UrlAllowedBy(std::string_view url, std::string_view prefix) {
  if (prefix.empty() || url.size() < prefix.size() ||
      url.substr(0, prefix.size()) != prefix) {
    return false;
  }
  if (url.size() == prefix.size()) return true;
  const char last = prefix.back();
  if (last == '/' || last == '?' || last == '#' || last == '=' || last == '&') {
    return true;
  }
  const char next = url[prefix.size()];
  return next == '/' || next == '?' || next == '#';
}

absl::Status CheckPlanApps(const ParsedPlan& parsed,
                           const v1::EffectivePolicy& policy) {
  const auto app_enabled = [&policy](const std::string& app) {
    return std::find(policy.apps().begin(), policy.apps().end(), app) !=
           policy.apps().end();
  };
  const auto url_allowed = [&policy](const std::string& url) {
    return std::any_of(policy.urls().begin(), policy.urls().end(),
                       [&url](const std::string& prefix) {
                         return UrlAllowedBy(url, prefix);
                       });
  };
  const std::string enabled =
      policy.apps().empty() ? std::string("the policy enables no app")
                            : absl::StrCat("the policy enables ",
                                           absl::StrJoin(policy.apps(), ", "));
  const std::string allowed =
      policy.urls().empty() ? std::string("the policy allows no URL")
                            : absl::StrCat("the policy allows ",
                                           absl::StrJoin(policy.urls(), ", "));
  for (int i = 0; i < parsed.plan.steps_size(); ++i) {
    const v1::PlanStep& step = parsed.plan.steps(i);
    const std::string path = absl::StrCat("steps[", i, "]");
    // (device, app or URL, whether it is a URL, the position's path)
    struct Use {
      const char* device;
      const std::string* target;
      bool is_url;
      std::string path;
    };
    std::vector<Use> uses;
    if (step.tablets().has_app()) {
      uses.push_back({"tablets", &step.tablets().app().app(), false,
                      absl::StrCat(path, ".tablets.app")});
    } else if (step.tablets().has_url()) {
      uses.push_back({"tablets", &step.tablets().url().url(), true,
                      absl::StrCat(path, ".tablets.url")});
    }
    if (step.whiteboard().kind_case() == v1::WhiteboardAction::kApp) {
      uses.push_back({"whiteboard", &step.whiteboard().app(), false,
                      absl::StrCat(path, ".whiteboard.app")});
    } else if (step.whiteboard().kind_case() == v1::WhiteboardAction::kUrl) {
      uses.push_back({"whiteboard", &step.whiteboard().url(), true,
                      absl::StrCat(path, ".whiteboard.url")});
    }
    for (const Use& use : uses) {
      if (!use.is_url && !app_enabled(*use.target)) {
        return absl::FailedPreconditionError(absl::StrCat(
            parsed.Where(use.path), ": ", StepLabel(step, i), " uses the app ",
            Quote(*use.target), " on the ", use.device,
            ", which the policy does not enable; ", enabled,
            " (enable it in the policy's apps list or change the step)"));
      }
      if (use.is_url && !url_allowed(*use.target)) {
        return absl::FailedPreconditionError(absl::StrCat(
            parsed.Where(use.path), ": ", StepLabel(step, i), " opens the URL ",
            Quote(*use.target), " on the ", use.device,
            ", which the policy does not allow; ", allowed,
            " (allow its site in the policy's urls list or change the step)"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ardoise
