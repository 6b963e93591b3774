#include "common/tls.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);  // 2026-11-18

// Made with the openssl command line; its pin was computed as kubeadm does:
//   openssl x509 -in c.pem -pubkey -noout |
//     openssl pkey -pubin -outform der | sha256sum
constexpr char kVectorCert[] = R"(-----BEGIN CERTIFICATE-----
MIIBijCCAS+gAwIBAgIUbKMLiT2vtmD5k0CZiUkIJ4TvvcwwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPUGluIHRlc3QgdmVjdG9yMB4XDTI2MTEyNTIzNDk1OFoXDTM2
MTEyMjIzNDk1OFowGjEYMBYGA1UEAwwPUGluIHRlc3QgdmVjdG9yMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAE0nMAtt6tsfL98Odn0VqkY5PTTGvdqqJDt1Zzz+el
WPNNu68g1yDzPUWR2lAnwOitfUC7SSY+inYIDFGsjqSSE6NTMFEwHQYDVR0OBBYE
FPjWN3bP1snh4Dib0jC08ppcH72FMB8GA1UdIwQYMBaAFPjWN3bP1snh4Dib0jC0
8ppcH72FMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhANlrztDM
L4AoFZUjqbJpAH2tK7j9bq2bIUo6cpyU2kzJAiEA0Cg0kvk6Bpxwx9QFYjuINcI5
o/1Al+SSrc/s6xns96o=
-----END CERTIFICATE-----
)";
constexpr char kVectorPin[] =
    "sha256:1ea77ff629fc5d57680766f92306eb1ca6eb517da6a7e962e0dfaa8ebde5c1d7";

KeyAndCert NewCa(const std::string& name = "Test CA") {
  auto ca = CreateCa(name, kNow, absl::Hours(24 * 365));
  EXPECT_TRUE(ca.ok()) << ca.status();
  return *ca;
}

KeyAndCert NewServer(const KeyAndCert& ca) {
  auto server = IssueServerCertificate(
      ca, {"console.example", "localhost", "127.0.0.1", "::1"}, kNow,
      absl::Hours(24 * 30));
  EXPECT_TRUE(server.ok()) << server.status();
  return *server;
}

TEST(TlsTest, PinIsSha256OfTheSubjectPublicKeyInfoAsKubeadmComputesIt) {
  auto pin = SpkiPin(kVectorCert);
  ASSERT_TRUE(pin.ok()) << pin.status();
  EXPECT_EQ(*pin, kVectorPin);
}

TEST(TlsTest, CreateCaMakesASelfSignedP256Authority) {
  const KeyAndCert ca = NewCa("Ardoise console CA");
  EXPECT_THAT(ca.key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  auto info = DescribeCertificate(ca.cert_pem);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->subject, "CN=Ardoise console CA");
  EXPECT_EQ(info->public_key, "EC prime256v1");
  EXPECT_TRUE(info->is_ca);
  EXPECT_TRUE(info->self_signed);
  EXPECT_EQ(info->not_before, kNow - absl::Hours(1));
  EXPECT_EQ(info->not_after, kNow + absl::Hours(24 * 365));
}

TEST(TlsTest, TwoCasHaveDifferentPins) {
  auto a = SpkiPin(NewCa().cert_pem);
  auto b = SpkiPin(NewCa().cert_pem);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(CheckPinSyntax(*a).ok()) << *a;
}

TEST(TlsTest, ServerCertificateCarriesItsNamesAndIsIssuedByTheCa) {
  const KeyAndCert ca = NewCa();
  const KeyAndCert server = NewServer(ca);
  auto info = DescribeCertificate(server.cert_pem);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->subject, "CN=console.example");
  EXPECT_THAT(info->names, UnorderedElementsAre("console.example", "localhost",
                                                "127.0.0.1", "::1"));
  EXPECT_EQ(info->public_key, "EC prime256v1");
  EXPECT_FALSE(info->is_ca);
  EXPECT_FALSE(info->self_signed);
  EXPECT_TRUE(CheckIssuedBy(server.cert_pem, ca.cert_pem).ok());
}

TEST(TlsTest, ACertificateFromAnotherCaFailsTheChecks) {
  const KeyAndCert ours = NewCa("Ours");
  const KeyAndCert theirs = NewCa("Theirs");
  const KeyAndCert impostor = NewServer(theirs);
  EXPECT_EQ(CheckIssuedBy(impostor.cert_pem, ours.cert_pem).code(),
            absl::StatusCode::kFailedPrecondition);

  auto our_pin = SpkiPin(ours.cert_pem);
  ASSERT_TRUE(our_pin.ok());
  auto found = FindPinnedCa({impostor.cert_pem, theirs.cert_pem}, *our_pin);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(found.status().message(), HasSubstr(*our_pin));
  EXPECT_THAT(found.status().message(), HasSubstr(*SpkiPin(theirs.cert_pem)));
}

TEST(TlsTest, FindPinnedCaReturnsTheMatchingAuthority) {
  const KeyAndCert ca = NewCa();
  const KeyAndCert server = NewServer(ca);
  auto pin = SpkiPin(ca.cert_pem);
  ASSERT_TRUE(pin.ok());
  auto found = FindPinnedCa({server.cert_pem, ca.cert_pem}, *pin);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(SpkiPin(*found).value(), *pin);

  // Pins are compared without regard to the case of the hex digits.
  std::string upper = *pin;
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = std::toupper(upper[i]);
  EXPECT_TRUE(FindPinnedCa({server.cert_pem, ca.cert_pem}, upper).ok());
}

TEST(TlsTest, ThePinOfALeafIsNotTrustedAsAnAuthority) {
  const KeyAndCert ca = NewCa();
  const KeyAndCert server = NewServer(ca);
  auto leaf_pin = SpkiPin(server.cert_pem);
  ASSERT_TRUE(leaf_pin.ok());
  EXPECT_EQ(
      FindPinnedCa({server.cert_pem, ca.cert_pem}, *leaf_pin).status().code(),
      absl::StatusCode::kPermissionDenied);
}

TEST(TlsTest, PinSyntax) {
  EXPECT_TRUE(CheckPinSyntax(kVectorPin).ok());
  for (const char* bad :
       {"", "sha256:", "1ea77ff6", "sha1:1ea77ff629fc5d57680766f92306eb1c",
        "sha256:"
        "1ea77ff629fc5d57680766f92306eb1ca6eb517da6a7e962e0dfaa8ebde5c1d",
        "sha256:"
        "zea77ff629fc5d57680766f92306eb1ca6eb517da6a7e962e0dfaa8ebde5c1d7"}) {
    absl::Status status = CheckPinSyntax(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("64 hex digits")) << bad;
  }
}

TEST(TlsTest, SplitPemCertificatesKeepsTheOrder) {
  const KeyAndCert ca = NewCa();
  const KeyAndCert server = NewServer(ca);
  auto split = SplitPemCertificates(server.cert_pem + ca.cert_pem);
  ASSERT_TRUE(split.ok()) << split.status();
  ASSERT_EQ(split->size(), 2u);
  EXPECT_EQ((*split)[0], server.cert_pem);
  EXPECT_EQ((*split)[1], ca.cert_pem);

  EXPECT_FALSE(SplitPemCertificates("").ok());
  EXPECT_FALSE(SplitPemCertificates("hello").ok());
  EXPECT_FALSE(SplitPemCertificates(ca.key_pem).ok());
  std::string damaged = ca.cert_pem;
  damaged[damaged.size() / 2] = '!';
  EXPECT_FALSE(SplitPemCertificates(server.cert_pem + damaged).ok());
}

TEST(TlsTest, ChainRootIsTheSelfSignedCaAtTheEnd) {
  const KeyAndCert ca = NewCa();
  const KeyAndCert server = NewServer(ca);
  auto root = ChainRoot({server.cert_pem, ca.cert_pem});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(*root, ca.cert_pem);
  EXPECT_EQ(ChainRoot({server.cert_pem}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ChainRoot({}).status().code(), absl::StatusCode::kNotFound);
}

TEST(TlsTest, BadNamesAndKeysAreRefused) {
  const KeyAndCert ca = NewCa();
  EXPECT_EQ(
      IssueServerCertificate(ca, {}, kNow, absl::Hours(1)).status().code(),
      absl::StatusCode::kInvalidArgument);
  auto bad =
      IssueServerCertificate(ca, {"console ville"}, kNow, absl::Hours(1));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("console ville"));

  KeyAndCert mismatched = ca;
  mismatched.key_pem = NewCa().key_pem;
  EXPECT_EQ(
      IssueServerCertificate(mismatched, {"localhost"}, kNow, absl::Hours(1))
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ardoise
