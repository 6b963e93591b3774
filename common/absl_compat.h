// Bridges between the standard library and Debian's Abseil (20220623).
//
// That Abseil is built with its own absl::string_view (not an alias of
// std::string_view), so a std::string_view does not convert to the
// absl::string_view that absl::StrCat, absl::StrSplit and friends take. Our
// interfaces use std:: types; call AsAbsl() where an absl API needs a view.
//
// Thread safety: pure functions.

#ifndef ARDOISE_COMMON_ABSL_COMPAT_H_
#define ARDOISE_COMMON_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace ardoise {

inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view AsStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace ardoise

#endif  // ARDOISE_COMMON_ABSL_COMPAT_H_
