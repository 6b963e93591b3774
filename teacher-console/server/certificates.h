// The console's TLS files in its data folder, and the commands that make
// them (`ardoise-console init`, `renew-cert`) and read them (`serve`):
//
//   ca.key      the CA's private key (0600): it signs server certificates.
//               Whoever holds it can impersonate the console; back it up
//               offline.
//   ca.pem      the CA certificate (10 years). Its pin ("sha256:" of its
//               SubjectPublicKeyInfo, common/tls.h) is in every enrollment
//               token; agents keep a copy as their ca.pem.
//   server.key  the server certificate's private key (0600).
//   server.pem  the server certificate (2 years) followed by ca.pem: the
//               chain `serve` presents, so that clients can read the CA.
//
// Renewing the server certificate keeps the CA, hence the pin: enrolled
// agents and trusting CLIs notice nothing.
//
// Thread safety: functions touch only the files of `data_dir`; do not run
// two of them on one folder at once.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_CERTIFICATES_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_CERTIFICATES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/tls.h"

namespace ardoise {

inline constexpr char kCaKeyFile[] = "ca.key";
inline constexpr char kCaCertFile[] = "ca.pem";
inline constexpr char kServerKeyFile[] = "server.key";
inline constexpr char kServerCertFile[] = "server.pem";
inline constexpr absl::Duration kCaValidity = absl::Hours(24 * 3650);
inline constexpr absl::Duration kServerCertValidity = absl::Hours(24 * 730);

// The names of a server certificate: `extra` (--san, in order, the first
// becomes the common name) then localhost, 127.0.0.1 and ::1, which are
// always there; duplicates dropped.
std::vector<std::string> ServerNames(const std::vector<std::string>& extra);

// Creates the CA and a server certificate for ServerNames(`san`) in
// `data_dir` (which must exist). FAILED_PRECONDITION when ca.pem or ca.key
// already exists: this never replaces a CA (every agent trusts it).
absl::Status CreateConsoleCertificates(const std::string& data_dir,
                                       const std::vector<std::string>& san,
                                       absl::Time now);

// Issues a new server certificate and key from the existing CA, for
// ServerNames(`san`), or for the current certificate's names when `san` is
// empty. Returns the new certificate's description. A running console
// keeps presenting the old one until restarted.
absl::StatusOr<CertificateInfo> RenewServerCertificate(
    const std::string& data_dir, const std::vector<std::string>& san,
    absl::Time now);

// What `serve` needs, read and cross-checked: the chain and key to
// present, and the pin of the CA. FAILED_PRECONDITION, naming the missing
// file and the command that creates it, when a file is missing or the
// server certificate was not issued by ca.pem.
struct ConsoleTls {
  std::string cert_chain_pem;  // server certificate, then the CA
  std::string private_key_pem;
  std::string ca_pem;
  std::string ca_pin;  // "sha256:HEX"
  CertificateInfo server;
};
absl::StatusOr<ConsoleTls> LoadConsoleTls(const std::string& data_dir);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_CERTIFICATES_H_
