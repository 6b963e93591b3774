// UsageSender: when an agent sends its usage outbox and whether it asks for
// the UsageAck at once (DESIGN.md, Protocol: usage; docs/protocol.md).
//
// Every interval cut is sent on the stream as soon as it is in the outbox,
// without waiting for the previous batch's ack; the console acknowledges such
// batches lazily (one cumulative UsageAck per few minutes). The agent asks
// for an ack at once (UsageBatch.ack_now) and then keeps one batch in flight
// until it comes, when
//  - the stream is new or the epoch restarted: it resends from the oldest;
//  - the batch is full (a backlog after a time offline);
//  - what was sent has waited `overdue` for its ack (a batch the console
//    could not store is never acked): it resends from the oldest.
// An ack_now batch unanswered after `resend_after` is sent again from the
// oldest. The outbox only holds unacked intervals, so "from the oldest" is
// after seq 0; nothing is deleted before an ack, so nothing is lost.
//
// The agent and the load generator both drive it: Next() says what to read
// from the outbox, Sent() records what went out, Acked() what came back.
// Times are monotonic.
//
// Thread safety: a plain value, not synchronized.
#ifndef ARDOISE_COMMON_USAGE_SENDER_H_
#define ARDOISE_COMMON_USAGE_SENDER_H_

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace ardoise {

class UsageSender {
 public:
  struct Options {
    // Intervals per batch; a full batch asks for its ack.
    int batch_size = 500;
    // An ack_now batch without its ack is sent again after this long.
    absl::Duration resend_after = absl::Seconds(10);
    // Sent intervals not acked for this long are sent again, asking for the
    // ack (above the console's lazy period, 10 minutes, plus a cut).
    absl::Duration overdue = absl::Minutes(15);
  };
  // What to send: the outbox's intervals with seq > after_seq (at most
  // batch_size of them), asking for the ack at once when ack_now.
  struct Read {
    int64_t after_seq = 0;
    bool ack_now = false;
  };

  UsageSender() = default;
  explicit UsageSender(Options options) : options_(options) {}

  // A stream was welcomed: everything unacked is sent again.
  void Connected();
  // The stream ended: nothing is sent until the next Connected().
  void Disconnected() { online_ = false; }
  // The outbox was renumbered in a new epoch: sent again from the oldest.
  void EpochRestarted() { Connected(); }

  // What to read from the outbox now; nullopt when nothing may be sent
  // (offline, or waiting for an ack it asked for).
  std::optional<Read> Next(absl::Duration now);
  // A batch went out: `count` intervals, the last one `last_seq`, with
  // ack_now as sent (Next's, or set by the caller for a full batch). Call it
  // with count 0 when the read found nothing (nothing went out).
  void Sent(absl::Duration now, int64_t last_seq, int count, bool ack_now);
  // The console holds every interval of the current epoch up to `seq`.
  void Acked(int64_t seq);

  // When Next() may have something to do even if nothing new is cut (an
  // ack to wait no longer for); InfiniteDuration when nothing is due.
  absl::Duration NextDue() const;

  // A full batch must ask for its ack (the caller sets ack_now when the
  // outbox gave it this many intervals).
  int batch_size() const { return options_.batch_size; }

 private:
  Options options_;
  bool online_ = false;
  bool fresh_ = false;        // the next batch starts from the oldest
  int64_t sent_through_ = 0;  // highest seq sent on this stream
  bool awaiting_ = false;     // an ack_now batch is in flight
  int64_t awaiting_through_ = 0;
  absl::Duration awaiting_since_;
  std::optional<absl::Duration> unacked_since_;  // first send not yet acked
};

}  // namespace ardoise

#endif  // ARDOISE_COMMON_USAGE_SENDER_H_
