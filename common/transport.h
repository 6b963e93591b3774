// How every program opens its gRPC connections: the one place where
// credentials and channel settings are chosen, so that TLS (the security
// work) changes this file and not its callers.
//
// Today connections are plaintext on purpose and loudly so: the console logs
// a warning at startup. Thread safety: pure functions.
#ifndef ARDOISE_COMMON_TRANSPORT_H_
#define ARDOISE_COMMON_TRANSPORT_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace ardoise {

// Largest message either side accepts (plans, policies and bundles travel
// in their own capped fields; nothing legitimate comes near this).
inline constexpr int kMaxMessageBytes = 4 << 20;

struct ServerTransport {
  std::string listen;  // HOST:PORT; port 0 picks a free one
};

struct ChannelOptions {
  // Bounds gRPC's own reconnection backoff, so a console that comes back is
  // found within this (our loops add their own jittered backoff on top).
  absl::Duration max_reconnect_backoff = absl::Seconds(30);
  // Each channel gets its own TCP connection (load generator: one per agent).
  bool own_connection = false;
  // Keepalive pings on an idle stream detect a vanished peer.
  absl::Duration keepalive = absl::Seconds(30);
};

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const ServerTransport& transport);
// Adds our limits and keepalive policy to a server under construction.
void ConfigureServer(grpc::ServerBuilder& builder);

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target,
                                           const ChannelOptions& options);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_TRANSPORT_H_
