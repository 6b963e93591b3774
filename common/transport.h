// How every program opens its gRPC connections: the one place where
// credentials and channel settings are chosen.
//
// Every connection is TLS (common/tls.h). The console presents its
// certificate chain (server certificate, then its CA); clients trust exactly
// one CA, the console's own, given as PEM — never the system's roots, so a
// certificate bought from a public CA for some other name is not accepted.
// A plaintext client gets no answer from the console.
//
// Thread safety: pure functions.
#ifndef ARDOISE_COMMON_TRANSPORT_H_
#define ARDOISE_COMMON_TRANSPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace ardoise {

// Largest message either side accepts (plans, policies and bundles travel
// in their own capped fields; nothing legitimate comes near this).
inline constexpr int kMaxMessageBytes = 4 << 20;

struct ServerTransport {
  std::string listen;  // HOST:PORT; port 0 picks a free one
  // PEM: the server certificate followed by the CA that issued it.
  std::string cert_chain_pem;
  // PEM: the server certificate's private key.
  std::string private_key_pem;
};

struct ChannelOptions {
  // PEM of the console's CA: the only authority this channel trusts.
  // Required: MakeChannel refuses an empty or malformed one rather than
  // falling back to the system's roots.
  std::string root_ca_pem;
  // Bounds gRPC's own reconnection backoff, so a console that comes back is
  // found within this (our loops add their own jittered backoff on top).
  absl::Duration max_reconnect_backoff = absl::Seconds(30);
  // Each channel gets its own TCP connection (load generator: one per agent).
  bool own_connection = false;
  // Keepalive pings detect a vanished console on a stream that carries
  // nothing. gRPC sends them only after this long without reading anything,
  // and enables TCP_USER_TIMEOUT (the 10 s keepalive timeout) with them: an
  // agent, which reports every heartbeat, finds a vanished console through
  // its unacknowledged report within a heartbeat + 10 s, long before this
  // backstop. Each ping costs the console a wake-up: 10,000 agents pinging
  // every 30 s were a fifth of its steady load, and every 5 minutes (the
  // console acks usage lazily, so an agent may read nothing for that long)
  // still half a point of a core.
  absl::Duration keepalive = absl::Hours(1);
};

// TLS credentials for the console (no client certificates: devices prove
// themselves with their node key, people later with a login).
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const ServerTransport& transport);
// Adds our limits and keepalive policy to a server under construction:
// message size limits, no keepalive timers of its own (the console closes
// streams silent for 2 heartbeats + 10 s, Registry::CloseSilent), agents'
// pings allowed every 10 s, no bandwidth probing, no channelz.
void ConfigureServer(grpc::ServerBuilder& builder);

// A TLS channel to HOST:PORT that accepts only a server certificate issued
// by `options.root_ca_pem` for that HOST (the certificate's names are
// checked). INVALID_ARGUMENT when the CA is missing or not a certificate.
// It does not connect yet: the first call does.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& target, const ChannelOptions& options);

// The same in two steps, for a program that opens many channels to one
// console (the load generator): the credentials — the CA checked once, one
// TLS context — are built once and shared by every channel.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const std::string& target,
                       const ChannelOptions& options);
std::shared_ptr<grpc::Channel> MakeChannel(
    const std::string& target, const ChannelOptions& options,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_TRANSPORT_H_
