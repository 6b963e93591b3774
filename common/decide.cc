#include "common/decide.h"

#include <cstdint>
#include <utility>

#include "absl/time/civil_time.h"
#include "common/proto_time.h"
#include "common/school_calendar.h"

namespace ardoise {
namespace {

// Texts that have no LockReason of their own (they reuse STEP and
// NO_SESSION) and no policy override.
const char* PausedMessage(Language language) {
  return language == Language::kFrench ? "Séance en pause" : "Lesson paused";
}
const char* DailyLimitMessage(Language language) {
  return language == Language::kFrench ? "Temps d'utilisation du jour atteint"
                                       : "Daily limit reached";
}

// An instant of the confirmed timeline seen in the timeline of `now`: both
// advance together until the next reading of the schedule clock.
absl::Time InNowTimeline(absl::Time t, absl::Time base, absl::Time now) {
  if (t == absl::InfiniteFuture()) return t;
  return now + (t - base);
}

bool CoversKind(const v1::NoScreenPeriod& period, v1::DeviceKind kind) {
  for (const int k : period.kinds()) {
    if (k == kind) return true;
  }
  return false;
}

const v1::Exemption* ExemptionFor(const v1::NoScreenPeriod& period,
                                  const DecideInput& input) {
  for (const v1::Exemption& exemption : input.policy->exemptions()) {
    if (!exemption.period().empty() &&
        exemption.period() != period.range().name()) {
      continue;
    }
    if (!exemption.device().empty() &&
        exemption.device() == input.device_name) {
      return &exemption;
    }
    if (!exemption.class_name().empty() && input.session.has_value() &&
        exemption.class_name() == input.session->class_name) {
      return &exemption;
    }
  }
  return nullptr;
}

// The no-screen periods on one local date: the first one that locks, the
// first one an exemption lifts, and the next date on which any period
// covering the kind starts or ends.
struct NoScreenState {
  const v1::NoScreenPeriod* locking = nullptr;
  const v1::NoScreenPeriod* exempted = nullptr;
  const v1::Exemption* exemption = nullptr;
  bool has_next = false;
  absl::CivilDay next;
};

NoScreenState NoScreenOn(const DecideInput& input, absl::CivilDay day) {
  NoScreenState state;
  const int64_t key = DayKey(day);
  const v1::Date* next_date = nullptr;  // a period's first day...
  bool next_is_end = false;             // ...or its last, which ends a day on
  int64_t next_key = 0;
  for (const v1::NoScreenPeriod& period : input.policy->no_screen_periods()) {
    if (!CoversKind(period, input.kind)) continue;
    const int64_t from = DayKey(period.range().from());
    const int64_t to = DayKey(period.range().to());
    if (from <= key && key <= to) {
      if (state.locking == nullptr) {
        const v1::Exemption* exemption = ExemptionFor(period, input);
        if (exemption == nullptr) {
          state.locking = &period;
        } else if (state.exempted == nullptr) {
          state.exempted = &period;
          state.exemption = exemption;
        }
      }
    }
    // A start counts at the midnight opening its day (key * 2), an end at
    // the midnight closing its last day (key * 2 + 1): after that day's
    // start, before any later day's.
    if (key < from && (next_date == nullptr || from * 2 < next_key)) {
      next_date = &period.range().from();
      next_is_end = false;
      next_key = from * 2;
    }
    if (key <= to && (next_date == nullptr || to * 2 + 1 < next_key)) {
      next_date = &period.range().to();
      next_is_end = true;
      next_key = to * 2 + 1;
    }
  }
  if (next_date != nullptr) {
    state.has_next = true;
    state.next = ToCivilDay(*next_date) + (next_is_end ? 1 : 0);
  }
  return state;
}

const std::string& Or(const std::string& custom, const std::string& fallback) {
  return custom.empty() ? fallback : custom;
}

// Builds the Decision; `until` collects the change points of every level
// consulted so far, since each of them could change the outcome.
class Builder {
 public:
  explicit Builder(const DecideInput& input) : input_(input) {}

  void Until(absl::Time t) {
    if (t < until_) until_ = t;
  }

  Decision Lock(v1::LockReason reason, const std::string& custom) {
    decision_.locked = true;
    decision_.reason = reason;
    decision_.message =
        custom.empty() ? DefaultLockMessage(reason, input_.language) : custom;
    return Finish();
  }
  Decision Lock(v1::LockReason reason, const char* text) {
    decision_.locked = true;
    decision_.reason = reason;
    decision_.message = text;
    return Finish();
  }
  Decision Unlock(const std::string& activity, bool counts_as_free_use) {
    decision_.activity = activity;
    decision_.counts_as_free_use = counts_as_free_use;
    return Finish();
  }
  Decision& decision() { return decision_; }

 private:
  Decision Finish() {
    decision_.valid_until = until_;
    return std::move(decision_);
  }

  const DecideInput& input_;
  Decision decision_;
  absl::Time until_ = absl::InfiniteFuture();
};

const std::string& EmptyString() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

bool FreeOutsideSessions(const DecideInput& input) {
  if (input.policy == nullptr) return true;
  const v1::OutsideSessions& outside = input.policy->outside_sessions();
  switch (input.kind) {
    case v1::DEVICE_KIND_WHITEBOARD:
      return outside.whiteboard() != v1::FREE_USE_LOCKED;
    case v1::DEVICE_KIND_PC:
      return outside.pc() != v1::FREE_USE_LOCKED;
    default:
      // Tablets, and devices of unknown kind, which get the strictest rule.
      return outside.tablet() == v1::FREE_USE_FREE;
  }
}

}  // namespace

Decision Decide(const DecideInput& input) {
  Builder out(input);
  const v1::EffectivePolicy* policy = input.policy;
  const v1::LockMessages* texts = policy ? &policy->messages() : nullptr;
  const std::string& none = EmptyString();

  if (policy != nullptr) {
    if (input.time_zone == nullptr) {
      return out.Lock(v1::LOCK_REASON_CLOCK, none);
    }
    const absl::TimeZone tz = *input.time_zone;
    const absl::TimeZone::CivilInfo now_info = tz.At(input.now);
    const absl::CivilSecond local = now_info.cs;

    // 1. No-screen periods, on the local date of `now` and of the confirmed
    // time: a date moved forward offline must not end one early.
    if (policy->no_screen_periods_size() > 0) {
      const NoScreenState by_now = NoScreenOn(input, absl::CivilDay(local));
      if (by_now.has_next) {
        out.Until(InstantOf(absl::CivilSecond(by_now.next), tz, input.now));
      }
      NoScreenState by_confirmed;
      const absl::Time confirmed = input.confirmed_now;
      const absl::CivilDay confirmed_day =
          confirmed == absl::InfinitePast()
              ? absl::CivilDay(local)
              : absl::CivilDay(tz.At(confirmed).cs);
      // The same date behind `now` gives the same periods and later changes.
      if (confirmed_day != absl::CivilDay(local) || confirmed > input.now) {
        by_confirmed = NoScreenOn(input, confirmed_day);
        if (by_confirmed.has_next) {
          out.Until(InNowTimeline(
              InstantOf(absl::CivilSecond(by_confirmed.next), tz, confirmed),
              confirmed, input.now));
        }
      }
      const v1::NoScreenPeriod* locking =
          by_now.locking ? by_now.locking : by_confirmed.locking;
      if (locking != nullptr) {
        out.decision().no_screen_period = locking->range().name();
        return out.Lock(v1::LOCK_REASON_NO_SCREEN, texts->no_screen());
      }
      const NoScreenState& exempt = by_now.exempted ? by_now : by_confirmed;
      if (exempt.exempted != nullptr) {
        out.decision().no_screen_period = exempt.exempted->range().name();
        out.decision().exemption_reason = exempt.exemption->reason();
      }
    }

    // 2. Downtime.
    const HoursState hours = SchoolHoursAt(*policy, local);
    out.Until(NextHoursChange(*policy, tz, input.now, now_info.offset, hours));
    if (!hours.in_hours) {
      return out.Lock(v1::LOCK_REASON_DOWNTIME, texts->downtime());
    }
  }

  // 3. The session's deadline.
  const SessionView* session = input.session ? &*input.session : nullptr;
  if (session != nullptr) {
    if (input.now >= session->deadline) {
      return out.Lock(v1::LOCK_REASON_SESSION_DEADLINE,
                      texts ? texts->session_deadline() : none);
    }
    out.Until(session->deadline);
  }

  // 4. The teacher's manual lock.
  const v1::ManualLock& lock = input.manual_lock;
  if (lock.locked()) {
    const absl::Time expires_at = FromProto(lock.expires_at());
    const bool expires = expires_at != absl::InfinitePast();
    if (!expires || input.now < expires_at) {
      if (expires) out.Until(expires_at);
      return out.Lock(v1::LOCK_REASON_MANUAL,
                      Or(lock.message(), texts ? texts->manual() : none));
    }
  }

  if (session != nullptr) {
    // Steps and pauses speak to the pupils' devices; the whiteboard is what
    // "regardez le tableau" points at, so it stays with the teacher.
    out.Until(session->changes_at);
    if (input.kind == v1::DEVICE_KIND_WHITEBOARD) {
      return out.Unlock(session->whiteboard, /*counts_as_free_use=*/false);
    }
    // 5. A paused session or a locking step.
    if (session->paused) {
      return out.Lock(v1::LOCK_REASON_STEP, PausedMessage(input.language));
    }
    if (session->action == SessionView::Action::kLock) {
      return out.Lock(v1::LOCK_REASON_STEP,
                      Or(session->message, texts ? texts->step() : none));
    }
    // 6. The step's activity.
    return out.Unlock(
        session->action == SessionView::Action::kFree ? none : session->target,
        /*counts_as_free_use=*/false);
  }

  // 7. Outside any session.
  if (!FreeOutsideSessions(input)) {
    return out.Lock(v1::LOCK_REASON_NO_SESSION,
                    texts ? texts->no_session() : none);
  }
  const int64_t limit_seconds =
      policy ? policy->outside_sessions().daily_limit_seconds() : 0;
  if (limit_seconds > 0) {
    const absl::Duration limit = absl::Seconds(limit_seconds);
    if (input.free_use_today >= limit) {
      // The count restarts at the local midnight of the confirmed time: the
      // ledger is kept per confirmed day so that moving the date forward
      // offline does not grant a new day.
      const absl::TimeZone tz = *input.time_zone;
      const absl::Time base = input.confirmed_now == absl::InfinitePast()
                                  ? input.now
                                  : input.confirmed_now;
      const absl::CivilDay day(tz.At(base).cs);
      out.Until(InNowTimeline(InstantOf(absl::CivilSecond(day + 1), tz, base),
                              base, input.now));
      return out.Lock(v1::LOCK_REASON_NO_SESSION,
                      DailyLimitMessage(input.language));
    }
    out.Until(input.now + (limit - input.free_use_today));
  }
  return out.Unlock(none, /*counts_as_free_use=*/true);
}

std::string DefaultLockMessage(v1::LockReason reason, Language language) {
  const bool fr = language == Language::kFrench;
  switch (reason) {
    case v1::LOCK_REASON_NO_SCREEN:
      return fr ? "Semaine sans écrans : cet appareil reste éteint."
                : "No-screen week: this device stays off.";
    case v1::LOCK_REASON_DOWNTIME:
      return fr ? "En dehors des heures de classe." : "Outside school hours.";
    case v1::LOCK_REASON_SESSION_DEADLINE:
      return fr ? "La séance est terminée." : "The lesson is over.";
    case v1::LOCK_REASON_MANUAL:
      return fr ? "L'enseignant a verrouillé l'écran."
                : "The teacher locked the screen.";
    case v1::LOCK_REASON_STEP:
      return fr ? "Regardez le tableau." : "Look at the board.";
    case v1::LOCK_REASON_NO_SESSION:
      return fr ? "Pas de séance en cours." : "No lesson right now.";
    case v1::LOCK_REASON_CLOCK:
      return fr ? "L'heure de l'appareil est inconnue : appelez l'enseignant."
                : "The device cannot tell the time: call the teacher.";
    default:
      return "";
  }
}

}  // namespace ardoise
