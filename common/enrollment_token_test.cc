#include "common/enrollment_token.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::HasSubstr;

constexpr char kPin[] =
    "sha256:1ea77ff629fc5d57680766f92306eb1ca6eb517da6a7e962e0dfaa8ebde5c1d7";

TEST(EnrollmentTokenTest, FormatAndParseRoundTrip) {
  EnrollmentToken token{"3f9a0c12ab45.00112233445566778899aabbccddeeff", kPin};
  const std::string text = FormatEnrollmentToken(token);
  EXPECT_EQ(
      text,
      std::string("3f9a0c12ab45.00112233445566778899aabbccddeeff.") + kPin);
  auto parsed = ParseEnrollmentToken(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->credential, token.credential);
  EXPECT_EQ(parsed->ca_pin, kPin);
}

TEST(EnrollmentTokenTest, SurroundingSpaceAndUppercasePinAreAccepted) {
  auto parsed = ParseEnrollmentToken(
      "  ab.cd.sha256:1EA77FF629FC5D57680766F92306EB1CA6EB517DA6A7E962E0DFAA8EB"
      "DE5C1D7\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->credential, "ab.cd");
  EXPECT_EQ(parsed->ca_pin, kPin);
}

TEST(EnrollmentTokenTest, MalformedTokensSayWhatIsExpected) {
  for (const char* bad :
       {"", "ab.cd", "ab.cd.sha256:1234", ".cd.sha256:x", "a b.cd.e",
        "3f9a0c12ab45.00112233445566778899aabbccddeeff"}) {
    auto parsed = ParseEnrollmentToken(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr("ID.SECRET.sha256:HEX"));
  }
}

}  // namespace
}  // namespace ardoise
