// Decide(): what a device's screen must show right now. A pure function, run
// by the agent to enforce (also offline) and by the console to explain each
// device's state; both must agree, so there is exactly one.
//
// Precedence (DESIGN.md, Enforcement), strongest first:
//   1. a no-screen period covering the device's kind on the local date,
//      unless an exemption names the device or the session's class;
//   2. downtime: outside the weekday's school hours, or in the holidays;
//   3. the session's deadline has passed;
//   4. the teacher's manual lock (until its expiry);
//   5. a session step that locks tablets, or a paused session;
//   6. in a session: unlocked for the step's activity only.
//      Levels 5 and 6 speak to pupils' devices (tablets, PCs): a session's
//      whiteboard is unlocked with the step's whiteboard activity, since
//      "regardez le tableau" points at it;
//   7. outside a session: tablets locked unless the policy allows free use,
//      whiteboards and PCs free by default, free use within a daily limit.
// Without a policy (a device never configured) only levels 3 to 6 apply and
// the device is otherwise unlocked, as before policies existed.
//
// Times. `now` is schedule time (see ScheduleClock); `confirmed_now` lags it
// after a forward jump of the wall clock offline: a no-screen period holds
// while it covers either, so moving the date forward does not end it. Local
// dates and hours are civil time in the policy's zone, so 08:30 is 08:30 on
// both sides of a DST change, including in the skipped and repeated hours.
//
// Cost: well under a microsecond for a school day (see bench/decide_bench);
// it copies nothing from the policy but the strings the Decision carries and
// never loads a time zone: the caller loads policy->timezone() once per
// policy version (LoadSchoolTimeZone) and passes it in.
//
// Thread safety: pure function over values; the pointed-to policy and zone
// are only read.
#ifndef ARDOISE_COMMON_DECIDE_H_
#define ARDOISE_COMMON_DECIDE_H_

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "ardoise/v1/device.pb.h"
#include "ardoise/v1/policy.pb.h"

namespace ardoise {

// Languages of the texts pupils and teachers see. French is the default.
enum class Language { kFrench, kEnglish };

// The session holding this device, as the agent holds it (desired state sent
// by the console, current step included).
struct SessionView {
  std::string class_name;  // for class exemptions
  // When the session ends by itself (DESIGN.md, The weekly half-day).
  absl::Time deadline = absl::InfiniteFuture();
  bool paused = false;  // a paused session locks tablets and stops its clock
  // What the current step asks of tablets.
  enum class Action { kLock, kApp, kUrl, kFree } action = Action::kFree;
  std::string target;   // app id (kApp) or URL (kUrl)
  std::string message;  // lock text for kLock; empty = the policy's
  // What the step puts on the whiteboard: an app id or a URL, empty for
  // nothing imposed (or a pupil's screen, chosen live). A session's
  // whiteboard runs it.
  std::string whiteboard;
  // When the current step ends by itself (InfiniteFuture for the last one):
  // the decision may change then.
  absl::Time changes_at = absl::InfiniteFuture();
};

struct DecideInput {
  absl::Time now;  // schedule time (the console's clock)
  // The part of schedule time that is trusted (see ScheduleClock);
  // InfinitePast = the same as `now`.
  absl::Time confirmed_now = absl::InfinitePast();
  // The policy's zone, loaded by the caller. Null = it could not be loaded:
  // the device locks (LOCK_REASON_CLOCK) rather than guess local time, unless
  // there is no policy at all.
  const absl::TimeZone* time_zone = nullptr;
  const v1::EffectivePolicy* policy = nullptr;  // null = none received yet
  v1::DeviceKind kind = v1::DEVICE_KIND_TABLET;
  std::string device_name;             // for device exemptions
  v1::ManualLock manual_lock;          // as the device holds it
  std::optional<SessionView> session;  // the session holding the device
  // Free use already counted today, for the daily limit: UsageLedger's count
  // for the local day of the confirmed time, which is also the midnight at
  // which a reached limit lifts.
  absl::Duration free_use_today = absl::ZeroDuration();
  Language language = Language::kFrench;
};

struct Decision {
  bool locked = false;
  v1::LockReason reason = v1::LOCK_REASON_NONE;
  std::string message;   // lock screen text
  std::string activity;  // what runs when unlocked; empty = nothing imposed
  // The earliest instant, in the timeline of `now`, at which this decision
  // may change by itself (a range of school hours starting or ending, a
  // holiday or no-screen boundary, a deadline, a lock expiring, the daily
  // limit being reached); InfiniteFuture when only a new input can change
  // it. The agent wakes up then. It may be early (a boundary that changes
  // nothing), never late.
  absl::Time valid_until = absl::InfiniteFuture();
  // The no-screen period in force, whether it locks or an exemption lifts it.
  std::string no_screen_period;
  // The exemption's reason when one lifted the period (reports show it).
  std::string exemption_reason;
  // Unlocked outside a session: the agent's ledger counts this use against
  // the daily limit.
  bool counts_as_free_use = false;
};

Decision Decide(const DecideInput& input);

// The default lock-screen text for a reason, in a language.
std::string DefaultLockMessage(v1::LockReason reason, Language language);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_DECIDE_H_
