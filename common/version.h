// Release and protocol versions, shared by every program. The protocol major
// version changes only with an incompatible wire change; the console serves
// agents of the same major version and tells older ones clearly to upgrade.
#ifndef ARDOISE_COMMON_VERSION_H_
#define ARDOISE_COMMON_VERSION_H_

namespace ardoise {

inline constexpr int kProtocolVersion = 1;
inline constexpr char kVersion[] = "0.1.0";

}  // namespace ardoise

#endif  // ARDOISE_COMMON_VERSION_H_
