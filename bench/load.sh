#!/usr/bin/env bash
# The scale figures of issue #7, one table, each figure beside its target:
# a real console with N simulated agents (bench/loadgen.cc), then one real
# ardoise-agent idle for a minute.
#
#   bench/load.sh BUILD_DIR [N] [OUT_DIR]
#
# N defaults to 10000. Console, load generator and agent share this machine's
# cores: say so beside the figures. Writes OUT_DIR/figures.json (and the
# loadgen's own JSON and logs). Environment: STEADY (seconds, default 60),
# IDLE (agent idle seconds, default 60), RAMP (seconds over which agents
# first dial, default N/500), HEARTBEAT (console, default 30s).
set -euo pipefail
B=$(cd "$1" && pwd)
N=${2:-10000}
OUT=${3:-$(mktemp -d /tmp/ardoise-load.XXXXXX)}
STEADY=${STEADY:-60}
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

# Starts the console in the background; writes its pid; returns once it
# listens (it writes console.addr then). Also the storm's restart command.
start_console() {
  rm -f "$D/console.addr"
  nohup "$CONSOLE" serve --data "$D" --listen "$ADDR" --heartbeat "$HEARTBEAT" \
    >>"$OUT/console.log" 2>&1 &
  echo $! >"$OUT/console.pid"
  for _ in $(seq 1 600); do
    [ -s "$D/console.addr" ] && return 0
    sleep 0.05
  done
  echo "console did not start; see $OUT/console.log" >&2
  return 1
}

cleanup() {
  [ -f "$OUT/console.pid" ] && kill "$(cat "$OUT/console.pid")" 2>/dev/null || true
  [ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null || true
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

# The storm's restart: the same console, same data, same port.
cat >"$OUT/restart.sh" <<RESTART
#!/usr/bin/env bash
rm -f "$D/console.addr"
nohup "$CONSOLE" serve --data "$D" --listen "$ADDR" --heartbeat "$HEARTBEAT" >>"$OUT/console.log" 2>&1 &
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
  --console-pid-file "$OUT/console.pid" --storm-restart "$OUT/restart.sh" \
  --json "$OUT/loadgen.json" --token-file "$ARDOISE_TOKEN_FILE" >"$OUT/loadgen.txt" 2>"$OUT/loadgen.log"
LG_RC=$?
set -e
cat "$OUT/loadgen.txt" >&2

# One real agent, idle, for IDLE seconds.
A="$OUT/agent-idle"
if [ ! -s "$A/node.key" ]; then
  "$AGENT" enroll --console "$ADDR" --token "$(token lg-idle 1)" --data "$A" \
    --name lg-idle-1 --kind tablet >/dev/null
fi
"$AGENT" run --data "$A" --platform sim >"$OUT/agent.log" 2>&1 &
AGENT_PID=$!
sleep 5 # let it connect and settle before measuring idle
ticks() { awk '{print $14 + $15}' "/proc/$AGENT_PID/stat"; }
switches() { cat /proc/"$AGENT_PID"/task/*/status | awk '/ctxt_switches/{s+=$2} END{print s}'; }
T0=$(ticks); S0=$(switches); W0=$(date +%s.%N)
sleep "$IDLE"
T1=$(ticks); S1=$(switches); W1=$(date +%s.%N)
RSS=$(awk '/VmRSS/{print $2}' "/proc/$AGENT_PID/status")
PSS=$(awk '/^Pss:/{print $2}' "/proc/$AGENT_PID/smaps_rollup")
HZ=$(getconf CLK_TCK)
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; AGENT_PID=
python3 - "$OUT" "$N" "$RSS" "$PSS" "$T0" "$T1" "$S0" "$S1" "$W0" "$W1" "$HZ" "$LG_RC" <<'PY'
import json, sys, os
out, n = sys.argv[1], int(sys.argv[2])
rss, pss, t0, t1, s0, s1 = map(float, sys.argv[3:9])
w0, w1, hz, lg_rc = float(sys.argv[9]), float(sys.argv[10]), float(sys.argv[11]), int(sys.argv[12])
lg = json.load(open(os.path.join(out, "loadgen.json"))) if os.path.exists(os.path.join(out, "loadgen.json")) else {}
secs = w1 - w0
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
  ("usage ingest at steady state", g("usage_intervals_per_s"), "intervals/s", "—", None),
  ("lock fan-out, pool of 30, p50", g("fanout_pool", "p50_ms"), "ms", "—", None),
  ("lock fan-out, pool of 30, p99", g("fanout_pool", "p99_ms"), "ms", "≤ 50 ms", lambda v: v <= 50),
  ("lock fan-out, all N, p50", g("fanout_all", "p50_ms"), "ms", "—", None),
  ("lock fan-out, all N, p99", g("fanout_all", "p99_ms"), "ms", "≤ 2000 ms", lambda v: v <= 2000),
  ("lock reports held by the console", g("lock_reported"), "", f"{n}", lambda v: v >= n),
  ("reconnect storm: restart → all back", g("storm_all_back_s"), "s", "≤ 60 s", lambda v: v <= 60),
  ("reconnect storm: kill → agent back, p50", g("storm_reconnect", "p50_ms"), "ms", "—", None),
  ("reconnect storm: kill → agent back, p99", g("storm_reconnect", "p99_ms"), "ms", "—", None),
  ("agent idle RSS", rss / 1024, "MiB", "≤ 10 MiB", lambda v: v <= 10),
  ("agent idle PSS", pss / 1024, "MiB", "—", None),
  ("agent idle CPU (%.0f s)" % secs, 100 * (t1 - t0) / hz / secs, "% core", "≤ 0.1 %", lambda v: v <= 0.1),
  ("agent idle wakeups (context switches)", (s1 - s0) / secs, "/s", "—", None),
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
json.dump({"agents": n, "figures": figures, "loadgen": lg}, open(os.path.join(out, "figures.json"), "w"), indent=1)
print(f"JSON: {os.path.join(out, 'figures.json')}")
PY
