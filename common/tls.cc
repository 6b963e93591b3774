#include "common/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/absl_compat.h"
#include "common/random.h"
#include "common/status_macros.h"

namespace ardoise {
namespace {

constexpr absl::string_view kPinPrefix = "sha256:";

// Owning pointers for OpenSSL objects.
struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(BASIC_CONSTRAINTS* p) const { BASIC_CONSTRAINTS_free(p); }
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(SSL* p) const { SSL_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpenSslFree>;

// The first queued OpenSSL error as text, and the queue cleared.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  return buffer;
}

absl::Status Failed(std::string_view what) {
  return absl::InternalError(absl::StrCat(AsAbsl(what), ": ", OpenSslError()));
}

absl::StatusOr<Owned<X509>> ParseCertificate(std::string_view pem) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Failed("BIO_new_mem_buf");
  Owned<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "not a PEM certificate (expected \"-----BEGIN CERTIFICATE-----\")");
  }
  return cert;
}

absl::StatusOr<Owned<EVP_PKEY>> ParseKey(std::string_view pem) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Failed("BIO_new_mem_buf");
  Owned<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a PEM private key");
  }
  return key;
}

absl::StatusOr<std::string> CertToPem(X509* cert) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return Failed("PEM_write_bio_X509");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> KeyToPem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return Failed("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<Owned<EVP_PKEY>> NewP256Key() {
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (key == nullptr) return Failed("generating a P-256 key");
  return key;
}

absl::Time FromAsn1Time(const ASN1_TIME* time) {
  struct tm tm;
  if (ASN1_TIME_to_tm(time, &tm) != 1) return absl::InfinitePast();
  return absl::FromTM(tm, absl::UTCTimeZone());
}

// A certificate with a random positive 127-bit serial, the validity window
// and `subject_cn`; issuer and extensions are the caller's.
absl::StatusOr<Owned<X509>> NewCertificate(EVP_PKEY* key,
                                           const std::string& subject_cn,
                                           absl::Time now,
                                           absl::Duration validity) {
  Owned<X509> cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), 2) != 1) {
    return Failed("X509_new");
  }
  std::string serial = RandomBytes(16);
  serial[0] = static_cast<char>(serial[0] & 0x7f);
  Owned<BIGNUM> bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                static_cast<int>(serial.size()), nullptr));
  if (bn == nullptr ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) ==
          nullptr) {
    return Failed("setting the serial number");
  }
  const time_t not_before = absl::ToTimeT(now - absl::Hours(1));
  const time_t not_after = absl::ToTimeT(now + validity);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after) == nullptr) {
    return Failed("setting the validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(subject_cn.c_str()), -1, -1,
          0) != 1) {
    return Failed("setting the subject");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return Failed("X509_set_pubkey");
  return cert;
}

// Adds an extension written in OpenSSL's configuration syntax
// ("critical,CA:TRUE"); `issuer` and `subject` serve key identifiers.
absl::Status AddExtension(X509* subject, X509* issuer, int nid,
                          const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, subject, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, const_cast<char*>(value)));
  if (ext == nullptr || X509_add_ext(subject, ext.get(), -1) != 1) {
    return Failed(absl::StrCat("adding extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

bool IsIpLiteral(const std::string& name) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

bool ValidDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.' && c != '*') {
      return false;
    }
  }
  return true;
}

absl::Status AddSubjectAltNames(X509* cert,
                                const std::vector<std::string>& names) {
  Owned<GENERAL_NAMES> list(sk_GENERAL_NAME_new_null());
  if (list == nullptr) return Failed("sk_GENERAL_NAME_new_null");
  for (const std::string& name : names) {
    GENERAL_NAME* entry = nullptr;
    if (IsIpLiteral(name)) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
      if (ip == nullptr) return Failed(absl::StrCat("IP address ", name));
      entry = GENERAL_NAME_new();
      GENERAL_NAME_set0_value(entry, GEN_IPADD, ip);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size()));
      entry = GENERAL_NAME_new();
      GENERAL_NAME_set0_value(entry, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(list.get(), entry);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, list.get(), 0, 0) != 1) {
    return Failed("adding subjectAltName");
  }
  return absl::OkStatus();
}

absl::StatusOr<KeyAndCert> Finish(X509* cert, EVP_PKEY* key, EVP_PKEY* signer) {
  if (X509_sign(cert, signer, EVP_sha256()) <= 0) {
    return Failed("signing the certificate");
  }
  KeyAndCert out;
  ARDOISE_ASSIGN_OR_RETURN(out.key_pem, KeyToPem(key));
  ARDOISE_ASSIGN_OR_RETURN(out.cert_pem, CertToPem(cert));
  return out;
}

absl::StatusOr<std::string> PinOf(X509* cert) {
  unsigned char* der = nullptr;
  const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (size <= 0) return Failed("encoding the SubjectPublicKeyInfo");
  std::string pin = absl::StrCat(
      kPinPrefix, Sha256Hex(std::string_view(reinterpret_cast<char*>(der),
                                             static_cast<size_t>(size))));
  OPENSSL_free(der);
  return pin;
}

bool IsCa(X509* cert) {
  Owned<BASIC_CONSTRAINTS> bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr)));
  return bc != nullptr && bc->ca != 0;
}

bool IsSelfSigned(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  const bool ok = key != nullptr &&
                  X509_check_issued(cert, cert) == X509_V_OK &&
                  X509_verify(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace

absl::StatusOr<KeyAndCert> CreateCa(const std::string& common_name,
                                    absl::Time now, absl::Duration validity) {
  ARDOISE_ASSIGN_OR_RETURN(Owned<EVP_PKEY> key, NewP256Key());
  ARDOISE_ASSIGN_OR_RETURN(
      Owned<X509> cert, NewCertificate(key.get(), common_name, now, validity));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) !=
      1) {
    return Failed("X509_set_issuer_name");
  }
  ARDOISE_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(),
                                       NID_basic_constraints,
                                       "critical,CA:TRUE,pathlen:0"));
  ARDOISE_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_key_usage,
                                       "critical,keyCertSign,cRLSign"));
  ARDOISE_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  return Finish(cert.get(), key.get(), key.get());
}

absl::StatusOr<KeyAndCert> IssueServerCertificate(
    const KeyAndCert& ca, const std::vector<std::string>& names, absl::Time now,
    absl::Duration validity) {
  if (names.empty()) {
    return absl::InvalidArgumentError(
        "a server certificate needs at least one name");
  }
  for (const std::string& name : names) {
    if (!IsIpLiteral(name) && !ValidDnsName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad certificate name \"", name,
          "\": use a DNS name (console.ville.fr) or an IP address"));
    }
  }
  ARDOISE_ASSIGN_OR_RETURN(Owned<X509> ca_cert, ParseCertificate(ca.cert_pem));
  ARDOISE_ASSIGN_OR_RETURN(Owned<EVP_PKEY> ca_key, ParseKey(ca.key_pem));
  if (!CheckKeyPair(ca.cert_pem, ca.key_pem).ok()) {
    return absl::FailedPreconditionError(
        "the CA key does not belong to the CA certificate");
  }
  ARDOISE_ASSIGN_OR_RETURN(Owned<EVP_PKEY> key, NewP256Key());
  ARDOISE_ASSIGN_OR_RETURN(Owned<X509> cert,
                           NewCertificate(key.get(), names[0], now, validity));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) !=
      1) {
    return Failed("X509_set_issuer_name");
  }
  ARDOISE_RETURN_IF_ERROR(AddExtension(
      cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  ARDOISE_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_key_usage,
                                       "critical,digitalSignature"));
  ARDOISE_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth"));
  ARDOISE_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(),
                                       NID_subject_key_identifier, "hash"));
  ARDOISE_RETURN_IF_ERROR(AddExtension(
      cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always"));
  ARDOISE_RETURN_IF_ERROR(AddSubjectAltNames(cert.get(), names));
  return Finish(cert.get(), key.get(), ca_key.get());
}

absl::StatusOr<std::string> SpkiPin(std::string_view cert_pem) {
  ARDOISE_ASSIGN_OR_RETURN(Owned<X509> cert, ParseCertificate(cert_pem));
  return PinOf(cert.get());
}

absl::Status CheckPinSyntax(std::string_view pin) {
  const absl::Status bad = absl::InvalidArgumentError(absl::StrCat(
      "bad CA pin \"", AsAbsl(pin),
      "\": expected sha256: followed by 64 hex digits (the SHA-256 of the "
      "CA's SubjectPublicKeyInfo)"));
  if (!absl::StartsWith(AsAbsl(pin), kPinPrefix)) return bad;
  const std::string_view hex = pin.substr(kPinPrefix.size());
  if (hex.size() != 64) return bad;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return bad;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SplitPemCertificates(
    std::string_view pem) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Failed("BIO_new_mem_buf");
  std::vector<std::string> out;
  for (;;) {
    Owned<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    ARDOISE_ASSIGN_OR_RETURN(std::string one, CertToPem(cert.get()));
    out.push_back(std::move(one));
  }
  // The loop ends on "no more PEM data", which is the expected end; any
  // other error means a damaged certificate.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (out.empty()) {
    return absl::InvalidArgumentError(
        "no certificate found (expected \"-----BEGIN CERTIFICATE-----\")");
  }
  if (last != 0 && !clean_end) {
    return absl::InvalidArgumentError(absl::StrCat(
        "certificate ", out.size() + 1, " of the bundle is damaged"));
  }
  return out;
}

absl::StatusOr<CertificateInfo> DescribeCertificate(std::string_view cert_pem) {
  ARDOISE_ASSIGN_OR_RETURN(Owned<X509> cert, ParseCertificate(cert_pem));
  CertificateInfo info;
  char buffer[512];
  X509_NAME_oneline(X509_get_subject_name(cert.get()), buffer, sizeof(buffer));
  info.subject = buffer[0] == '/' ? std::string(buffer + 1) : buffer;
  info.not_before = FromAsn1Time(X509_get0_notBefore(cert.get()));
  info.not_after = FromAsn1Time(X509_get0_notAfter(cert.get()));
  info.is_ca = IsCa(cert.get());
  if (EVP_PKEY* key = X509_get0_pubkey(cert.get()); key != nullptr) {
    char group[64] = {0};
    size_t group_size = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof(group), &group_size) == 1) {
      info.public_key = absl::StrCat(EVP_PKEY_get0_type_name(key), " ", group);
    } else {
      info.public_key =
          absl::StrCat(EVP_PKEY_get0_type_name(key), " ", EVP_PKEY_bits(key));
    }
  }
  ERR_clear_error();
  info.self_signed = IsSelfSigned(cert.get());
  Owned<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get());
       ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      info.names.emplace_back(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {0};
      const int family = ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof(text))) {
        info.names.emplace_back(text);
      }
    }
  }
  return info;
}

absl::Status CheckIssuedBy(std::string_view cert_pem, std::string_view ca_pem) {
  ARDOISE_ASSIGN_OR_RETURN(Owned<X509> cert, ParseCertificate(cert_pem));
  ARDOISE_ASSIGN_OR_RETURN(Owned<X509> ca, ParseCertificate(ca_pem));
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.get());
  const bool issued = ca_key != nullptr &&
                      X509_check_issued(ca.get(), cert.get()) == X509_V_OK &&
                      X509_verify(cert.get(), ca_key) == 1;
  ERR_clear_error();
  if (!issued) {
    return absl::FailedPreconditionError(
        "the certificate was not issued by this CA");
  }
  return absl::OkStatus();
}

absl::Status CheckKeyPair(std::string_view cert_pem, std::string_view key_pem) {
  ARDOISE_ASSIGN_OR_RETURN(Owned<X509> cert, ParseCertificate(cert_pem));
  ARDOISE_ASSIGN_OR_RETURN(Owned<EVP_PKEY> key, ParseKey(key_pem));
  const bool match = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  if (!match) {
    return absl::FailedPreconditionError(
        "the private key does not belong to the certificate");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FindPinnedCa(const std::vector<std::string>& chain,
                                         std::string_view pin) {
  ARDOISE_RETURN_IF_ERROR(CheckPinSyntax(pin));
  const std::string wanted = absl::AsciiStrToLower(AsAbsl(pin));
  std::vector<std::string> presented;
  for (const std::string& pem : chain) {
    ARDOISE_ASSIGN_OR_RETURN(Owned<X509> cert, ParseCertificate(pem));
    ARDOISE_ASSIGN_OR_RETURN(std::string got, PinOf(cert.get()));
    if (got == wanted && IsCa(cert.get())) return pem;
    presented.push_back(std::move(got));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "no certificate authority in the chain matches the pin ", wanted,
      " (presented: ",
      presented.empty() ? "nothing" : absl::StrJoin(presented, ", "), ")"));
}

absl::StatusOr<std::string> ChainRoot(const std::vector<std::string>& chain) {
  if (!chain.empty()) {
    ARDOISE_ASSIGN_OR_RETURN(Owned<X509> last, ParseCertificate(chain.back()));
    if (IsCa(last.get()) && IsSelfSigned(last.get())) return chain.back();
  }
  return absl::NotFoundError(
      "the chain does not end with a self-signed certificate authority (an "
      "Ardoise console sends its CA with its certificate)");
}

namespace {

// Closes a socket on scope exit.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

struct HostPort {
  std::string host;
  std::string port;
};

absl::StatusOr<HostPort> SplitAddress(const std::string& address) {
  HostPort out;
  absl::string_view rest;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad address \"", address, "\": missing ']'"));
    }
    out.host = address.substr(1, close - 1);
    rest = absl::string_view(address).substr(close + 1);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos) {
      rest = "";
    } else {
      out.host = address.substr(0, colon);
      rest = absl::string_view(address).substr(colon);
    }
  }
  int port = 0;
  if (!absl::ConsumePrefix(&rest, ":") || !absl::SimpleAtoi(rest, &port) ||
      port <= 0 || port > 65535 || out.host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad address \"", address, "\": use HOST:PORT"));
  }
  out.port = std::string(rest);
  return out;
}

// Connects within `deadline`; the socket is left blocking, with send and
// receive timeouts set to the time left.
absl::StatusOr<int> ConnectTcp(const HostPort& where, absl::Time deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc =
      getaddrinfo(where.host.c_str(), where.port.c_str(), &hints, &found);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", where.host, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    Socket sock(fd);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        const int ms = static_cast<int>(std::max<int64_t>(
            0, absl::ToInt64Milliseconds(deadline - absl::Now())));
        if (poll(&p, 1, ms) <= 0) {
          return absl::DeadlineExceededError("no answer in time");
        }
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err != 0) {
      last_error = strerror(err);
      continue;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    const timeval tv = absl::ToTimeval(
        std::max(absl::Milliseconds(1), deadline - absl::Now()));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return sock.Release();
  }
  return absl::UnavailableError(absl::StrCat("cannot connect: ", last_error));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> FetchPeerChain(
    const std::string& address, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  ARDOISE_ASSIGN_OR_RETURN(HostPort where, SplitAddress(address));
  ARDOISE_ASSIGN_OR_RETURN(int fd, ConnectTcp(where, deadline));
  Socket sock(fd);

  Owned<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) return Failed("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Deliberately unverified: the caller checks the chain against a pin.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  Owned<SSL> ssl(SSL_new(ctx.get()));
  if (ssl == nullptr) return Failed("SSL_new");
  static const unsigned char kAlpn[] = {2, 'h', '2'};  // as gRPC offers
  SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof(kAlpn));
  if (!IsIpLiteral(where.host)) {
    SSL_set_tlsext_host_name(ssl.get(), where.host.c_str());
  }
  SSL_set_fd(ssl.get(), sock.fd());
  if (SSL_connect(ssl.get()) != 1) {
    const bool late = absl::Now() >= deadline;
    const std::string why = OpenSslError();
    if (late) {
      return absl::DeadlineExceededError(
          "the TLS handshake did not finish in time");
    }
    return absl::UnavailableError(absl::StrCat("no TLS handshake (", why,
                                               "): is it an Ardoise console?"));
  }
  std::vector<std::string> chain;
  STACK_OF(X509)* certs = SSL_get_peer_cert_chain(ssl.get());
  for (int i = 0; certs != nullptr && i < sk_X509_num(certs); ++i) {
    ARDOISE_ASSIGN_OR_RETURN(std::string pem,
                             CertToPem(sk_X509_value(certs, i)));
    chain.push_back(std::move(pem));
  }
  SSL_shutdown(ssl.get());
  ERR_clear_error();
  if (chain.empty()) {
    return absl::UnavailableError("it presented no certificate");
  }
  return chain;
}

}  // namespace ardoise
