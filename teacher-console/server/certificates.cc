#include "teacher-console/server/certificates.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace ardoise {
namespace {

std::string PathOf(const std::string& data_dir, const char* file) {
  return absl::StrCat(data_dir, "/", file);
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// Writes a new server key and certificate (with the CA appended).
absl::StatusOr<CertificateInfo> WriteServerCertificate(
    const std::string& data_dir, const KeyAndCert& ca,
    const std::vector<std::string>& names, absl::Time now) {
  ARDOISE_ASSIGN_OR_RETURN(
      KeyAndCert server,
      IssueServerCertificate(ca, names, now, kServerCertValidity));
  // The key first: a certificate whose key is missing is useless, while a
  // new key beside the old certificate is caught by `serve` (key mismatch)
  // and fixed by running renew-cert again.
  ARDOISE_RETURN_IF_ERROR(WriteFileAtomically(PathOf(data_dir, kServerKeyFile),
                                              server.key_pem, 0600));
  ARDOISE_RETURN_IF_ERROR(WriteFileAtomically(
      PathOf(data_dir, kServerCertFile), server.cert_pem + ca.cert_pem, 0644));
  return DescribeCertificate(server.cert_pem);
}

absl::StatusOr<std::string> ReadTlsFile(const std::string& data_dir,
                                        const char* file) {
  const std::string path = PathOf(data_dir, file);
  auto contents = ReadFile(path);
  if (contents.ok()) return contents;
  if (absl::IsNotFound(contents.status()) &&
      Exists(PathOf(data_dir, kCaCertFile)) &&
      Exists(PathOf(data_dir, kCaKeyFile))) {
    return absl::FailedPreconditionError(absl::StrCat(
        path,
        " is missing: issue a server certificate from the console's CA "
        "with `ardoise-console renew-cert --data ",
        data_dir, " --san NAME`"));
  }
  if (absl::IsNotFound(contents.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        path,
        " is missing: this console has no TLS certificates yet; create "
        "them with `ardoise-console init --data ",
        data_dir,
        " --san NAME` (NAME: each host name or address devices use to reach "
        "it; an existing database is kept)"));
  }
  return contents.status();
}

}  // namespace

std::vector<std::string> ServerNames(const std::vector<std::string>& extra) {
  std::vector<std::string> names;
  for (const std::string& name : extra) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  for (const char* always : {"localhost", "127.0.0.1", "::1"}) {
    if (std::find(names.begin(), names.end(), always) == names.end()) {
      names.push_back(always);
    }
  }
  return names;
}

absl::Status CreateConsoleCertificates(const std::string& data_dir,
                                       const std::vector<std::string>& san,
                                       absl::Time now) {
  for (const char* file : {kCaCertFile, kCaKeyFile}) {
    if (Exists(PathOf(data_dir, file))) {
      return absl::FailedPreconditionError(absl::StrCat(
          PathOf(data_dir, file),
          " already exists: the CA is never replaced, since every enrolled "
          "device trusts it (for new names, run `ardoise-console renew-cert "
          "--data ",
          data_dir, " --san NAME`)"));
    }
  }
  const std::vector<std::string> names = ServerNames(san);
  ARDOISE_ASSIGN_OR_RETURN(
      KeyAndCert ca,
      CreateCa(absl::StrCat("Ardoise console CA (", names[0], ")"), now,
               kCaValidity));
  // Check the names before anything is written.
  ARDOISE_RETURN_IF_ERROR(
      IssueServerCertificate(ca, names, now, kServerCertValidity).status());
  ARDOISE_RETURN_IF_ERROR(
      WriteFileAtomically(PathOf(data_dir, kCaKeyFile), ca.key_pem, 0600));
  ARDOISE_RETURN_IF_ERROR(
      WriteFileAtomically(PathOf(data_dir, kCaCertFile), ca.cert_pem, 0644));
  return WriteServerCertificate(data_dir, ca, names, now).status();
}

absl::StatusOr<CertificateInfo> RenewServerCertificate(
    const std::string& data_dir, const std::vector<std::string>& san,
    absl::Time now) {
  KeyAndCert ca;
  ARDOISE_ASSIGN_OR_RETURN(ca.cert_pem, ReadTlsFile(data_dir, kCaCertFile));
  ARDOISE_ASSIGN_OR_RETURN(ca.key_pem, ReadTlsFile(data_dir, kCaKeyFile));
  std::vector<std::string> names = san;
  if (names.empty()) {
    // Keep the names of the certificate in place, if it can be read.
    auto current = ReadFile(PathOf(data_dir, kServerCertFile));
    if (current.ok()) {
      auto info = DescribeCertificate(*current);
      if (info.ok()) names = info->names;
    }
  }
  return WriteServerCertificate(data_dir, ca, ServerNames(names), now);
}

absl::StatusOr<ConsoleTls> LoadConsoleTls(const std::string& data_dir) {
  ConsoleTls tls;
  ARDOISE_ASSIGN_OR_RETURN(tls.ca_pem, ReadTlsFile(data_dir, kCaCertFile));
  ARDOISE_ASSIGN_OR_RETURN(tls.cert_chain_pem,
                           ReadTlsFile(data_dir, kServerCertFile));
  ARDOISE_ASSIGN_OR_RETURN(tls.private_key_pem,
                           ReadTlsFile(data_dir, kServerKeyFile));
  ARDOISE_ASSIGN_OR_RETURN(tls.ca_pin, SpkiPin(tls.ca_pem));
  auto chain = SplitPemCertificates(tls.cert_chain_pem);
  if (!chain.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        PathOf(data_dir, kServerCertFile), ": ", chain.status().message()));
  }
  const absl::Status issued = CheckIssuedBy(chain->front(), tls.ca_pem);
  if (!issued.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        PathOf(data_dir, kServerCertFile), " was not issued by ",
        PathOf(data_dir, kCaCertFile),
        ": issue a new one with `ardoise-console renew-cert --data ", data_dir,
        "`"));
  }
  if (!CheckKeyPair(chain->front(), tls.private_key_pem).ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        PathOf(data_dir, kServerKeyFile), " does not belong to ",
        PathOf(data_dir, kServerCertFile),
        ": issue a new pair with `ardoise-console renew-cert --data ", data_dir,
        "`"));
  }
  // Present the CA after the server certificate even if someone replaced
  // server.pem by the bare certificate.
  if (chain->size() == 1) tls.cert_chain_pem = chain->front() + tls.ca_pem;
  ARDOISE_ASSIGN_OR_RETURN(tls.server, DescribeCertificate(chain->front()));
  return tls;
}

}  // namespace ardoise
