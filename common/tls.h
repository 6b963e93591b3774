// Certificates, CA pins and the bare TLS handshake (OpenSSL).
//
// Every Ardoise connection is TLS with ECDSA P-256 keys. The console owns a
// private certificate authority (CA) and a server certificate it signs; the
// server presents its chain *including the CA*, so that a newcomer (an agent
// enrolling, the CLI's `trust`) can read the CA from a handshake and check it
// against a pin it got out of band before trusting it.
//
// A pin is "sha256:" + lowercase hex SHA-256 of the DER SubjectPublicKeyInfo
// of the CA certificate, exactly kubeadm's discovery-token-ca-cert-hash:
//
//   openssl x509 -in ca.pem -pubkey -noout |
//     openssl pkey -pubin -outform der | sha256sum
//
// Everything here is PEM text in, PEM text out; files are the callers'
// business. Errors name the thing and what to do.
//
// Thread safety: all functions are thread-safe (no shared state).
// FetchPeerChain writes to a socket: the program must ignore SIGPIPE (the
// mains do), or a console closing mid-handshake would kill it.
#ifndef ARDOISE_COMMON_TLS_H_
#define ARDOISE_COMMON_TLS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ardoise {

// A private key (PKCS#8 PEM) and its certificate (PEM).
struct KeyAndCert {
  std::string key_pem;
  std::string cert_pem;
};

// Creates a self-signed CA certificate (CA:TRUE, pathlen 0, keyCertSign)
// with a new P-256 key, valid from one hour before `now` (clock skew) for
// `validity`.
absl::StatusOr<KeyAndCert> CreateCa(const std::string& common_name,
                                    absl::Time now, absl::Duration validity);

// Issues a server certificate (serverAuth, CA:FALSE) with a new P-256 key,
// signed by `ca`. `names` become the subjectAltNames: IPv4/IPv6 literals as
// IP entries, everything else as DNS entries; the first is also the common
// name. INVALID_ARGUMENT for an empty list or a malformed name.
absl::StatusOr<KeyAndCert> IssueServerCertificate(
    const KeyAndCert& ca, const std::vector<std::string>& names, absl::Time now,
    absl::Duration validity);

// "sha256:<64 hex>" of the first certificate in `cert_pem`.
absl::StatusOr<std::string> SpkiPin(std::string_view cert_pem);

// OK when `pin` is "sha256:" followed by 64 lowercase or uppercase hex
// digits; INVALID_ARGUMENT naming the expected form otherwise.
absl::Status CheckPinSyntax(std::string_view pin);

// The certificates of a PEM bundle, one PEM string each, in order.
// INVALID_ARGUMENT when there is none or one is malformed.
absl::StatusOr<std::vector<std::string>> SplitPemCertificates(
    std::string_view pem);

// What a person needs to recognise a certificate.
struct CertificateInfo {
  std::string subject;             // "CN=Ardoise console CA"
  std::vector<std::string> names;  // subjectAltNames ("localhost", "::1")
  std::string public_key;          // "EC prime256v1" (P-256), "RSA 2048"
  absl::Time not_before;
  absl::Time not_after;
  bool is_ca = false;        // basicConstraints CA:TRUE
  bool self_signed = false;  // issuer == subject and signed by its own key
};
absl::StatusOr<CertificateInfo> DescribeCertificate(std::string_view cert_pem);

// OK when `cert_pem` names `ca_pem`'s subject as issuer and carries a
// signature made by `ca_pem`'s key; FAILED_PRECONDITION otherwise.
absl::Status CheckIssuedBy(std::string_view cert_pem, std::string_view ca_pem);

// OK when `key_pem` is the private key of `cert_pem`'s public key;
// FAILED_PRECONDITION otherwise.
absl::Status CheckKeyPair(std::string_view cert_pem, std::string_view key_pem);

// The CA certificate of `chain` (PEM certificates, as a handshake presents
// them) whose pin is `pin` and which is a CA. PERMISSION_DENIED when none
// matches, naming the pins that were presented: the peer is not the console
// the pin belongs to.
absl::StatusOr<std::string> FindPinnedCa(const std::vector<std::string>& chain,
                                         std::string_view pin);

// The certificate authority a chain ends with: its last certificate, when
// that is a self-signed CA. NOT_FOUND otherwise.
absl::StatusOr<std::string> ChainRoot(const std::vector<std::string>& chain);

// Opens a TCP connection to `address` (HOST:PORT, "[v6]:PORT"), completes a
// TLS handshake WITHOUT verifying anything, and returns the certificates the
// server presented (leaf first), then closes. Only for reading a chain that
// is checked against a pin before use: nothing is sent after the handshake.
// UNAVAILABLE when nothing answers or the handshake fails (e.g. a plaintext
// server), DEADLINE_EXCEEDED after `timeout`; messages do not repeat the
// address (callers say which console they were reaching).
absl::StatusOr<std::vector<std::string>> FetchPeerChain(
    const std::string& address, absl::Duration timeout);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_TLS_H_
