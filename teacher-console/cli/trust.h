// `ardoise trust`: pin the console's CA on first use. The CLI trusts one
// CA per user (the file ResolveCaPath names); this command reads the chain
// the console presents with a bare TLS handshake (common/tls.h), shows the
// CA's pin and, once confirmed, saves the CA there with mode 0600.
//
// Confirmation: `--pin sha256:...` (compared, no question: the pin came
// out of band, e.g. from `ardoise-console pin` or an enrollment token),
// `--yes` (accepted as presented: only on a network you trust), or an
// answer "y"/"yes" read from `in`. Anything else saves nothing.
//
// Thread safety: runs on the calling thread.
#ifndef ARDOISE_TEACHER_CONSOLE_CLI_TRUST_H_
#define ARDOISE_TEACHER_CONSOLE_CLI_TRUST_H_

#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ardoise::cli {

struct TrustFlags {
  std::string pin;   // --pin: the expected "sha256:HEX"
  bool yes = false;  // --yes: no question
};

// Reads the certificates HOST:PORT presents (common/tls.h FetchPeerChain in
// the program; a fake in tests).
using ChainFetcher = std::function<absl::StatusOr<std::vector<std::string>>(
    const std::string& address)>;

// Pins the CA of the console at `address` into `ca_path` (creating its
// folder, 0700). PERMISSION_DENIED when --pin does not match or the person
// does not confirm (nothing is saved); errors say what to do.
absl::Status Trust(const std::string& address, const TrustFlags& flags,
                   const std::string& ca_path, const ChainFetcher& fetch,
                   std::istream* in, std::ostream& out);

}  // namespace ardoise::cli

#endif  // ARDOISE_TEACHER_CONSOLE_CLI_TRUST_H_
