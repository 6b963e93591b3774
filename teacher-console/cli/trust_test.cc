#include "teacher-console/cli/trust.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "common/files.h"
#include "common/tls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise::cli {
namespace {

using ::testing::HasSubstr;

class TrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "cli-trust-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/config/ardoise/ca.pem";
    const absl::Time now = absl::Now();
    ca_ = CreateCa("Console CA", now, absl::Hours(24)).value();
    other_ca_ = CreateCa("Impostor CA", now, absl::Hours(24)).value();
    chain_ = {IssueServerCertificate(ca_, {"localhost"}, now, absl::Hours(24))
                  ->cert_pem,
              ca_.cert_pem};
    pin_ = SpkiPin(ca_.cert_pem).value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::Status Run(const TrustFlags& flags, const std::string& answer) {
    std::istringstream in(answer);
    out_.str("");
    return Trust(
        "console:7443", flags, path_,
        [this](const std::string& address)
            -> absl::StatusOr<std::vector<std::string>> {
          EXPECT_EQ(address, "console:7443");
          return chain_;
        },
        &in, out_);
  }
  bool Saved() const { return std::filesystem::exists(path_); }

  std::string dir_;
  std::string path_;
  KeyAndCert ca_;
  KeyAndCert other_ca_;
  std::vector<std::string> chain_;
  std::string pin_;
  std::ostringstream out_;
};

TEST_F(TrustTest, ShowsThePinAndSavesTheCaOnceConfirmed) {
  ASSERT_TRUE(Run({}, "y\n").ok());
  EXPECT_THAT(out_.str(), HasSubstr("pin:     " + pin_));
  EXPECT_THAT(out_.str(), HasSubstr("[y/N]"));
  EXPECT_EQ(ReadFile(path_).value(), ca_.cert_pem);
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(TrustTest, AnythingButYesSavesNothing) {
  for (const char* answer : {"", "n\n", "no\n", "maybe\n"}) {
    absl::Status status = Run({}, answer);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << answer;
    EXPECT_THAT(status.message(), HasSubstr("--pin " + pin_));
    EXPECT_FALSE(Saved());
  }
}

TEST_F(TrustTest, AMatchingPinNeedsNoQuestion) {
  TrustFlags flags;
  flags.pin = pin_;
  ASSERT_TRUE(Run(flags, "").ok());
  EXPECT_THAT(out_.str(), ::testing::Not(HasSubstr("[y/N]")));
  EXPECT_EQ(ReadFile(path_).value(), ca_.cert_pem);
}

TEST_F(TrustTest, AConsoleWithAnotherCaIsRefusedByThePin) {
  TrustFlags flags;
  flags.pin = SpkiPin(other_ca_.cert_pem).value();
  absl::Status status = Run(flags, "y\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("refused the console at"));
  EXPECT_THAT(status.message(), HasSubstr(pin_));  // what it presented
  EXPECT_FALSE(Saved());
}

TEST_F(TrustTest, YesTrustsTheRootOfTheChain) {
  TrustFlags flags;
  flags.yes = true;
  ASSERT_TRUE(Run(flags, "").ok());
  EXPECT_EQ(ReadFile(path_).value(), ca_.cert_pem);

  chain_.pop_back();  // a chain without its CA: nothing to pin
  std::filesystem::remove(path_);
  EXPECT_EQ(Run(flags, "").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(Saved());
}

TEST_F(TrustTest, AMalformedPinIsRefusedBeforeConnecting) {
  TrustFlags flags;
  flags.pin = "1234";
  EXPECT_EQ(Run(flags, "").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ardoise::cli
