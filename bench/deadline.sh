#!/usr/bin/env bash
# How late an offline agent locks after its session's deadline (issue #7,
# target ≤ 1 s). Called by bench/load.sh; runs on its own.
#
#   bench/deadline.sh BUILD_DIR OUT_DIR
#
# A console of its own (OUT_DIR/deadline, port 0) on the test clock, a
# Monday morning in Paris, running SPEED times faster (DEADLINE_SPEED,
# default 6); a school whose policy allows one minute a week; one real
# `ardoise-agent run --platform sim` at the same speed. A one-minute session
# starts: its deadline is the allowance, a minute of console time later. As
# soon as the agent holds the session the console is SIGKILLed; the agent
# must lock by itself (LOCK_REASON_SESSION_DEADLINE). The figure is in real
# time: the agent's log line (its wall clock) minus the real instant the
# console's clock reached the deadline (its test clock starts at FAKE_START
# when the console starts, taken just before launching it, so the figure can
# only look later). The agent sleeps until its deadline whatever the clock's
# speed (Clock::RealDuration), so the speed shortens the wait, not the
# figure.
#
# Prints one JSON object on stdout: {"deadline_late_ms": N, ...}; on failure
# {"deadline_late_ms": null, "error": "..."} and exit 1.
set -euo pipefail
B=$(cd "$1" && pwd)
OUT="$2"
SPEED=${DEADLINE_SPEED:-6}
D="$OUT/deadline"
CONSOLE="$B/teacher-console/ardoise-console"
CLI="$B/teacher-console/cli/ardoise"
AGENT="$B/agent/ardoise-agent"
rm -rf "$D"
mkdir -p "$D"

CONSOLE_PID=
AGENT_PID=
cleanup() {
  [ -n "$CONSOLE_PID" ] && kill -9 "$CONSOLE_PID" 2>/dev/null || true
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
fail() {
  printf '{"deadline_late_ms": null, "error": "%s"}\n' "$1"
  exit 1
}
# wait_for SECONDS COMMAND...: polls a condition every 50 ms.
wait_for() {
  local end=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -gt "$end" ] && return 1
    sleep 0.05
  done
}

head -c 18 /dev/urandom | base64 >"$D/admin-password"
"$CONSOLE" init --data "$D/console" --admin-password-file "$D/admin-password" >/dev/null
# Monday 2026-11-23 09:00 in Paris. REAL0: just before the console starts
# its clock there (it does so as it starts, a few ms later).
FAKE_START=2026-11-23T08:00:00Z
REAL0=$(date +%s.%N)
"$CONSOLE" serve --data "$D/console" --listen 127.0.0.1:0 \
  --fake-start "$FAKE_START" --clock-speed "$SPEED" >"$D/console.log" 2>&1 &
CONSOLE_PID=$!
wait_for 30 test -s "$D/console/console.addr" || fail "the console did not start"
ADDR=$(cat "$D/console/console.addr")
export ARDOISE_TOKEN_FILE="$D/admin.token"
cli() { "$CLI" --console "$ADDR" --ca "$D/console/ca.pem" "$@"; }
ARDOISE_PASSWORD="$(cat "$D/admin-password")" cli login --user admin >/dev/null
cli schools create dl >/dev/null
cli pools create dl-room --school dl --kind room >/dev/null
cli classes create dl-cm1 --school dl --levels CM1 --home-room dl-room >/dev/null
cat >"$D/dl.yaml" <<'YAML'
scope: {school: dl}
timezone: Europe/Paris
school_hours:
  monday: ["08:00-12:00", "13:30-17:00"]
weekly_allowance: 1m
apps: [gcompris]
YAML
cli policy apply "$D/dl.yaml" >/dev/null
cat >"$D/plan.yaml" <<'YAML'
title: "Une minute"
levels: [CM1]
steps:
  - {title: "Seul", duration: 1m, tablets: {app: gcompris}, whiteboard: none}
YAML
TOKEN=$(cli -o json token create --school dl --pool dl-room --uses 1 | jq -r .token)
"$AGENT" enroll --console "$ADDR" --token "$TOKEN" --data "$D/agent" \
  --name dl-tab-1 --kind tablet >/dev/null
"$AGENT" run --data "$D/agent" --platform sim --clock-speed "$SPEED" \
  >"$D/agent.log" 2>&1 &
AGENT_PID=$!
ready() {
  cli -o json devices show dl-tab-1 |
    jq -e '.online and ((.state.policy_version // "0") | tonumber) > 0'
}
wait_for 30 ready || fail "the agent did not connect"

cli -o json session start dl-cm1 "$D/plan.yaml" >"$D/session.json" ||
  fail "the session did not start"
wait_for 10 grep -q "session .* of class dl-cm1" "$D/agent.log" ||
  fail "the agent did not receive the session"
kill -9 "$CONSOLE_PID"
wait "$CONSOLE_PID" 2>/dev/null || true
CONSOLE_PID=
KILLED=$(date +%s.%N)
python3 - "$D" "$REAL0" "$KILLED" "$SPEED" "$FAKE_START" <<'PY'
import datetime, json, os, re, sys, time
d, real0, killed, speed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
fake_start = sys.argv[5]
def instant(text):
    # RFC 3339 (proto JSON), any fraction of a second.
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", text)
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return base.timestamp() + (float("0." + m.group(2)) if m.group(2) else 0.0)
s = json.load(open(os.path.join(d, "session.json")))
started, deadline = instant(s["startedAt"] if "startedAt" in s else s["started_at"]), instant(s["deadline"])
# The real instant the console's clock reaches the deadline: its clock is
# FAKE_START at REAL0 (a few ms early: the figure can only look later).
deadline_real = real0 + (deadline - instant(fake_start)) / speed
result = {"deadline_speed": speed, "deadline_console_s": deadline - started,
          "deadline_killed_before_ms": round((deadline_real - killed) * 1000)}
if killed >= deadline_real:
    result.update(deadline_late_ms=None, error="the console was killed after the deadline")
    print(json.dumps(result)); sys.exit(1)
log = os.path.join(d, "agent.log")
lock = None
end = deadline_real + 15
while lock is None and time.time() < end:
    for line in open(log, encoding="utf-8", errors="replace"):
        if "LOCK_REASON_SESSION_DEADLINE" in line:
            lock = instant(line.split(" ", 1)[0])
            break
    time.sleep(0.1)
if lock is None:
    result.update(deadline_late_ms=None, error="the agent did not lock at the deadline")
    print(json.dumps(result)); sys.exit(1)
result["deadline_late_ms"] = round((lock - deadline_real) * 1000)
print(json.dumps(result))
PY
