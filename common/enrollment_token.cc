#include "common/enrollment_token.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/absl_compat.h"
#include "common/tls.h"

namespace ardoise {

std::string FormatEnrollmentToken(const EnrollmentToken& token) {
  return absl::StrCat(token.credential, ".", token.ca_pin);
}

absl::StatusOr<EnrollmentToken> ParseEnrollmentToken(std::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(AsAbsl(text));
  const std::vector<absl::string_view> parts = absl::StrSplit(trimmed, '.');
  auto is_hex = [](absl::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  if (parts.size() != 3 || !is_hex(parts[0]) || !is_hex(parts[1]) ||
      !CheckPinSyntax(AsStd(parts[2])).ok()) {
    return absl::InvalidArgumentError(
        "bad enrollment token: expected ID.SECRET.sha256:HEX as printed by "
        "`ardoise token create` (copy it whole; a token without its "
        "sha256: pin comes from an older console: create a new one)");
  }
  EnrollmentToken token;
  token.credential = absl::StrCat(parts[0], ".", parts[1]);
  token.ca_pin = absl::AsciiStrToLower(parts[2]);
  return token;
}

}  // namespace ardoise
