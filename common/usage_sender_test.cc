#include "common/usage_sender.h"

#include "gtest/gtest.h"

namespace ardoise {
namespace {

constexpr absl::Duration kT0 = absl::Seconds(1000);

UsageSender Online() {
  UsageSender sender;
  sender.Connected();
  return sender;
}

TEST(UsageSenderTest, SendsNothingBeforeTheStreamIsWelcomed) {
  UsageSender sender;
  EXPECT_FALSE(sender.Next(kT0).has_value());
  EXPECT_EQ(sender.NextDue(), absl::InfiniteDuration());
}

TEST(UsageSenderTest, FirstBatchOnAStreamIsSentFromTheOldestAskingForTheAck) {
  UsageSender sender = Online();
  auto read = sender.Next(kT0);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_seq, 0);
  EXPECT_TRUE(read->ack_now);
  sender.Sent(kT0, 7, 7, true);
  // One batch in flight until its ack ...
  EXPECT_FALSE(sender.Next(kT0 + absl::Seconds(1)).has_value());
  EXPECT_EQ(sender.NextDue(), kT0 + absl::Seconds(10));
  sender.Acked(7);
  // ... then each new cut goes out at once, without waiting for acks.
  read = sender.Next(kT0 + absl::Seconds(2));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_seq, 7);
  EXPECT_FALSE(read->ack_now);
  sender.Sent(kT0 + absl::Seconds(2), 8, 1, false);
  read = sender.Next(kT0 + absl::Seconds(62));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_seq, 8);
  EXPECT_FALSE(read->ack_now);
}

TEST(UsageSenderTest, AnUnansweredAckNowBatchIsSentAgainFromTheOldest) {
  UsageSender sender = Online();
  sender.Sent(kT0, 3, 3, true);
  EXPECT_FALSE(sender.Next(kT0 + absl::Seconds(9)).has_value());
  auto read = sender.Next(kT0 + absl::Seconds(10));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_seq, 0);
  EXPECT_TRUE(read->ack_now);
}

TEST(UsageSenderTest, LazyAcksCoverWhatWasSentAndOverdueOnesAreResent) {
  UsageSender sender = Online();
  sender.Sent(kT0, 1, 1, true);
  sender.Acked(1);
  absl::Duration now = kT0;
  for (int64_t seq = 2; seq <= 5; ++seq) {
    now += absl::Minutes(1);
    auto read = sender.Next(now);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->after_seq, seq - 1);
    sender.Sent(now, seq, 1, false);
  }
  const absl::Duration first_unacked = kT0 + absl::Minutes(1);
  EXPECT_EQ(sender.NextDue(), first_unacked + absl::Minutes(15));
  // A lazy ack of part of it keeps the clock of the oldest unacked send.
  sender.Acked(3);
  EXPECT_EQ(sender.NextDue(), first_unacked + absl::Minutes(15));
  // Never acked: sent again from the oldest, asking.
  auto read = sender.Next(first_unacked + absl::Minutes(15));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_seq, 0);
  EXPECT_TRUE(read->ack_now);
  sender.Sent(first_unacked + absl::Minutes(15), 5, 2, true);
  sender.Acked(5);
  EXPECT_EQ(sender.NextDue(), absl::InfiniteDuration());
}

TEST(UsageSenderTest, AReconnectSendsEverythingUnackedAgain) {
  UsageSender sender = Online();
  sender.Sent(kT0, 4, 4, true);
  sender.Acked(4);
  sender.Sent(kT0 + absl::Minutes(1), 5, 1, false);
  sender.Disconnected();
  EXPECT_FALSE(sender.Next(kT0 + absl::Minutes(2)).has_value());
  EXPECT_EQ(sender.NextDue(), absl::InfiniteDuration());
  sender.Connected();
  auto read = sender.Next(kT0 + absl::Minutes(2));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_seq, 0);
  EXPECT_TRUE(read->ack_now);
}

TEST(UsageSenderTest, AnEmptyOutboxFromTheOldestMeansNothingIsAwaited) {
  UsageSender sender = Online();
  sender.Sent(kT0, 2, 2, true);
  // The ack was lost but the outbox was emptied (acked on another stream).
  auto read = sender.Next(kT0 + absl::Seconds(10));
  ASSERT_TRUE(read.has_value());
  sender.Sent(kT0 + absl::Seconds(10), 0, 0, read->ack_now);
  EXPECT_EQ(sender.NextDue(), absl::InfiniteDuration());
  // The next cut asks for its ack, since the stream's state is unknown.
  read = sender.Next(kT0 + absl::Seconds(11));
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->ack_now);
}

TEST(UsageSenderTest, EpochRestartSendsTheRenumberedOutboxFromTheOldest) {
  UsageSender sender = Online();
  sender.Sent(kT0, 9, 9, true);
  sender.EpochRestarted();
  auto read = sender.Next(kT0 + absl::Seconds(1));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_seq, 0);
  EXPECT_TRUE(read->ack_now);
}

}  // namespace
}  // namespace ardoise
