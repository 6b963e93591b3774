#include "common/yaml/strict_yaml.h"

#include <algorithm>
#include <exception>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/absl_compat.h"
#include "yaml-cpp/eventhandler.h"

namespace ardoise {
namespace yaml {
namespace {

// Records where each document starts; ignores everything else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  explicit DocumentStarts(std::vector<YAML::Mark>* starts) : starts_(starts) {}
  void OnDocumentStart(const YAML::Mark& mark) override {
    starts_->push_back(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark>* starts_;
};

// A yaml-cpp mark as a 1-based position, line 1 column 1 when it has none.
SourcePos MarkPos(const YAML::Mark& mark) {
  return mark.is_null() ? SourcePos{1, 1}
                        : SourcePos{mark.line + 1, mark.column + 1};
}

}  // namespace

std::string Where(std::string_view file, SourcePos pos) {
  return absl::StrCat(AsAbsl(file), ":", pos.line, ":", pos.column);
}

absl::Status Error(std::string_view file, SourcePos pos,
                   std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(Where(file, pos), ": ", AsAbsl(message)));
}

SourcePos PositionOf(const std::map<std::string, SourcePos>& positions,
                     const std::string& path) {
  auto it = positions.find(path);
  return it == positions.end() ? SourcePos{1, 1} : it->second;
}

bool HasPosition(std::string_view message, std::string_view file) {
  if (message.substr(0, file.size()) != file) return false;
  size_t i = file.size();
  if (i >= message.size() || message[i] != ':') return false;
  ++i;
  for (int part = 0; part < 2; ++part) {
    long value = 0;
    const size_t start = i;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') {
      value = value * 10 + (message[i] - '0');
      if (value > 1000000000) return false;
      ++i;
    }
    if (i == start || value < 1) return false;
    if (i >= message.size() || message[i] != ':') return false;
    ++i;
  }
  return i < message.size() && message[i] == ' ';
}

std::string PosString(SourcePos pos) {
  return absl::StrCat("line ", pos.line, ", column ", pos.column);
}

SourcePos PosOf(const YAML::Node& node, SourcePos fallback) {
  if (!node.IsDefined() || node.IsNull()) return fallback;
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return fallback;
  return SourcePos{mark.line + 1, mark.column + 1};
}

int EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::string_view Closest(std::string_view word,
                         const std::vector<std::string_view>& allowed) {
  std::string_view best;
  int best_distance = 3;
  if (word.size() > 64) return best;  // keeps the quadratic distance cheap
  for (std::string_view candidate : allowed) {
    const int distance = EditDistance(word, candidate);
    if (distance < best_distance &&
        distance < static_cast<int>(std::max(word.size(), size_t{2}))) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string SuggestHint(std::string_view word,
                        const std::vector<std::string_view>& allowed) {
  const std::string_view best = Closest(word, allowed);
  if (!best.empty()) {
    return absl::StrCat(" (did you mean \"", AsAbsl(best), "\"?)");
  }
  std::vector<std::string> names(allowed.begin(), allowed.end());
  return absl::StrCat(" (allowed: ", absl::StrJoin(names, ", "), ")");
}

std::string Quote(std::string_view text) {
  std::string shown;
  for (char c : text.substr(0, 60)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppend(&shown, absl::StrFormat("\\x%02x", u));
    } else if (c == '"') {
      shown += "\\\"";
    } else {
      shown += c;
    }
  }
  if (text.size() > 60) shown += "...";
  return absl::StrCat("\"", shown, "\"");
}

std::string TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return absl::StrCat("the text ", Quote(node.Scalar()));
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an undefined node";
  }
}

absl::Status Reader::Error(SourcePos pos, std::string_view message) const {
  return yaml::Error(file_, pos, message);
}

absl::StatusOr<std::vector<Entry>> Reader::MapEntries(
    const YAML::Node& node, SourcePos pos, const std::string& path,
    const MapWording& wording, const std::vector<std::string_view>& allowed) {
  const std::string_view what = wording.what;
  const std::string_view noun = wording.noun;
  if (!node.IsMap()) {
    return Error(pos, absl::StrCat("expected a map for ", AsAbsl(what),
                                   ", got ", TypeName(node), " (write ",
                                   AsAbsl(wording.write), ")"));
  }
  std::vector<Entry> entries;
  std::map<std::string, SourcePos> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // `it->` yields a temporary proxy: copy the (reference-counted) nodes
    // out of it rather than binding references into it.
    const YAML::Node key(it->first);
    Entry entry{std::string(), YAML::Node(it->second), PosOf(key, pos),
                SourcePos(), std::string()};
    if (!key.IsScalar()) {
      return Error(entry.key_pos,
                   absl::StrCat("a ", AsAbsl(noun), " of ", AsAbsl(what),
                                " must be a plain name, got ", TypeName(key)));
    }
    entry.key = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), entry.key) == allowed.end()) {
      return Error(
          entry.key_pos,
          absl::StrCat("unknown ", AsAbsl(noun), " ", Quote(entry.key), " in ",
                       AsAbsl(what), SuggestHint(entry.key, allowed)));
    }
    auto [previous, inserted] = seen.emplace(entry.key, entry.key_pos);
    if (!inserted) {
      return Error(
          entry.key_pos,
          absl::StrCat("duplicated ", AsAbsl(noun), " ", Quote(entry.key),
                       " in ", AsAbsl(what), " (first set at ",
                       PosString(previous->second), "; keep one)"));
    }
    entry.value_pos = PosOf(entry.value, entry.key_pos);
    entry.path = path.empty() ? entry.key : absl::StrCat(path, ".", entry.key);
    (*positions_)[entry.path] = entry.key_pos;
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<Item>> Reader::ListItems(const YAML::Node& node,
                                                    SourcePos pos,
                                                    const std::string& path,
                                                    std::string_view what,
                                                    std::string_view example) {
  if (!node.IsSequence()) {
    return Error(
        pos, absl::StrCat("expected a list for ", AsAbsl(what), ", got ",
                          TypeName(node), " (write ", AsAbsl(example), ")"));
  }
  std::vector<Item> items;
  int index = 0;
  for (auto it = node.begin(); it != node.end(); ++it, ++index) {
    Item item{YAML::Node(*it), SourcePos(), std::string()};
    item.pos = PosOf(item.value, pos);
    item.path = absl::StrCat(path, "[", index, "]");
    (*positions_)[item.path] = item.pos;
    items.push_back(std::move(item));
  }
  return items;
}

absl::StatusOr<std::string> Reader::Scalar(const YAML::Node& node,
                                           SourcePos pos, std::string_view what,
                                           std::string_view example) const {
  if (!node.IsScalar()) {
    return Error(pos,
                 absl::StrCat("expected a string for ", AsAbsl(what), ", got ",
                              TypeName(node), " (e.g. ", AsAbsl(example), ")"));
  }
  return node.Scalar();
}

absl::Status LoadSingleDocument(
    std::string_view text, const std::string& file, const DocumentRules& rules,
    const std::function<absl::Status(const YAML::Node& root)>& parse) {
  if (text.size() > rules.max_bytes) {
    return Error(
        file, SourcePos{1, 1},
        absl::StrCat(AsAbsl(rules.noun), " is ", text.size(),
                     " bytes, above the ", rules.max_bytes, "-byte limit (",
                     AsAbsl(rules.too_large_fix), ")"));
  }
  try {
    const std::string copy(text);
    std::vector<YAML::Mark> starts;
    {
      std::istringstream stream(copy);
      YAML::Parser events(stream);
      DocumentStarts handler(&starts);
      while (starts.size() < 2 && events.HandleNextDocument(handler)) {
      }
    }
    if (starts.size() == 2) {
      const YAML::Mark& mark = starts[1];
      const SourcePos where = MarkPos(mark);
      if (!mark.is_null() && mark.pos == starts[0].pos) {
        const std::string_view rest =
            mark.pos >= 0 && static_cast<size_t>(mark.pos) < copy.size()
                ? std::string_view(copy).substr(mark.pos, 1)
                : std::string_view();
        return Error(file, where,
                     absl::StrCat("invalid YAML: unexpected ", Quote(rest),
                                  " (check indentation, quotes and brackets)"));
      }
      return Error(file, where,
                   absl::StrCat("a ", AsAbsl(rules.noun),
                                " file holds one YAML document (remove "
                                "\"---\" and ",
                                AsAbsl(rules.one_document_fix), ")"));
    }
    const YAML::Node root = YAML::Load(copy);  // reads the first document
    return parse(root);
  } catch (const YAML::Exception& e) {
    return Error(file, MarkPos(e.mark),
                 absl::StrCat("invalid YAML: ", e.msg,
                              " (check indentation, quotes and brackets)"));
  } catch (const std::exception& e) {
    return Error(
        file, SourcePos{1, 1},
        absl::StrCat("cannot read the ", AsAbsl(rules.noun), ": ", e.what()));
  } catch (...) {
    return Error(file, SourcePos{1, 1},
                 absl::StrCat("cannot read the ", AsAbsl(rules.noun)));
  }
}

}  // namespace yaml
}  // namespace ardoise
