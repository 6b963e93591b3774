#include "teacher-console/server/certificates.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "teacher-console/server/server.h"

namespace ardoise {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

class CertificatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "console-certs-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const char* file) const { return dir_ + "/" + file; }
  int Mode(const char* file) const {
    struct stat st;
    EXPECT_EQ(stat(Path(file).c_str(), &st), 0) << file;
    return st.st_mode & 0777;
  }

  std::string dir_;
};

TEST(ServerNamesTest, FlagsFirstThenTheLoopbackNamesOnce) {
  EXPECT_THAT(ServerNames({}), ElementsAre("localhost", "127.0.0.1", "::1"));
  EXPECT_THAT(ServerNames({"console.ville.fr", "10.0.0.5", "localhost",
                           "console.ville.fr"}),
              ElementsAre("console.ville.fr", "10.0.0.5", "localhost",
                          "127.0.0.1", "::1"));
}

TEST_F(CertificatesTest, CreateWritesTheCaAndAChainWithSecretKeys) {
  ASSERT_TRUE(CreateConsoleCertificates(dir_, {"console.ville.fr"}, kNow).ok());
  EXPECT_EQ(Mode(kCaKeyFile), 0600);
  EXPECT_EQ(Mode(kServerKeyFile), 0600);
  EXPECT_EQ(Mode(kCaCertFile), 0644);

  auto tls = LoadConsoleTls(dir_);
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(tls->ca_pin, SpkiPin(ReadFile(Path(kCaCertFile)).value()).value());
  auto chain = SplitPemCertificates(tls->cert_chain_pem);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[1], tls->ca_pem);  // the CA travels with the chain
  EXPECT_THAT(tls->server.names,
              ElementsAre("console.ville.fr", "localhost", "127.0.0.1", "::1"));
  EXPECT_EQ(tls->server.not_after, kNow + kServerCertValidity);
  auto ca = DescribeCertificate(tls->ca_pem);
  ASSERT_TRUE(ca.ok());
  EXPECT_TRUE(ca->is_ca);
  EXPECT_EQ(ca->not_after, kNow + kCaValidity);
}

TEST_F(CertificatesTest, TheCaIsNeverReplaced) {
  ASSERT_TRUE(CreateConsoleCertificates(dir_, {}, kNow).ok());
  const std::string ca = ReadFile(Path(kCaCertFile)).value();
  absl::Status again = CreateConsoleCertificates(dir_, {}, kNow);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), HasSubstr("renew-cert"));
  EXPECT_EQ(ReadFile(Path(kCaCertFile)).value(), ca);
}

TEST_F(CertificatesTest, RenewKeepsTheCaAndPinAndByDefaultTheNames) {
  ASSERT_TRUE(CreateConsoleCertificates(dir_, {"console.ville.fr"}, kNow).ok());
  const ConsoleTls before = LoadConsoleTls(dir_).value();

  const absl::Time later = kNow + absl::Hours(24 * 700);
  auto renewed = RenewServerCertificate(dir_, {}, later);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_THAT(renewed->names,
              ElementsAre("console.ville.fr", "localhost", "127.0.0.1", "::1"));
  EXPECT_EQ(renewed->not_after, later + kServerCertValidity);
  const ConsoleTls after = LoadConsoleTls(dir_).value();
  EXPECT_EQ(after.ca_pin, before.ca_pin);
  EXPECT_NE(after.private_key_pem, before.private_key_pem);
  EXPECT_NE(after.cert_chain_pem, before.cert_chain_pem);
  EXPECT_EQ(Mode(kServerKeyFile), 0600);

  auto renamed = RenewServerCertificate(dir_, {"10.1.2.3"}, later);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_THAT(renamed->names,
              ElementsAre("10.1.2.3", "localhost", "127.0.0.1", "::1"));
  EXPECT_EQ(LoadConsoleTls(dir_).value().ca_pin, before.ca_pin);
}

TEST_F(CertificatesTest, MissingFilesNameTheCommandThatCreatesThem) {
  auto none = LoadConsoleTls(dir_);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(none.status().message(), HasSubstr("ardoise-console init"));
  EXPECT_THAT(none.status().message(), HasSubstr("ca.pem"));

  ASSERT_TRUE(CreateConsoleCertificates(dir_, {}, kNow).ok());
  std::filesystem::remove(Path(kServerKeyFile));
  auto no_key = LoadConsoleTls(dir_);
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_key.status().message(), HasSubstr("renew-cert"));
}

TEST_F(CertificatesTest, AServerCertificateFromAnotherCaIsRefused) {
  ASSERT_TRUE(CreateConsoleCertificates(dir_, {}, kNow).ok());
  const KeyAndCert other = CreateCa("Other", kNow, absl::Hours(48)).value();
  const KeyAndCert foreign =
      IssueServerCertificate(other, {"localhost"}, kNow, absl::Hours(48))
          .value();
  ASSERT_TRUE(WriteFileAtomically(Path(kServerCertFile),
                                  foreign.cert_pem + other.cert_pem)
                  .ok());
  ASSERT_TRUE(
      WriteFileAtomically(Path(kServerKeyFile), foreign.key_pem, 0600).ok());
  auto tls = LoadConsoleTls(dir_);
  EXPECT_EQ(tls.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(tls.status().message(), HasSubstr("was not issued by"));
}

TEST_F(CertificatesTest, InitAddsCertificatesToAFolderFromBeforeTls) {
  const std::string data = dir_ + "/console";
  ASSERT_TRUE(InitConsole(data, {}, kNow, "").ok());
  const std::string pin = LoadConsoleTls(data).value().ca_pin;
  EXPECT_EQ(InitConsole(data, {}, kNow, "").status().code(),
            absl::StatusCode::kFailedPrecondition);

  // A console initialized before TLS: a database and no certificates.
  for (const char* file :
       {kCaCertFile, kCaKeyFile, kServerCertFile, kServerKeyFile}) {
    std::filesystem::remove(data + "/" + file);
  }
  ASSERT_TRUE(InitConsole(data, {"console.ville.fr"}, kNow, "").ok());
  auto tls = LoadConsoleTls(data);
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_NE(tls->ca_pin, pin);
}

TEST_F(CertificatesTest, StartWithoutCertificatesFailsWithoutCrashing) {
  const std::string data = dir_ + "/console";
  ASSERT_TRUE(InitConsole(data, {}, kNow, "").ok());
  std::filesystem::remove(data + "/" + kServerKeyFile);
  ConsoleOptions options;
  options.data_dir = data;
  options.listen = "127.0.0.1:0";
  auto server = ConsoleServer::Start(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(), HasSubstr("server.key is missing"));
}

}  // namespace
}  // namespace ardoise
