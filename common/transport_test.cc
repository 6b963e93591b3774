// The credentials every program uses, against a real gRPC server on
// 127.0.0.1: the right CA connects, another CA and plaintext do not, and the
// bare handshake reads the chain the server presents.
#include "common/transport.h"

#include <signal.h>

#include "absl/strings/str_cat.h"
#include "ardoise/v1/agent_link.grpc.pb.h"
#include "common/tls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

using ::testing::HasSubstr;

// Every method answers UNIMPLEMENTED: reaching it proves the channel works.
class EmptyAgentLink final : public v1::AgentLink::CallbackService {};

class TransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    const absl::Time now = absl::Now();
    ca_ = CreateCa("Test CA", now, absl::Hours(24)).value();
    server_cert_ = IssueServerCertificate(ca_, {"localhost", "127.0.0.1"}, now,
                                          absl::Hours(24))
                       .value();
    ServerTransport transport;
    transport.listen = "127.0.0.1:0";
    transport.cert_chain_pem = server_cert_.cert_pem + ca_.cert_pem;
    transport.private_key_pem = server_cert_.key_pem;
    server_ = Start(MakeServerCredentials(transport), &address_);
  }

  std::unique_ptr<grpc::Server> Start(
      std::shared_ptr<grpc::ServerCredentials> credentials,
      std::string* address) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port);
    ConfigureServer(builder);
    builder.RegisterService(&service_);
    auto server = builder.BuildAndStart();
    EXPECT_NE(port, 0);
    *address = absl::StrCat("127.0.0.1:", port);
    return server;
  }

  // The status of one Enroll call through `channel`.
  static grpc::StatusCode Call(std::shared_ptr<grpc::Channel> channel) {
    auto stub = v1::AgentLink::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::EnrollRequest request;
    v1::EnrollResponse response;
    return stub->Enroll(&context, request, &response).error_code();
  }

  ChannelOptions Trusting(const std::string& ca_pem) {
    ChannelOptions options;
    options.root_ca_pem = ca_pem;
    return options;
  }

  KeyAndCert ca_;
  KeyAndCert server_cert_;
  EmptyAgentLink service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(TransportTest, TheConsolesOwnCaConnects) {
  auto channel = MakeChannel(address_, Trusting(ca_.cert_pem));
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_EQ(Call(*channel), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(TransportTest, TheNameInTheCertificateIsChecked) {
  // The certificate names localhost and 127.0.0.1, not 127.0.0.2 (which is
  // the same loopback interface). IP literals only: no DNS resolver here.
  const std::string port = address_.substr(address_.rfind(':') + 1);
  auto other = MakeChannel("127.0.0.2:" + port, Trusting(ca_.cert_pem));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Call(*other), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportTest, AnotherCaIsRefused) {
  const KeyAndCert other =
      CreateCa("Other CA", absl::Now(), absl::Hours(24)).value();
  auto channel = MakeChannel(address_, Trusting(other.cert_pem));
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_EQ(Call(*channel), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportTest, PlaintextClientsGetNoAnswer) {
  EXPECT_EQ(
      Call(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials())),
      grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportTest, NoCaIsRefusedRatherThanTrustingTheSystemRoots) {
  EXPECT_EQ(MakeChannel(address_, ChannelOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto garbage = MakeChannel(address_, Trusting("not a certificate"));
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr(address_));
}

TEST_F(TransportTest, FetchPeerChainReadsTheLeafThenTheCa) {
  auto chain = FetchPeerChain(address_, absl::Seconds(20));
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0], server_cert_.cert_pem);
  EXPECT_EQ((*chain)[1], ca_.cert_pem);
  auto found = FindPinnedCa(*chain, SpkiPin(ca_.cert_pem).value());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, ca_.cert_pem);
}

TEST_F(TransportTest, FetchPeerChainFailsOnPlaintextAndClosedPorts) {
  std::string plaintext_address;
  auto plaintext = Start(grpc::InsecureServerCredentials(), &plaintext_address);
  auto chain = FetchPeerChain(plaintext_address, absl::Seconds(20));
  EXPECT_EQ(chain.status().code(), absl::StatusCode::kUnavailable)
      << chain.status();
  EXPECT_THAT(chain.status().message(), HasSubstr("TLS"));

  plaintext->Shutdown();
  plaintext.reset();
  auto closed = FetchPeerChain(plaintext_address, absl::Seconds(20));
  EXPECT_EQ(closed.status().code(), absl::StatusCode::kUnavailable)
      << closed.status();

  EXPECT_EQ(FetchPeerChain("nowhere", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ardoise
