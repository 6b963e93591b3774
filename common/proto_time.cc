#include "common/proto_time.h"

namespace ardoise {

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  if (t == absl::InfinitePast()) {
    out->Clear();
    return;
  }
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return absl::InfinitePast();
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

int64_t ToUnixMillisOrZero(absl::Time t) {
  return t == absl::InfinitePast() ? 0 : absl::ToUnixMillis(t);
}

absl::Time FromUnixMillisOrPast(int64_t millis) {
  return millis == 0 ? absl::InfinitePast() : absl::FromUnixMillis(millis);
}

}  // namespace ardoise
