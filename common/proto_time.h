// Conversions between absl::Time and google.protobuf.Timestamp, used at every
// edge where times cross the wire. An unset Timestamp is absl::InfinitePast()
// ("never"), and InfinitePast() converts back to an unset one.
// Thread safety: pure functions.
#ifndef ARDOISE_COMMON_PROTO_TIME_H_
#define ARDOISE_COMMON_PROTO_TIME_H_

#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace ardoise {

// Writes `t` into `out`; clears it for InfinitePast().
void ToProto(absl::Time t, google::protobuf::Timestamp* out);
// InfinitePast() for an unset (zero) Timestamp.
absl::Time FromProto(const google::protobuf::Timestamp& ts);
// Milliseconds since the Unix epoch, the unit of every time column in
// SQLite; InfinitePast() is stored as 0 and read back as InfinitePast().
int64_t ToUnixMillisOrZero(absl::Time t);
absl::Time FromUnixMillisOrPast(int64_t millis);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_PROTO_TIME_H_
