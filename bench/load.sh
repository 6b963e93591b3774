#!/usr/bin/env bash
# The scale figures of issue #7, one table, each figure beside its target:
# a real console with N simulated agents (bench/loadgen.cc: connections,
# locks, a policy change, a session start, a reconnect storm), then an
# offline agent's lateness at its session deadline (bench/deadline.sh), then
# one real ardoise-agent idle for a minute, side by side with Veyon's client
# service (veyon-server and its children on an Xvfb 1280x800 display).
#
#   bench/load.sh BUILD_DIR [N] [OUT_DIR]
#
# N defaults to 10000. Console, load generator and agent share this machine's
# cores: say so beside the figures. Writes OUT_DIR/figures.json (and the
# loadgen's own JSON and logs). Environment: STEADY (seconds, default 600:
# one lazy usage-ack period, so the console's steady CPU includes the acks;
# the loadgen first waits one usage period after the last connection),
# IDLE (agent idle seconds, default 60), RAMP (seconds over which agents
# first dial, default N/500), HEARTBEAT (console, default 30s), DEADLINE=0
# skips the deadline figure, LOADGEN_ARGS more loadgen flags (e.g.
# "--usage-every 120"), VEYON=0 the Veyon comparison (skipped too, with
# a message, when veyon-server or Xvfb is missing: ./scripts/bench installs
# veyon-service, libqca-qt5-2-plugins and xvfb).
#
# The console runs on the test clock (--fake-start, --clock-speed 1) from a
# Monday 09:00 in Paris, so that the session starts within school hours
# whatever the hour; the storm's restart goes on from the instant reached.
set -euo pipefail
B=$(cd "$1" && pwd)
N=${2:-10000}
OUT=${3:-$(mktemp -d /tmp/ardoise-load.XXXXXX)}
STEADY=${STEADY:-600}
IDLE=${IDLE:-60}
export RAMP=${RAMP:-$(( N / 500 > 2 ? N / 500 : 2 ))}
HEARTBEAT=${HEARTBEAT:-30s}
PORT=${PORT:-17443}
mkdir -p "$OUT"
D="$OUT/console"
CONSOLE="$B/teacher-console/ardoise-console"
CLI="$B/teacher-console/cli/ardoise"
AGENT="$B/agent/ardoise-agent"
LOADGEN="$B/bench/ardoise-loadgen"
ADDR="127.0.0.1:$PORT"

ulimit -n "$(ulimit -Hn)"

# The test clock: Monday 2026-11-23 09:00 in Paris when the run starts, then
# real time. fake_now is that clock's instant now (restart.sh has its own
# copy with the same two numbers).
SCHOOL_START=$(date -u -d 2026-11-23T09:00:00+01:00 +%s)
RUN_START=$(date -u +%s)
fake_now() {
  date -u -d "@$((SCHOOL_START + $(date -u +%s) - RUN_START))" +%Y-%m-%dT%H:%M:%SZ
}

# Starts the console in the background; writes its pid; returns once it
# listens (it writes console.addr then). Also the storm's restart command.
start_console() {
  rm -f "$D/console.addr"
  nohup "$CONSOLE" serve --data "$D" --listen "$ADDR" --heartbeat "$HEARTBEAT" \
    --fake-start "$(fake_now)" --clock-speed 1 >>"$OUT/console.log" 2>&1 &
  echo $! >"$OUT/console.pid"
  for _ in $(seq 1 600); do
    [ -s "$D/console.addr" ] && return 0
    sleep 0.05
  done
  echo "console did not start; see $OUT/console.log" >&2
  return 1
}

# Veyon's processes (see below), stopped by pid: x11vnc survives
# veyon-server's SIGTERM.
VEYON_PIDS=()
XVFB_PID=
stop_veyon() {
  local p
  for p in "${VEYON_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  VEYON_PIDS=()
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  XVFB_PID=
}
cleanup() {
  [ -f "$OUT/console.pid" ] && kill "$(cat "$OUT/console.pid")" 2>/dev/null || true
  [ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null || true
  stop_veyon
}
trap cleanup EXIT

if [ ! -d "$D" ]; then
  head -c 18 /dev/urandom | base64 >"$OUT/admin-password"
  "$CONSOLE" init --data "$D" --admin-password-file "$OUT/admin-password" >/dev/null
fi
start_console
export ARDOISE_TOKEN_FILE="$OUT/admin.token"
cli() { "$CLI" --console "$ADDR" --ca "$D/ca.pem" "$@"; }
ARDOISE_PASSWORD="$(cat "$OUT/admin-password")" cli login --user admin >/dev/null
cli schools create lg >/dev/null 2>&1 || true
cli pools create lg-class --school lg --kind room >/dev/null 2>&1 || true
cli pools create lg-rest --school lg --kind cart >/dev/null 2>&1 || true
cli pools create lg-idle --school lg --kind cart >/dev/null 2>&1 || true
token() { cli token create --school lg --pool "$1" --uses "$2" -o json | jq -r .token; }
ENROLL=()
if [ ! -s "$OUT/identities" ]; then
  ENROLL=(--enroll "30,lg-class,$(token lg-class 30)")
  [ "$N" -gt 30 ] && ENROLL+=(--enroll "$((N - 30)),lg-rest,$(token lg-rest $((N - 30)))")
fi

# The storm's restart: the same console, same data, same port, its clock
# going on from the instant the killed one had reached.
cat >"$OUT/restart.sh" <<RESTART
#!/usr/bin/env bash
rm -f "$D/console.addr"
FAKE=\$(date -u -d "@\$(($SCHOOL_START + \$(date -u +%s) - $RUN_START))" +%Y-%m-%dT%H:%M:%SZ)
nohup "$CONSOLE" serve --data "$D" --listen "$ADDR" --heartbeat "$HEARTBEAT" \
  --fake-start "\$FAKE" --clock-speed 1 >>"$OUT/console.log" 2>&1 &
echo \$! >"$OUT/console.pid"
for _ in \$(seq 1 600); do [ -s "$D/console.addr" ] && exit 0; sleep 0.05; done
exit 1
RESTART
chmod +x "$OUT/restart.sh"

echo "== loadgen: $N agents (ramp ${RAMP}s, steady ${STEADY}s, console heartbeat $HEARTBEAT)" >&2
set +e
"$LOADGEN" --console "$ADDR" --ca "$D/ca.pem" --identities "$OUT/identities" \
  "${ENROLL[@]}" --agents "$N" --ramp "$RAMP" --connect-timeout 300 \
  --steady "$STEADY" --lock-pool lg-class --pool-rounds 5 --lock-all \
  --policy-school lg --session-class lg-cm1 \
  --console-pid-file "$OUT/console.pid" --storm-restart "$OUT/restart.sh" \
  --json "$OUT/loadgen.json" --token-file "$ARDOISE_TOKEN_FILE" ${LOADGEN_ARGS:-} >"$OUT/loadgen.txt" 2>"$OUT/loadgen.log"
LG_RC=$?
set -e
cat "$OUT/loadgen.txt" >&2

# An offline agent's lateness at its session deadline: its own console.
echo "{}" >"$OUT/deadline.json"
if [ "${DEADLINE:-1}" != 0 ]; then
  echo "== deadline: an offline agent locking at its session deadline" >&2
  "$(dirname "$0")/deadline.sh" "$B" "$OUT" >"$OUT/deadline.json" ||
    echo "deadline: failed, see $OUT/deadline/ ($(cat "$OUT/deadline.json"))" >&2
fi

# Veyon's client service, for the side-by-side idle figures: veyon-server on
# an Xvfb 1280x800 display, as the issue describes (it needs no
# systemd-logind that way). Optional: skipped with a message when missing.
VEYON_NOTE=
if [ "${VEYON:-1}" = 0 ]; then
  VEYON_NOTE="skipped (VEYON=0)"
elif ! command -v veyon-server >/dev/null || ! command -v veyon-cli >/dev/null ||
  ! command -v Xvfb >/dev/null; then
  VEYON_NOTE="skipped: veyon-server or Xvfb missing (apt-get install veyon-service libqca-qt5-2-plugins xvfb; ./scripts/bench does)"
else
  echo "== veyon: veyon-server on Xvfb 1280x800" >&2
  V="$OUT/veyon"
  mkdir -p "$V/run"
  chmod 700 "$V/run"
  exec 3>"$V/display"
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$V/xvfb.log" 2>&1 &
  XVFB_PID=$!
  exec 3>&-
  for _ in $(seq 1 100); do [ -s "$V/display" ] && break; sleep 0.05; done
  # Key-file authentication with a key pair named teacher (system-wide, as
  # an IT admin would set it up).
  veyon-cli authkeys list 2>/dev/null | grep -q '^teacher/' ||
    veyon-cli authkeys create teacher >>"$V/setup.log" 2>&1 || true
  veyon-cli config set Authentication/Method 1 >>"$V/setup.log" 2>&1 || true
  if [ -s "$V/display" ]; then
    DISPLAY=":$(head -1 "$V/display")" XDG_RUNTIME_DIR="$V/run" QT_QPA_PLATFORM=xcb \
      veyon-server >"$V/server.log" 2>&1 &
    VEYON_PIDS=($!)
  else
    VEYON_NOTE="skipped: Xvfb did not start (see $V/xvfb.log)"
  fi
fi

# One real agent, idle, for IDLE seconds (the sim platform: the agent has no
# X11 platform yet), measured over the same seconds as Veyon's processes.
A="$OUT/agent-idle"
if [ ! -s "$A/node.key" ]; then
  "$AGENT" enroll --console "$ADDR" --token "$(token lg-idle 1)" --data "$A" \
    --name lg-idle-1 --kind tablet >/dev/null
fi
"$AGENT" run --data "$A" --platform sim >"$OUT/agent.log" 2>&1 &
AGENT_PID=$!
sleep 5 # let it connect (and veyon-server start its children) before measuring
# veyon-server and its children (its worker and x11vnc), by pid.
if [ ${#VEYON_PIDS[@]} -gt 0 ]; then
  if kill -0 "${VEYON_PIDS[0]}" 2>/dev/null; then
    VEYON_PIDS+=($(ps -o pid= --ppid "${VEYON_PIDS[0]}"))
  else
    VEYON_NOTE="skipped: veyon-server exited (see $OUT/veyon/server.log)"
  fi
fi
# Sums over pids: CPU ticks, RSS and PSS (KiB).
ticks() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s+=$1} END{print s+0}'; }
rss() { for p in "$@"; do awk '/VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null; done | awk '{s+=$1} END{print s+0}'; }
pss() { for p in "$@"; do awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '{s+=$1} END{print s+0}'; }
switches() { cat /proc/"$AGENT_PID"/task/*/status | awk '/ctxt_switches/{s+=$2} END{print s}'; }
T0=$(ticks "$AGENT_PID"); S0=$(switches); W0=$(date +%s.%N)
VT0=$(ticks "${VEYON_PIDS[@]}")
sleep "$IDLE"
T1=$(ticks "$AGENT_PID"); S1=$(switches); W1=$(date +%s.%N)
VT1=$(ticks "${VEYON_PIDS[@]}")
RSS=$(rss "$AGENT_PID")
PSS=$(pss "$AGENT_PID")
VRSS=$(rss "${VEYON_PIDS[@]}")
VPSS=$(pss "${VEYON_PIDS[@]}")
# The issue's own figure: veyon-server + x11vnc (without the worker).
VRSS_SX=$(rss "${VEYON_PIDS[0]:-}" $(for p in "${VEYON_PIDS[@]:1}"; do
  grep -q x11vnc "/proc/$p/cmdline" 2>/dev/null && echo "$p"; done))
VPROCS=$(for p in "${VEYON_PIDS[@]}"; do printf '%s ' "$(cat "/proc/$p/comm" 2>/dev/null)"; done)
[ ${#VEYON_PIDS[@]} -eq 0 ] && [ -z "$VEYON_NOTE" ] && VEYON_NOTE="skipped"
HZ=$(getconf CLK_TCK)
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; AGENT_PID=
stop_veyon
export VEYON_NOTE VRSS VPSS VRSS_SX VT0 VT1 VPROCS
python3 - "$OUT" "$N" "$RSS" "$PSS" "$T0" "$T1" "$S0" "$S1" "$W0" "$W1" "$HZ" "$LG_RC" <<'PY'
import json, sys, os
out, n = sys.argv[1], int(sys.argv[2])
rss, pss, t0, t1, s0, s1 = map(float, sys.argv[3:9])
w0, w1, hz, lg_rc = float(sys.argv[9]), float(sys.argv[10]), float(sys.argv[11]), int(sys.argv[12])
lg = json.load(open(os.path.join(out, "loadgen.json"))) if os.path.exists(os.path.join(out, "loadgen.json")) else {}
try:
    dl = json.load(open(os.path.join(out, "deadline.json")))
except ValueError:
    dl = {}
secs = w1 - w0
env = os.environ
veyon = not env.get("VEYON_NOTE")
vrss = float(env["VRSS"]) / 1024 if veyon else None
vpss = float(env["VPSS"]) / 1024 if veyon else None
vrss_sx = float(env["VRSS_SX"]) / 1024 if veyon else None
vcpu = 100 * (float(env["VT1"]) - float(env["VT0"])) / hz / secs if veyon else None
agent_rss, agent_cpu = rss / 1024, 100 * (t1 - t0) / hz / secs
def g(k, sub=None):
    v = lg.get(k)
    if v is None: return None
    return v.get(sub) if sub else v
rows = [
  # figure, measured, unit, target, ok(value)
  ("agents connected", g("connected"), "", f"{n}", lambda v: v >= n),
  ("console TCP connections (ESTABLISHED)", g("console_tcp_established"), "", f"≥ {n}", lambda v: v >= n),
  ("connect time p99 (ramp %ss)" % os.environ.get("RAMP", "?"), g("connect", "p99_ms"), "ms", "—", None),
  ("console RSS, N connected", g("console_rss_mib"), "MiB", "≤ %.0f MiB (128 KiB/device)" % (n * 128 / 1024), lambda v: v <= n * 128 / 1024),
  ("console RSS per device", g("console_rss_kib_per_agent"), "KiB", "≤ 128 KiB", lambda v: v <= 128),
  ("console CPU, steady heartbeat", g("console_cpu_pct"), "% core", "≤ 10 %", lambda v: v <= 10),
  ("steady traffic: state reports", g("heartbeats_per_s"), "/s", "—", None),
  ("steady traffic: usage batches", g("usage_batches_per_s"), "/s", "—", None),
  ("steady traffic: usage acks (lazy)", g("usage_acks_per_s"), "/s", "—", None),
  ("lock fan-out, pool of 30, p50", g("fanout_pool", "p50_ms"), "ms", "—", None),
  ("lock fan-out, pool of 30, p99", g("fanout_pool", "p99_ms"), "ms", "≤ 50 ms", lambda v: v <= 50),
  ("lock fan-out, all N, p50", g("fanout_all", "p50_ms"), "ms", "—", None),
  ("lock fan-out, all N, p99", g("fanout_all", "p99_ms"), "ms", "≤ 2000 ms", lambda v: v <= 2000),
  ("lock reports held by the console", g("lock_reported"), "", f"{n}", lambda v: v >= n),
  ("reconnect storm: restart → all back", g("storm_all_back_s"), "s", "≤ 60 s", lambda v: v <= 60),
  ("reconnect storm: kill → agent back, p50", g("storm_reconnect", "p50_ms"), "ms", "—", None),
  ("reconnect storm: kill → agent back, p99", g("storm_reconnect", "p99_ms"), "ms", "—", None),
  ("policy change → applied by all N, p50", g("policy_change", "p50_ms"), "ms", "—", None),
  ("policy change → applied by all N, p99", g("policy_change", "p99_ms"), "ms", "≤ 5000 ms", lambda v: v <= 5000),
  ("policy change: console shows N current", g("policy_current"), "", f"{n}", lambda v: v >= n),
  ("session start → class of 30 on step 1, p50", g("session_start", "p50_ms"), "ms", "—", None),
  ("session start → class of 30 on step 1, p99", g("session_start", "p99_ms"), "ms", "≤ 100 ms", lambda v: v <= 100),
  ("session start: tablets on step 1", g("session_start", "n"), "", "30", lambda v: v >= 30),
  ("offline agent: lock after session deadline", dl.get("deadline_late_ms"), "ms", "≤ 1000 ms", lambda v: v <= 1000),
  ("agent idle RSS", agent_rss, "MiB", "≤ 10 MiB", lambda v: v <= 10),
  ("agent idle PSS", pss / 1024, "MiB", "—", None),
  ("agent idle CPU (%.0f s)" % secs, agent_cpu, "% core", "≤ 0.1 %", lambda v: v <= 0.1),
  ("agent idle wakeups (context switches)", (s1 - s0) / secs, "/s", "—", None),
  ("Veyon idle RSS (%s)" % (env.get("VPROCS", "").strip().replace(" ", " + ") or "all its processes"), vrss, "MiB", "—", None),
  ("Veyon idle RSS, veyon-server + x11vnc", vrss_sx, "MiB", "—", None),
  ("Veyon idle PSS (all its processes)", vpss, "MiB", "—", None),
  ("Veyon idle CPU (same %.0f s)" % secs, vcpu, "% core", "—", None),
  ("agent RSS ÷ Veyon RSS (server + x11vnc)", agent_rss / vrss_sx if veyon and vrss_sx else None, "×", "< 1 (lighter)", lambda v: v < 1),
  ("agent PSS ÷ Veyon PSS", (pss / 1024) / vpss if veyon and vpss else None, "×", "< 1 (lighter)", lambda v: v < 1),
  ("agent CPU − Veyon CPU", agent_cpu - vcpu if veyon else None, "% core", "< 0 (lighter)", lambda v: v < 0),
]
figures = []
w = max(len(r[0]) for r in rows)
print(f"{'figure':<{w}}  {'measured':>14}  {'target':<28} ok")
for name, v, unit, target, ok in rows:
    shown = "n/a" if v is None else (f"{v:,.2f} {unit}" if isinstance(v, float) and v < 100 else f"{v:,.0f} {unit}")
    verdict = "" if ok is None or v is None else ("yes" if ok(v) else "NO")
    print(f"{name:<{w}}  {shown:>14}  {target:<28} {verdict}")
    figures.append({"figure": name, "value": v, "unit": unit, "target": target, "ok": None if verdict == "" else verdict == "yes"})
print(f"errors: {lg.get('errors', {})}; loadgen exit {lg_rc}")
if not veyon:
    print(f"Veyon: {env['VEYON_NOTE']}")
if dl.get("error"):
    print(f"deadline: {dl['error']}")
json.dump({"agents": n, "figures": figures, "loadgen": lg, "deadline": dl,
           "veyon": env.get("VEYON_NOTE") or "measured"},
          open(os.path.join(out, "figures.json"), "w"), indent=1)
print(f"JSON: {os.path.join(out, 'figures.json')}")
PY
