// The enrollment token as people copy it: one string that carries both the
// secret the console checks and the pin of the console's CA, so that a
// device can tell the real console from an impostor before it sends the
// secret (like kubeadm's token + discovery-token-ca-cert-hash, in one word):
//
//   ID.SECRET.sha256:HEX
//   3f9a0c12ab45.9d8e...(32 hex).sha256:(64 hex)
//
// ID (12 hex) names the token, SECRET (32 hex) proves it; the console keeps
// only SHA-256 of SECRET. "ID.SECRET" is the credential sent in
// EnrollRequest.token; the pin never leaves the device.
//
// Thread safety: pure functions.
#ifndef ARDOISE_COMMON_ENROLLMENT_TOKEN_H_
#define ARDOISE_COMMON_ENROLLMENT_TOKEN_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ardoise {

struct EnrollmentToken {
  std::string credential;  // "ID.SECRET": what the console checks
  std::string ca_pin;      // "sha256:HEX", lowercase
};

// "ID.SECRET.sha256:HEX".
std::string FormatEnrollmentToken(const EnrollmentToken& token);

// Splits a token as printed by `ardoise token create`. INVALID_ARGUMENT,
// saying what the expected form is, for anything else (including a token
// from before TLS, which has no pin).
absl::StatusOr<EnrollmentToken> ParseEnrollmentToken(std::string_view text);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_ENROLLMENT_TOKEN_H_
