#include "common/transport.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/tls.h"

namespace ardoise {

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const ServerTransport& transport) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back(
      {transport.private_key_pem, transport.cert_chain_pem});
  return grpc::SslServerCredentials(options);
}

void ConfigureServer(grpc::ServerBuilder& builder) {
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // No keepalive timer per connection: gRPC re-arms it on every read (a
  // cancelled timer, a closure, a new timer) and its timer thread scans
  // them all, about a point of a core at 10,000 agents. The console closes
  // silent streams itself (Registry::CloseSilent). Agents may still ping
  // (every 10 s at most).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             std::numeric_limits<int>::max());
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  // Channelz (gRPC's introspection service, which we do not serve) would
  // register every connection in a global, locked registry.
  builder.AddChannelArgument(GRPC_ARG_ENABLE_CHANNELZ, 0);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const std::string& target,
                       const ChannelOptions& options) {
  // gRPC would trust the system's roots when given no CA: never let that
  // happen silently.
  if (options.root_ca_pem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no CA certificate to check the console at ", target, " with"));
  }
  auto certificates = SplitPemCertificates(options.root_ca_pem);
  if (!certificates.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the CA to check the console at ", target,
                     " with is unusable: ", certificates.status().message()));
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = options.root_ca_pem;
  return grpc::SslCredentials(tls);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& target, const ChannelOptions& options) {
  auto credentials = MakeChannelCredentials(target, options);
  if (!credentials.ok()) return credentials.status();
  return MakeChannel(target, options, *credentials);
}

std::shared_ptr<grpc::Channel> MakeChannel(
    const std::string& target, const ChannelOptions& options,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  const int max_backoff_ms = static_cast<int>(
      absl::ToInt64Milliseconds(options.max_reconnect_backoff));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              std::min(max_backoff_ms, 250));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_backoff_ms);
  // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS stays at gRPC's default (20 s): it is
  // the time one connection attempt may take. A TLS handshake needs several
  // round trips (slow school Wi-Fi), and a synchronous client only makes
  // progress while a call waits; with a short value a reconnecting agent
  // gives up on every handshake before it completes.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.keepalive)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Bandwidth-delay probing pings the peer after data arrives, to size
  // flow-control windows for bulk transfers; ours are small messages, and
  // each probe is a write and a wake-up on both sides.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_ENABLE_CHANNELZ, 0);  // see ConfigureServer
  if (options.own_connection) {
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  }
  return grpc::CreateCustomChannel(target, credentials, args);
}

}  // namespace ardoise
