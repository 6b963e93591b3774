#include "common/usage_sender.h"

#include <algorithm>

namespace ardoise {

void UsageSender::Connected() {
  online_ = true;
  fresh_ = true;
  sent_through_ = 0;
  awaiting_ = false;
  unacked_since_.reset();
}

std::optional<UsageSender::Read> UsageSender::Next(absl::Duration now) {
  if (!online_) return std::nullopt;
  if (awaiting_) {
    if (now - awaiting_since_ < options_.resend_after) return std::nullopt;
    fresh_ = true;  // the ack_now batch went unanswered
  } else if (unacked_since_.has_value() &&
             now - *unacked_since_ >= options_.overdue) {
    fresh_ = true;  // acked lazily for too long: maybe never stored
  }
  if (fresh_) return Read{0, true};
  return Read{sent_through_, false};
}

void UsageSender::Sent(absl::Duration now, int64_t last_seq, int count,
                       bool ack_now) {
  if (count <= 0) {
    if (fresh_) {
      // Read from the oldest and found nothing: nothing is unacked.
      awaiting_ = false;
      unacked_since_.reset();
    }
    return;
  }
  if (fresh_) unacked_since_.reset();  // what was in flight is sent again
  fresh_ = false;
  sent_through_ = last_seq;
  if (!unacked_since_.has_value()) unacked_since_ = now;
  awaiting_ = ack_now;
  if (ack_now) {
    awaiting_through_ = last_seq;
    awaiting_since_ = now;
  }
}

void UsageSender::Acked(int64_t seq) {
  if (awaiting_ && seq >= awaiting_through_) awaiting_ = false;
  if (seq >= sent_through_) unacked_since_.reset();
}

absl::Duration UsageSender::NextDue() const {
  if (!online_) return absl::InfiniteDuration();
  if (awaiting_) return awaiting_since_ + options_.resend_after;
  if (unacked_since_.has_value()) return *unacked_since_ + options_.overdue;
  return absl::InfiniteDuration();
}

}  // namespace ardoise
