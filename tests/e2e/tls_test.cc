// TLS everywhere and pinned enrollment (issue #6), with the real programs:
// a device or a person refuses a console presenting another CA, before any
// secret leaves; a plaintext client gets nothing; renewing the server
// certificate keeps every device connected.
#include "common/tls.h"

#include <signal.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ardoise/v1/console.grpc.pb.h"
#include "common/files.h"
#include "common/transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool Online(const v1::Device& d) { return d.online(); }

std::string PinOf(const TestBed& bed) {
  return SpkiPin(bed.CaPem()).value_or("");
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST(TlsTest, TokensCarryThePinOfTheConsolesCaAndEnrollmentWorks) {
  TestBed bed;
  bed.StartConsole();
  const std::string token = bed.CreateToken("ecole", "salle-1", 1);
  const std::string pin = PinOf(bed);
  ASSERT_FALSE(pin.empty());
  EXPECT_THAT(token, ::testing::EndsWith("." + pin));
  CommandResult printed =
      RunConsoleCommand({"pin", "--data", bed.console_dir()});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(printed.out, pin + "\n");

  bed.Enroll(token, "tab-1");
  EXPECT_EQ(ReadFile(bed.AgentDir("tab-1") + "/ca.pem").value_or(""),
            bed.CaPem());
  bed.StartAgent("tab-1");
  EXPECT_TRUE(bed.WaitForDevice("tab-1", Online));
}

TEST(TlsTest, AgentRefusesAConsoleWithAnotherCaBeforeSendingTheToken) {
  TestBed right;
  right.StartConsole();
  TestBed impostor;
  impostor.StartConsole();
  const std::string token = right.CreateToken("ecole", "salle-1", 1);

  CommandResult refused =
      right.TryEnroll(token, "tab-1", "tablet", impostor.console_address());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("refused the console at " +
                                     impostor.console_address()));
  EXPECT_THAT(refused.err, HasSubstr("The token was not sent"));
  EXPECT_THAT(refused.err, HasSubstr(PinOf(right)));     // expected
  EXPECT_THAT(refused.err, HasSubstr(PinOf(impostor)));  // presented
  EXPECT_FALSE(
      ReadFile(right.AgentDir("tab-1") + "/ca.pem").ok());  // nothing trusted
  EXPECT_FALSE(ReadFile(right.AgentDir("tab-1") + "/node.key").ok());

  // The impostor never saw an enrollment attempt. (It logs every one it
  // gets: the same credential carrying the impostor's own pin is sent, and
  // refused, and logged.)
  const std::string credential = token.substr(0, token.find(".sha256:"));
  CommandResult control =
      impostor.TryEnroll(credential + "." + PinOf(impostor), "control");
  EXPECT_EQ(control.exit_code, 1) << control.out << control.err;
  impostor.KillConsole(SIGTERM);
  const std::string log =
      ReadFile(impostor.dir() + "/console.1.log").value_or("");
  EXPECT_EQ(Count(log, "enrollment of"), 1u) << log;
  EXPECT_THAT(log, HasSubstr("enrollment of \"control\" refused"));
  EXPECT_THAT(log, Not(HasSubstr("\"tab-1\"")));

  // And the token, good for one use, is still whole at the right console.
  right.Enroll(token, "tab-1");
  right.StartAgent("tab-1");
  EXPECT_TRUE(right.WaitForDevice("tab-1", Online));
}

TEST(TlsTest, CliRefusesAConsoleWithAnotherCa) {
  TestBed right;
  right.StartConsole();
  TestBed impostor;
  impostor.StartConsole();

  // Trusting the right console's CA, the CLI refuses the impostor.
  CommandResult r = RunCliCommand({"--console", impostor.console_address(),
                                   "--ca", right.ca_path(), "devices", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot reach the console at " +
                               impostor.console_address()));
  EXPECT_THAT(r.err, HasSubstr("ardoise trust --console"));
  EXPECT_EQ(r.out, "");

  // Pinning with the right console's pin refuses the impostor too, and
  // saves nothing.
  const std::string saved = right.dir() + "/user/ca.pem";
  CommandResult trust =
      RunCliCommand({"trust", "--console", impostor.console_address(), "--pin",
                     PinOf(right), "--ca", saved});
  EXPECT_EQ(trust.exit_code, 1);
  EXPECT_THAT(trust.err, HasSubstr("refused the console at"));
  EXPECT_FALSE(ReadFile(saved).ok());

  // The right console, pinned the same way, is trusted and works.
  trust = RunCliCommand({"trust", "--console", right.console_address(), "--pin",
                         PinOf(right), "--ca", saved});
  EXPECT_EQ(trust.exit_code, 0) << trust.err;
  EXPECT_THAT(trust.out, HasSubstr(PinOf(right)));
  EXPECT_EQ(ReadFile(saved).value_or(""), right.CaPem());
  r = RunCliCommand(
      {"--console", right.console_address(), "--ca", saved, "schools", "list"},
      right.CliEnv());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(TlsTest, FirstLoginPinsTheConsolesCaOnceConfirmed) {
  TestBed bed;
  bed.StartConsole();
  // A teacher's fresh account: no --ca, nothing in the config folder.
  const std::string config = bed.dir() + "/fresh-config";
  const std::vector<std::string> env = {
      "XDG_CONFIG_HOME=" + config,
      absl::StrCat("ARDOISE_PASSWORD=", kAdminPassword)};
  const std::vector<std::string> login = {"--console", bed.console_address(),
                                          "login", "--user", "admin"};
  // Not confirmed (no answer): nothing saved, no login.
  CommandResult first = RunCliCommand(login, env);
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_THAT(first.out, HasSubstr(PinOf(bed)));
  EXPECT_THAT(first.err, HasSubstr("not confirmed"));
  EXPECT_FALSE(ReadFile(config + "/ardoise/ca.pem").ok());
  EXPECT_FALSE(ReadFile(config + "/ardoise/token").ok());
  // Confirmed: the CA is pinned, then the login goes on over it.
  CommandResult confirmed = RunCliCommand(login, env, "y\n");
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.out << confirmed.err;
  EXPECT_EQ(ReadFile(config + "/ardoise/ca.pem").value_or(""), bed.CaPem());
  EXPECT_TRUE(ReadFile(config + "/ardoise/token").ok());
  // From then on, plain commands work with what was saved.
  CommandResult listed = RunCliCommand(
      {"--console", bed.console_address(), "schools", "list"}, env);
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
}

TEST(TlsTest, TrustWithoutConfirmationSavesNothing) {
  TestBed bed;
  bed.StartConsole();
  const std::string saved = bed.dir() + "/user/ca.pem";
  // stdin is empty (not a terminal): no answer is no.
  CommandResult trust = RunCliCommand(
      {"trust", "--console", bed.console_address(), "--ca", saved});
  EXPECT_EQ(trust.exit_code, 1);
  EXPECT_THAT(trust.out, HasSubstr(PinOf(bed)));
  EXPECT_THAT(trust.err, HasSubstr("not confirmed"));
  EXPECT_FALSE(ReadFile(saved).ok());

  trust = RunCliCommand(
      {"trust", "--console", bed.console_address(), "--ca", saved, "--yes"});
  EXPECT_EQ(trust.exit_code, 0) << trust.err;
  EXPECT_EQ(ReadFile(saved).value_or(""), bed.CaPem());
}

TEST(TlsTest, PlaintextClientsGetNoAnswer) {
  TestBed bed;
  bed.StartConsole();
  auto stub = v1::Console::NewStub(grpc::CreateChannel(
      bed.console_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::ListSchoolsRequest request;
  v1::ListSchoolsResponse response;
  grpc::Status status = stub->ListSchools(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  // The console is unharmed and serves TLS clients.
  v1::ListSchoolsResponse schools;
  EXPECT_TRUE(bed.CliJson({"schools", "list"}, &schools));
}

TEST(TlsTest, ServeRefusesToStartWithoutCertificates) {
  TestBed bed;
  bed.StartConsole();
  bed.KillConsole(SIGTERM);
  ASSERT_EQ(unlink((bed.console_dir() + "/server.key").c_str()), 0);
  CommandResult serve = RunConsoleCommand(
      {"serve", "--data", bed.console_dir(), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(serve.exit_code, 1);
  EXPECT_THAT(serve.err, HasSubstr("server.key is missing"));
  EXPECT_THAT(serve.err, HasSubstr("ardoise-console renew-cert"));
}

TEST(TlsTest, RenewedCertificateKeepsDevicesConnected) {
  TestBed bed;
  bed.StartConsole();
  const std::string pin = PinOf(bed);
  bed.Enroll(bed.CreateToken("ecole", "salle-1", 1), "tab-1");
  bed.StartAgent("tab-1");
  ASSERT_TRUE(bed.WaitForDevice("tab-1", Online));
  const std::string before =
      ReadFile(bed.console_dir() + "/server.pem").value_or("");

  CommandResult renew = RunConsoleCommand(
      {"renew-cert", "--data", bed.console_dir(), "--san", "console.example"});
  ASSERT_EQ(renew.exit_code, 0) << renew.err;
  EXPECT_THAT(renew.out, HasSubstr("console.example, localhost, 127.0.0.1"));
  EXPECT_NE(ReadFile(bed.console_dir() + "/server.pem").value_or(""), before);
  EXPECT_EQ(PinOf(bed), pin);

  bed.KillConsole(SIGTERM);
  bed.StartConsole();
  EXPECT_TRUE(bed.WaitForDevice("tab-1", Online));
  signal(SIGPIPE, SIG_IGN);  // FetchPeerChain's contract
  auto chain = FetchPeerChain(bed.console_address(), absl::Seconds(20));
  ASSERT_TRUE(chain.ok()) << chain.status();
  auto info = DescribeCertificate(chain->front());
  ASSERT_TRUE(info.ok());
  EXPECT_THAT(info->names, ::testing::Contains("console.example"));
}

}  // namespace
}  // namespace ardoise::testing
