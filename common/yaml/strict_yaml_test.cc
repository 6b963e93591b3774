#include "common/yaml/strict_yaml.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise::yaml {
namespace {

using ::testing::HasSubstr;

std::string MessageOf(const absl::Status& status) {
  return std::string(status.message());
}

TEST(StrictYamlTest, ErrorPutsThePositionFirst) {
  const absl::Status status = Error("a.yaml", SourcePos{12, 5}, "bad (fix)");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MessageOf(status), "a.yaml:12:5: bad (fix)");
  EXPECT_TRUE(HasPosition(MessageOf(status), "a.yaml"));
}

TEST(StrictYamlTest, HasPositionRefusesMissingOrZeroPositions) {
  EXPECT_FALSE(HasPosition("a.yaml:0:1: x", "a.yaml"));
  EXPECT_FALSE(HasPosition("a.yaml:1: x", "a.yaml"));
  EXPECT_FALSE(HasPosition("a.yaml:1:1:x", "a.yaml"));
  EXPECT_FALSE(HasPosition("b.yaml:1:1: x", "a.yaml"));
  EXPECT_FALSE(HasPosition("a.yaml", "a.yaml"));
}

TEST(StrictYamlTest, EditDistanceCountsATranspositionAsOneEdit) {
  EXPECT_EQ(EditDistance("daily_limit", "daily_limit"), 0);
  EXPECT_EQ(EditDistance("dayly_limit", "daily_limit"), 1);
  EXPECT_EQ(EditDistance("socpe", "scope"), 1);
  EXPECT_EQ(EditDistance("sopce", "scope"), 2);
  EXPECT_EQ(EditDistance("", "abc"), 3);
}

TEST(StrictYamlTest, SuggestHintNamesTheClosestOrListsAll) {
  const std::vector<std::string_view> allowed = {"scope", "timezone", "apps"};
  EXPECT_EQ(SuggestHint("sope", allowed), " (did you mean \"scope\"?)");
  EXPECT_EQ(SuggestHint("whatever", allowed),
            " (allowed: scope, timezone, apps)");
  // Fewer edits than the word has letters: "ab" is not close to "xy".
  EXPECT_EQ(Closest("ab", {"xy"}), "");
  EXPECT_EQ(Closest("x", {"y"}), "y");
  EXPECT_EQ(Closest(std::string(65, 'a'), {std::string_view("a")}), "");
}

TEST(StrictYamlTest, QuoteEscapesAndShortens) {
  EXPECT_EQ(Quote("a\"b\n"), "\"a\\\"b\\x0a\"");
  EXPECT_EQ(Quote(std::string(61, 'x')), "\"" + std::string(60, 'x') + "...\"");
}

TEST(StrictYamlTest, TypeNameSaysWhatANodeIs) {
  EXPECT_EQ(TypeName(YAML::Load("~")), "nothing");
  EXPECT_EQ(TypeName(YAML::Load("abc")), "the text \"abc\"");
  EXPECT_EQ(TypeName(YAML::Load("[1]")), "a list");
  EXPECT_EQ(TypeName(YAML::Load("{a: 1}")), "a map");
}

TEST(StrictYamlTest, MapEntriesRecordsOneBasedPositions) {
  const YAML::Node root = YAML::Load("a: 1\nouter:\n  b: x\n");
  const std::string file = "f.yaml";
  std::map<std::string, SourcePos> positions;
  Reader reader(file, &positions);
  absl::StatusOr<std::vector<Entry>> top = reader.MapEntries(
      root, SourcePos{1, 1}, "", {"the file", "a: 1"}, {"a", "outer"});
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[1].path, "outer");
  EXPECT_EQ((*top)[1].key_pos.line, 2);
  EXPECT_EQ((*top)[1].value_pos.line, 3);
  EXPECT_EQ((*top)[1].value_pos.column, 3);
  absl::StatusOr<std::vector<Entry>> inner =
      reader.MapEntries((*top)[1].value, (*top)[1].value_pos, "outer",
                        {"\"outer\"", "b: x"}, {"b"});
  ASSERT_TRUE(inner.ok()) << inner.status();
  EXPECT_EQ((*inner)[0].path, "outer.b");
  EXPECT_EQ(PositionOf(positions, "outer.b").line, 3);
  EXPECT_EQ(PositionOf(positions, "outer.b").column, 3);
  EXPECT_EQ(PositionOf(positions, "missing").line, 1);
  EXPECT_EQ(Where(file, PositionOf(positions, "outer")), "f.yaml:2:1");
}

TEST(StrictYamlTest, MapEntriesRefusesUnknownDuplicatedAndNonMaps) {
  const std::string file = "f.yaml";
  std::map<std::string, SourcePos> positions;
  Reader reader(file, &positions);
  const MapWording wording{"\"days\"", "monday: ...", "weekday"};
  EXPECT_EQ(MessageOf(reader
                          .MapEntries(YAML::Load("mondya: 1"), SourcePos{1, 1},
                                      "", wording, {"monday"})
                          .status()),
            "f.yaml:1:1: unknown weekday \"mondya\" in \"days\" (did you mean "
            "\"monday\"?)");
  EXPECT_EQ(MessageOf(reader
                          .MapEntries(YAML::Load("monday: 1\nmonday: 2"),
                                      SourcePos{1, 1}, "", wording, {"monday"})
                          .status()),
            "f.yaml:2:1: duplicated weekday \"monday\" in \"days\" (first set "
            "at line 1, column 1; keep one)");
  EXPECT_EQ(MessageOf(reader
                          .MapEntries(YAML::Load("[1]"), SourcePos{4, 2}, "",
                                      wording, {"monday"})
                          .status()),
            "f.yaml:4:2: expected a map for \"days\", got a list (write "
            "monday: ...)");
  EXPECT_EQ(MessageOf(reader
                          .MapEntries(YAML::Load("[a, b]: 1"), SourcePos{1, 1},
                                      "", wording, {"monday"})
                          .status()),
            "f.yaml:1:1: a weekday of \"days\" must be a plain name, got a "
            "list");
}

TEST(StrictYamlTest, ListItemsIndexesPaths) {
  const std::string file = "f.yaml";
  std::map<std::string, SourcePos> positions;
  Reader reader(file, &positions);
  absl::StatusOr<std::vector<Item>> items = reader.ListItems(
      YAML::Load("- a\n- b\n"), SourcePos{1, 1}, "apps", "\"apps\"", "[a]");
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[1].path, "apps[1]");
  EXPECT_EQ(positions["apps[1]"].line, 2);
  EXPECT_EQ(MessageOf(reader
                          .ListItems(YAML::Load("x"), SourcePos{2, 3}, "apps",
                                     "\"apps\"", "[a]")
                          .status()),
            "f.yaml:2:3: expected a list for \"apps\", got the text \"x\" "
            "(write [a])");
}

TEST(StrictYamlTest, ScalarRefusesOtherNodes) {
  const std::string file = "f.yaml";
  std::map<std::string, SourcePos> positions;
  Reader reader(file, &positions);
  absl::StatusOr<std::string> text =
      reader.Scalar(YAML::Load("abc"), SourcePos{1, 1}, "a name", "\"x\"");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "abc");
  EXPECT_EQ(MessageOf(reader
                          .Scalar(YAML::Load("{a: 1}"), SourcePos{3, 4},
                                  "a name", "\"x\"")
                          .status()),
            "f.yaml:3:4: expected a string for a name, got a map (e.g. "
            "\"x\")");
}

constexpr DocumentRules kRules{"thing", 32, "make it shorter",
                               "write one file per thing"};

absl::Status Load(std::string_view text) {
  return LoadSingleDocument(text, "t.yaml", kRules,
                            [](const YAML::Node& root) -> absl::Status {
                              if (!root.IsMap()) {
                                return absl::NotFoundError("not a map");
                              }
                              return absl::OkStatus();
                            });
}

TEST(StrictYamlTest, LoadSingleDocumentHandsTheRootOver) {
  EXPECT_TRUE(Load("a: 1\n").ok());
  EXPECT_EQ(Load("- 1\n").code(), absl::StatusCode::kNotFound);
}

TEST(StrictYamlTest, LoadSingleDocumentRefusesLargeTexts) {
  EXPECT_EQ(MessageOf(Load(std::string(33, '#'))),
            "t.yaml:1:1: thing is 33 bytes, above the 32-byte limit (make it "
            "shorter)");
}

// The position is the second document's start: its "---".
TEST(StrictYamlTest, LoadSingleDocumentRefusesSeveralDocuments) {
  EXPECT_EQ(MessageOf(Load("a: 1\n---\nb: 2\n")),
            "t.yaml:2:1: a thing file holds one YAML document (remove \"---\" "
            "and write one file per thing)");
}

// yaml-cpp 0.7 loops forever in YAML::LoadAll on this input.
TEST(StrictYamlTest, LoadSingleDocumentStopsOnAStrayComma) {
  const absl::Status status = Load(",x: 1\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(status), HasSubstr("invalid YAML"));
  EXPECT_TRUE(HasPosition(MessageOf(status), "t.yaml"));
}

TEST(StrictYamlTest, LoadSingleDocumentCatchesExceptions) {
  EXPECT_THAT(MessageOf(Load("a: [1\n")), HasSubstr("invalid YAML: "));
  const absl::Status thrown = LoadSingleDocument(
      "a: 1\n", "t.yaml", kRules, [](const YAML::Node& root) -> absl::Status {
        (void)root["a"].as<std::vector<int>>();  // throws: not a list
        return absl::OkStatus();
      });
  EXPECT_EQ(thrown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasPosition(MessageOf(thrown), "t.yaml"));
}

}  // namespace
}  // namespace ardoise::yaml
