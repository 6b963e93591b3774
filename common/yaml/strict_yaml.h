// common/yaml: the strict YAML reading that the policy and plan parsers share,
// so that both file formats fail the same way with the same words.
//
// Purpose: turn a YAML text into a yaml-cpp document and walk its maps and
// lists while keeping each key's and item's 1-based position, so that every
// error reads "FILE:LINE:COLUMN: what is wrong (how to fix it)". The format
// parsers (common/policy, common/plan) keep their own keys and rules; this
// folder only knows YAML.
//
// Contract: nothing here throws. LoadSingleDocument catches every exception
// yaml-cpp (or the caller's callback) throws and turns it into
// InvalidArgument; the other functions only read nodes that exist. Errors are
// InvalidArgument with the position first (Error, HasPosition).
//
// Beware yaml-cpp's reference semantics: assigning to a YAML::Node that
// already refers to a node rewrites the document. Entry and Item are only
// ever constructed, moved into vectors and read; never assigned or sorted.
//
// Thread safety: pure functions over their arguments; a YAML::Node (and so
// an Entry or Item) must not be used from two threads at once.

#ifndef ARDOISE_COMMON_YAML_STRICT_YAML_H_
#define ARDOISE_COMMON_YAML_STRICT_YAML_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace ardoise {

// A 1-based position in a YAML file.
struct SourcePos {
  int line = 0;
  int column = 0;
};

namespace yaml {

// InvalidArgument "FILE:LINE:COLUMN: message".
absl::Status Error(std::string_view file, SourcePos pos,
                   std::string_view message);

// Whether `message` starts with "FILE:LINE:COLUMN: " for this `file`, with
// LINE and COLUMN positive integers (the fuzz targets' contract check).
bool HasPosition(std::string_view message, std::string_view file);

// "line 3, column 5", for "first set at ..." hints.
std::string PosString(SourcePos pos);

// "FILE:LINE:COLUMN", the start of every message.
std::string Where(std::string_view file, SourcePos pos);

// The position `positions` records for `path`, else line 1 column 1.
SourcePos PositionOf(const std::map<std::string, SourcePos>& positions,
                     const std::string& path);

// The 1-based position of `node` (yaml-cpp marks are 0-based), or `fallback`
// for undefined and null nodes, which carry no mark worth using.
SourcePos PosOf(const YAML::Node& node, SourcePos fallback);

// Optimal string alignment distance (Levenshtein plus transpositions, which
// are the commonest typo).
int EditDistance(std::string_view a, std::string_view b);

// The closest word of `allowed` within 2 edits of `word` (and fewer edits
// than `word` has letters), or "" (also for words over 64 bytes).
std::string_view Closest(std::string_view word,
                         const std::vector<std::string_view>& allowed);

// " (did you mean "x"?)" when Closest finds a word, otherwise
// " (allowed: a, b, c)".
std::string SuggestHint(std::string_view word,
                        const std::vector<std::string_view>& allowed);

// `text` in double quotes for messages: at most 60 bytes then "...", control
// bytes as \xNN and quotes escaped.
std::string Quote(std::string_view text);

// What a node is, for "expected X, got ..." messages: "nothing", "the text
// "x"", "a list", "a map".
std::string TypeName(const YAML::Node& node);

// A key of a map with its value, positions 1-based.
struct Entry {
  std::string key;
  YAML::Node value;
  SourcePos key_pos;
  SourcePos value_pos;
  std::string path;  // e.g. "outside_sessions.daily_limit"
};

// A list item.
struct Item {
  YAML::Node value;
  SourcePos pos;
  std::string path;  // e.g. "holidays[2]"
};

// How MapEntries names things in its messages.
struct MapWording {
  // What the map is ("\"scope\"", "a step").
  std::string_view what;
  // The fix when the node is not a map: "expected a map for WHAT, got ...
  // (write WRITE)".
  std::string_view write;
  // What its keys are called ("key", "weekday").
  std::string_view noun = "key";
};

// The base of a format's parser: reads the nodes of one document of `file`,
// records where each key and list item stands in `positions` (field path ->
// position), and formats every refusal "FILE:LINE:COLUMN: ..." through
// Error. A format's Parser derives from it and adds its own keys and rules.
//
// Keeps references to `file` and `positions`, which must outlive it. Not
// copyable. One instance per parse, on one thread.
class Reader {
 public:
  Reader(const std::string& file, std::map<std::string, SourcePos>* positions)
      : file_(file), positions_(positions) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  const std::string& file() const { return file_; }

  // InvalidArgument "FILE:LINE:COLUMN: message".
  absl::Status Error(SourcePos pos, std::string_view message) const;

  // The entries of the map `node` at `pos`, in file order, each key's
  // position recorded under "PATH.KEY" (or "KEY" when `path` is empty).
  // Refuses other node types, non-scalar keys, keys not in `allowed` (with a
  // SuggestHint) and duplicated keys.
  absl::StatusOr<std::vector<Entry>> MapEntries(
      const YAML::Node& node, SourcePos pos, const std::string& path,
      const MapWording& wording, const std::vector<std::string_view>& allowed);

  // The items of the list `node` at `pos`, each position recorded under
  // "PATH[i]". Refuses other node types: "expected a list for WHAT, got ...
  // (write EXAMPLE)".
  absl::StatusOr<std::vector<Item>> ListItems(const YAML::Node& node,
                                              SourcePos pos,
                                              const std::string& path,
                                              std::string_view what,
                                              std::string_view example);

  // The text of the scalar `node` at `pos`. Refuses other node types:
  // "expected a string for WHAT, got ... (e.g. EXAMPLE)".
  absl::StatusOr<std::string> Scalar(const YAML::Node& node, SourcePos pos,
                                     std::string_view what,
                                     std::string_view example) const;

  // Records that `path` is set at `pos` (for values the walk does not see
  // as keys or items).
  void Record(const std::string& path, SourcePos pos) {
    (*positions_)[path] = pos;
  }

 private:
  const std::string& file_;
  std::map<std::string, SourcePos>* positions_;
};

// How LoadSingleDocument words its refusals for one file format.
struct DocumentRules {
  // The format's name in messages: "policy", "plan".
  std::string_view noun;
  // Larger texts are refused before yaml-cpp sees them.
  size_t max_bytes = 0;
  // The fix when the text is too large: "split the lesson into ...".
  std::string_view too_large_fix;
  // The fix when the text holds several documents: "write one file per ...".
  std::string_view one_document_fix;
};

// Parses `text` as exactly one YAML document and hands its root to `parse`,
// returning what `parse` returns. Refuses, with errors naming `file`: texts
// over rules.max_bytes, several documents, malformed YAML, and any exception
// (from yaml-cpp or from `parse`, which may read nodes freely).
//
// Documents are counted first, at most two: yaml-cpp 0.7 returns empty
// documents forever, without consuming input, on a stray flow token at block
// level (e.g. a line starting with ","), so YAML::LoadAll never ends and eats
// all memory (found by policy_parse_fuzzer). A second document starting where
// the first did is that case, reported as invalid YAML.
absl::Status LoadSingleDocument(
    std::string_view text, const std::string& file, const DocumentRules& rules,
    const std::function<absl::Status(const YAML::Node& root)>& parse);

}  // namespace yaml
}  // namespace ardoise

#endif  // ARDOISE_COMMON_YAML_STRICT_YAML_H_
