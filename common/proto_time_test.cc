#include "common/proto_time.h"

#include "gtest/gtest.h"

namespace ardoise {
namespace {

TEST(ProtoTimeTest, RoundTripsWithNanoseconds) {
  const absl::Time t = absl::FromUnixNanos(1795000000123456789);
  google::protobuf::Timestamp ts;
  ToProto(t, &ts);
  EXPECT_EQ(ts.seconds(), 1795000000);
  EXPECT_EQ(ts.nanos(), 123456789);
  EXPECT_EQ(FromProto(ts), t);
}

TEST(ProtoTimeTest, BeforeTheEpochKeepsNanosPositive) {
  const absl::Time t = absl::FromUnixNanos(-1500000000);
  google::protobuf::Timestamp ts;
  ToProto(t, &ts);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
  EXPECT_EQ(FromProto(ts), t);
}

TEST(ProtoTimeTest, NeverIsAnUnsetTimestamp) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(5);
  ToProto(absl::InfinitePast(), &ts);
  EXPECT_EQ(ts.seconds(), 0);
  EXPECT_EQ(FromProto(ts), absl::InfinitePast());
  EXPECT_EQ(ToUnixMillisOrZero(absl::InfinitePast()), 0);
  EXPECT_EQ(FromUnixMillisOrPast(0), absl::InfinitePast());
  EXPECT_EQ(FromUnixMillisOrPast(1500), absl::FromUnixMillis(1500));
}

}  // namespace
}  // namespace ardoise
