#include "common/duration.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

absl::Duration Parse(std::string_view s) {
  absl::StatusOr<absl::Duration> d = ParseDuration(s);
  EXPECT_TRUE(d.ok()) << s << ": " << d.status();
  return d.value_or(absl::InfiniteDuration());
}

std::string Error(std::string_view s) {
  absl::StatusOr<absl::Duration> d = ParseDuration(s);
  EXPECT_FALSE(d.ok()) << s << " parsed as " << *d;
  if (d.ok()) return "";
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << s;
  return std::string(d.status().message());
}

TEST(DurationTest, ParsesWhatPeopleWrite) {
  EXPECT_EQ(Parse("1h30"), absl::Minutes(90));
  EXPECT_EQ(Parse("1h30m"), absl::Minutes(90));
  EXPECT_EQ(Parse("90m"), absl::Minutes(90));
  EXPECT_EQ(Parse("45s"), absl::Seconds(45));
  EXPECT_EQ(Parse("2h"), absl::Hours(2));
  EXPECT_EQ(Parse("1h30m15s"), absl::Seconds(5415));
  EXPECT_EQ(Parse("0s"), absl::ZeroDuration());
  EXPECT_EQ(Parse("0h"), absl::ZeroDuration());
  EXPECT_EQ(Parse("1h5"), absl::Minutes(65));
  EXPECT_EQ(Parse("1h05"), absl::Minutes(65));
  EXPECT_EQ(Parse("1h00m05s"), absl::Seconds(3605));
  EXPECT_EQ(Parse("1h15s"), absl::Seconds(3615));
  EXPECT_EQ(Parse("2m30s"), absl::Seconds(150));
  EXPECT_EQ(Parse("3600s"), absl::Hours(1));
  EXPECT_EQ(Parse("180m"), absl::Hours(3));
  EXPECT_EQ(Parse("10000h"), absl::Hours(10000));
  EXPECT_EQ(Parse("007m"), absl::Minutes(7));
}

TEST(DurationTest, Errors) {
  EXPECT_EQ(Error("1x"),
            "bad duration \"1x\": unknown unit \"x\" (use h, m or s, e.g. "
            "\"1h30\", \"90m\", \"45s\")");
  EXPECT_EQ(Error("90"),
            "bad duration \"90\": missing unit after \"90\" (use h, m or s, "
            "e.g. \"90m\")");
  EXPECT_NE(Error("").find("empty"), std::string::npos);
  EXPECT_NE(Error("-5m").find("negative"), std::string::npos);
  EXPECT_NE(Error("1h2h").find("unit \"h\" appears twice"), std::string::npos);
  EXPECT_NE(Error("30m1h").find("order h, m, s"), std::string::npos);
  EXPECT_NE(Error("5s3m").find("order h, m, s"), std::string::npos);
  EXPECT_NE(Error("10001h").find("10000h maximum"), std::string::npos);
  EXPECT_NE(Error("9999h60m").find("must be below 60"), std::string::npos);
  EXPECT_NE(Error("9999h59m61s").find("must be below 60"), std::string::npos);
  EXPECT_NE(Error("10000h1s").find("10000h maximum"), std::string::npos);
  EXPECT_NE(Error("99999999999999999999999s").find("10000h maximum"),
            std::string::npos);
  EXPECT_NE(Error("1.5h").find("fractions"), std::string::npos);
  EXPECT_NE(Error("1,5h").find("fractions"), std::string::npos);
  EXPECT_NE(Error("1h75").find("75 minutes after hours"), std::string::npos);
  EXPECT_NE(Error("1m75s").find("75 seconds after minutes"), std::string::npos);
  EXPECT_NE(Error("h").find("expected a number"), std::string::npos);
  EXPECT_NE(Error("1hm").find("expected a number at \"m\""), std::string::npos);
  EXPECT_NE(Error("1H").find("unknown unit \"H\""), std::string::npos);
  EXPECT_NE(Error(" 5m").find("spaces are not allowed"), std::string::npos);
  EXPECT_NE(Error("5m ").find("spaces are not allowed"), std::string::npos);
  EXPECT_NE(Error("1h 30m").find("spaces are not allowed"), std::string::npos);
  EXPECT_NE(Error("+5m").find("expected a number"), std::string::npos);
  EXPECT_NE(Error("1m30").find("missing unit after \"30\""), std::string::npos);
  EXPECT_NE(Error("1h30m15").find("missing unit"), std::string::npos);
  Error("1d");
  Error("1ms");
  Error("5mm");
}

TEST(DurationTest, FormatsShortest) {
  EXPECT_EQ(ardoise::FormatDuration(absl::Minutes(90)), "1h30");
  EXPECT_EQ(ardoise::FormatDuration(absl::Seconds(45)), "45s");
  EXPECT_EQ(ardoise::FormatDuration(absl::Hours(2)), "2h");
  EXPECT_EQ(ardoise::FormatDuration(absl::Seconds(61)), "1m01s");
  EXPECT_EQ(ardoise::FormatDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(ardoise::FormatDuration(absl::Seconds(3605)), "1h00m05s");
  EXPECT_EQ(ardoise::FormatDuration(absl::Minutes(65)), "1h05");
  EXPECT_EQ(ardoise::FormatDuration(absl::Minutes(5)), "5m");
  EXPECT_EQ(ardoise::FormatDuration(absl::Seconds(5415)), "1h30m15s");
  EXPECT_EQ(ardoise::FormatDuration(absl::Hours(10000)), "10000h");
  EXPECT_EQ(ardoise::FormatDuration(absl::Hours(30)), "30h");
}

TEST(DurationTest, FormatTruncatesSubSeconds) {
  EXPECT_EQ(ardoise::FormatDuration(absl::Milliseconds(999)), "0s");
  EXPECT_EQ(
      ardoise::FormatDuration(absl::Seconds(61) + absl::Milliseconds(900)),
      "1m01s");
}

TEST(DurationTest, FormatOddValues) {
  EXPECT_EQ(ardoise::FormatDuration(-absl::Minutes(90)), "-1h30");
  EXPECT_EQ(ardoise::FormatDuration(absl::InfiniteDuration()), "inf");
  EXPECT_EQ(ardoise::FormatDuration(-absl::InfiniteDuration()), "-inf");
}

TEST(DurationTest, RoundTripsWholeSeconds) {
  // Every second of the first three hours, then a stride up to the maximum.
  for (int64_t s = 0; s <= 3 * 3600; ++s) {
    absl::Duration d = absl::Seconds(s);
    ASSERT_EQ(Parse(ardoise::FormatDuration(d)), d)
        << ardoise::FormatDuration(d);
  }
  for (int64_t s = 3 * 3600; s <= 10000 * 3600; s += 7919) {
    absl::Duration d = absl::Seconds(s);
    ASSERT_EQ(Parse(ardoise::FormatDuration(d)), d)
        << ardoise::FormatDuration(d);
  }
}

}  // namespace
}  // namespace ardoise
