#include "common/usage_ledger.h"

#include <string>

#include "gtest/gtest.h"

namespace ardoise {
namespace {

const absl::CivilDay kMonday(2027, 3, 22);

TEST(UsageLedgerTest, CountsWithinADay) {
  UsageLedger ledger;
  ledger.Add(absl::Minutes(10), kMonday);
  ledger.Add(absl::Seconds(30), kMonday);
  EXPECT_EQ(ledger.day(), kMonday);
  EXPECT_EQ(ledger.UsedOn(kMonday), absl::Minutes(10) + absl::Seconds(30));
}

TEST(UsageLedgerTest, ANewDayStartsANewCount) {
  UsageLedger ledger;
  ledger.Add(absl::Minutes(50), kMonday);
  EXPECT_EQ(ledger.UsedOn(kMonday + 1), absl::ZeroDuration());
  ledger.Add(absl::Minutes(5), kMonday + 1);
  EXPECT_EQ(ledger.day(), kMonday + 1);
  EXPECT_EQ(ledger.UsedOn(kMonday + 1), absl::Minutes(5));
}

TEST(UsageLedgerTest, AnEarlierDayNeverReGrantsUse) {
  UsageLedger ledger;
  ledger.Add(absl::Minutes(50), kMonday);
  ledger.Add(absl::Minutes(5), kMonday - 1);  // the clock went back
  EXPECT_EQ(ledger.day(), kMonday);
  EXPECT_EQ(ledger.UsedOn(kMonday), absl::Minutes(50));
  EXPECT_EQ(ledger.UsedOn(kMonday - 1), absl::Minutes(50));
}

TEST(UsageLedgerTest, NegativeUseCountsNothing) {
  UsageLedger ledger;
  ledger.Add(absl::Minutes(5), kMonday);
  ledger.Add(-absl::Minutes(3), kMonday);
  EXPECT_EQ(ledger.UsedOn(kMonday), absl::Minutes(5));
}

TEST(UsageLedgerTest, SerializeRoundTrips) {
  UsageLedger ledger;
  ledger.Add(absl::Seconds(3599) + absl::Microseconds(250), kMonday);
  const std::string text = ledger.Serialize();
  EXPECT_EQ(text, "ardoise-usage 1 2027-03-22 3599000250");
  absl::StatusOr<UsageLedger> parsed = UsageLedger::Parse(text + "\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->day(), kMonday);
  EXPECT_EQ(parsed->UsedOn(kMonday), ledger.UsedOn(kMonday));
  EXPECT_TRUE(UsageLedger::Parse(UsageLedger().Serialize()).ok());
}

TEST(UsageLedgerTest, ParseRejectsDamagedFiles) {
  for (const char* text : {
           "",
           "garbage",
           "ardoise-usage 1 2027-03-22",
           "ardoise-usage 2 2027-03-22 10",
           "ardoise-usage 1 2027-02-30 10",
           "ardoise-usage 1 2027-3-22 10",
           "ardoise-usage 1 2027-03-22 -10",
           "ardoise-usage 1 2027-03-22 10s",
           "ardoise-usage 1 2027-03-22 10 extra",
           "ardoise-usage  1 2027-03-22 10",
       }) {
    SCOPED_TRACE(text);
    absl::StatusOr<UsageLedger> parsed = UsageLedger::Parse(text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(parsed.status().message().find("ardoise-usage 1 YYYY-MM-DD"),
              absl::string_view::npos);
  }
}

}  // namespace
}  // namespace ardoise
