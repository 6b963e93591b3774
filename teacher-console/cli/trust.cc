#include "teacher-console/cli/trust.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "common/tls.h"

namespace ardoise::cli {

absl::Status Trust(const std::string& address, const TrustFlags& flags,
                   const std::string& ca_path, const ChainFetcher& fetch,
                   std::istream* in, std::ostream& out) {
  if (!flags.pin.empty()) ARDOISE_RETURN_IF_ERROR(CheckPinSyntax(flags.pin));
  auto chain = fetch(address);
  if (!chain.ok()) {
    return absl::Status(chain.status().code(),
                        absl::StrCat("cannot read the certificate of the "
                                     "console at ",
                                     address, ": ", chain.status().message()));
  }
  std::string ca;
  if (!flags.pin.empty()) {
    auto pinned = FindPinnedCa(*chain, flags.pin);
    if (!pinned.ok()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "refused the console at ", address, ": ", pinned.status().message(),
          ". Nothing was saved: check the address, and the pin with "
          "`ardoise-console pin` on the console."));
    }
    ca = *std::move(pinned);
  } else {
    auto root = ChainRoot(*chain);
    if (!root.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the console at ", address,
                       " presents no CA to trust: ", root.status().message()));
    }
    ca = *std::move(root);
  }
  ARDOISE_ASSIGN_OR_RETURN(std::string pin, SpkiPin(ca));
  ARDOISE_ASSIGN_OR_RETURN(CertificateInfo info, DescribeCertificate(ca));
  out << "The console at " << address
      << " presents this certificate authority:\n"
      << "  subject: " << info.subject << "\n"
      << "  pin:     " << pin << "\n";
  if (flags.pin.empty() && !flags.yes) {
    out << "Compare the pin with the output of `ardoise-console pin` on the "
           "console\n(or with the end of an enrollment token).\n"
        << "Trust it for every connection to this console? [y/N] "
        << std::flush;
    std::string answer;
    if (in == nullptr || !std::getline(*in, answer)) answer.clear();
    answer = absl::AsciiStrToLower(absl::StripAsciiWhitespace(answer));
    out << "\n";
    if (answer != "y" && answer != "yes") {
      return absl::PermissionDeniedError(absl::StrCat(
          "not confirmed: nothing was saved (to run without a question, pass "
          "--pin ",
          pin, " once you have checked it, or --yes)"));
    }
  }
  const std::string folder =
      std::filesystem::path(ca_path).parent_path().string();
  if (!folder.empty()) ARDOISE_RETURN_IF_ERROR(MakeDirs(folder, 0700));
  ARDOISE_RETURN_IF_ERROR(WriteFileAtomically(ca_path, ca, 0600));
  out << "Saved the console's CA to " << ca_path
      << "; every command now checks the console against it.\n";
  return absl::OkStatus();
}

}  // namespace ardoise::cli
