#include "agent/enforce/usage_recorder.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace ardoise {
namespace {

bool SameState(const UsageState& a, const UsageState& b) {
  return a.locked == b.locked && a.lock_reason == b.lock_reason &&
         a.in_use == b.in_use && a.activity == b.activity &&
         a.session_id == b.session_id && a.step_index == b.step_index &&
         a.no_screen_period == b.no_screen_period &&
         a.exemption_reason == b.exemption_reason;
}

v1::UsageInterval Closed(v1::UsageInterval interval, absl::Time end) {
  end = std::max(end, FromProto(interval.start()));
  ToProto(end, interval.mutable_end());
  return interval;
}

}  // namespace

absl::Time ReadBootTime() {
  std::ifstream stat("/proc/stat");
  std::string key;
  int64_t value = 0;
  while (stat >> key) {
    if (key == "btime" && stat >> value) return absl::FromUnixSeconds(value);
    stat.ignore(1 << 20, '\n');
  }
  return absl::InfinitePast();
}

v1::UsageInterval UsageRecorder::MakeUp(const UsageState& state,
                                        absl::Time start) {
  v1::UsageInterval interval;
  interval.set_kind(v1::INTERVAL_KIND_AGENT_UP);
  ToProto(start, interval.mutable_start());
  interval.set_locked(state.locked);
  interval.set_lock_reason(state.locked ? state.lock_reason
                                        : v1::LOCK_REASON_NONE);
  interval.set_in_use(!state.locked && state.in_use);
  interval.set_activity(state.activity);
  interval.set_session_id(state.session_id);
  interval.set_step_index(state.step_index);
  interval.set_no_screen_period(state.no_screen_period);
  interval.set_exemption_reason(state.exemption_reason);
  return interval;
}

absl::Status UsageRecorder::Start(absl::Time now, absl::Time boot,
                                  const UsageState& state) {
  AgentStore::UsageOpen previous = store_->usage_open();
  std::vector<v1::UsageInterval> closed;
  absl::Time last_end = absl::InfinitePast();
  if (previous.open.has_value()) {
    // An unclean stop: the open interval lasted at least until the agent
    // was last known alive.
    v1::UsageInterval tail = Closed(
        *previous.open,
        std::min(now,
                 std::max(previous.alive, FromProto(previous.open->start()))));
    tail.set_recovered(true);
    last_end = FromProto(tail.end());
    closed.push_back(std::move(tail));
  }
  absl::Time recorded_boot = absl::InfinitePast();
  if (boot != absl::InfinitePast() && boot <= now &&
      (previous.boot == absl::InfinitePast() ||
       boot > previous.boot + absl::Seconds(1))) {
    // The device booted since the last recorded boot: it was on (without
    // the agent) from then until now.
    v1::UsageInterval booted;
    booted.set_kind(v1::INTERVAL_KIND_BOOT);
    ToProto(std::max(boot, std::min(last_end, now)), booted.mutable_start());
    ToProto(now, booted.mutable_end());
    closed.push_back(std::move(booted));
    recorded_boot = boot;
  }
  current_ = MakeUp(state, now);
  ARDOISE_RETURN_IF_ERROR(
      store_->AppendUsage(std::move(closed), &current_, now, recorded_boot)
          .status());
  open_ = true;
  state_ = state;
  opened_at_ = now;
  alive_saved_ = now;
  return absl::OkStatus();
}

void UsageRecorder::Observe(absl::Time now, const UsageState& state) {
  if (!open_) return;
  const bool changed = !SameState(state, state_);
  if (changed || now - opened_at_ >= options_.cut_every) {
    const absl::Time end = std::max(now, FromProto(current_.start()));
    v1::UsageInterval next = MakeUp(state, end);
    absl::Status appended =
        store_->AppendUsage({Closed(current_, end)}, &next, end).status();
    if (!appended.ok()) {
      ARDOISE_LOG(ERROR) << "cannot record usage: " << appended;
      return;
    }
    current_ = std::move(next);
    state_ = state;
    opened_at_ = end;
    alive_saved_ = end;
    return;
  }
  if (now - alive_saved_ >= options_.alive_every) {
    absl::Status saved = store_->SetUsageAlive(now);
    if (saved.ok()) {
      alive_saved_ = now;
    } else {
      ARDOISE_LOG(WARNING) << "cannot save the usage heartbeat: " << saved;
    }
  }
}

absl::Time UsageRecorder::NextDue() const {
  if (!open_) return absl::InfiniteFuture();
  return std::min(opened_at_ + options_.cut_every,
                  alive_saved_ + options_.alive_every);
}

absl::Status UsageRecorder::Stop(absl::Time now) {
  if (!open_) return absl::OkStatus();
  const absl::Time end = std::max(now, FromProto(current_.start()));
  v1::UsageInterval shutdown;
  shutdown.set_kind(v1::INTERVAL_KIND_SHUTDOWN);
  ToProto(end, shutdown.mutable_start());
  ToProto(end, shutdown.mutable_end());
  ARDOISE_RETURN_IF_ERROR(
      store_
          ->AppendUsage({Closed(current_, end), std::move(shutdown)}, nullptr,
                        end)
          .status());
  open_ = false;
  return absl::OkStatus();
}

}  // namespace ardoise
