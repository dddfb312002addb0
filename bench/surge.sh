#!/usr/bin/env bash
# bench/surge.sh: the side-by-side measurement of docs/benchmarks.md (issue 13).
#
# The bot and the minimal baseline server ("vneidbot loadtest baseline") run
# one after the other in the same run, each pinned to core 0 with
# GOMAXPROCS=1; the load generator ("vneidbot loadtest") runs on core 1.
# Both servers use the Redis at REDIS_URL (database 5 by default, flushed
# first). Traffic goes to loopback only; every run is bounded in time.
#
#   bench/surge.sh [closed|wrk|wrk-open|open|overload|wire|all]      (default all)
#
# closed and wrk are closed loops of CHATS clients: closed with the project's
# load tool (citizens that keep their cookie and walk the guides), wrk with
# the open-source wrk and bench/wrk-chat.lua (no cookies: every request is a
# new conversation), when wrk is installed. wrk-open drives both servers
# with wrk and bench/wrk-open.lua (each connection pauses an exponential
# 200 ms on average before each request, so the offered rate is about
# connections x 5/s) at 25, 50 and 75% of the baseline's wrk capacity
# (BASE_WRK), then at twice the bot's (BOT_WRK) for OVERLOAD_DUR while
# /healthz is probed every 100 ms.
#
# wire (not part of all) is the open loop and the overload again, sent with
# "loadtest --wire" (plain keep-alive connections and a minimal HTTP/1.1
# client, every request a new conversation): one core can offer twice the
# bot's capacity with it, which neither the project's net/http load tool nor
# wrk's paced Lua could. Rates: 25, 50 and 75% of BASE_CAP, then 2x BOT_CAP,
# from WIRE_CHATS connections (500).
#
# Environment: REDIS_URL (redis://127.0.0.1:6379/5), ROUNDS (3), DUR (10s),
# CHATS (200), OVERLOAD_DUR (30s), MAX_INFLIGHT (the bot's default),
# WIRE_CHATS (500), REDIS_CORE (unset: Redis runs where the kernel puts it; a
# core number: the Redis serving REDIS_URL is pinned there for the run and
# unpinned after, so that it shares the servers' core and not the
# generator's).
# Prints one JSON line per run (the loadtest's --json plus what was run)
# and the machine's load average, so busy runs can be told apart.
set -euo pipefail
cd "$(dirname "$0")/.."

REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/5}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10s}
CHATS=${CHATS:-200}
OVERLOAD_DUR=${OVERLOAD_DUR:-30s}
BOT=127.0.0.1:18080
BASE=127.0.0.1:18090
BIN=$(mktemp -d)/vneidbot
what=${1:-all}

go build -o "$BIN" ./bot
redis-cli -u "$REDIS_URL" flushdb >/dev/null

pids=()
redis_pid=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$redis_pid" ] && taskset -p -c 0-$(( $(nproc) - 1 )) "$redis_pid" >/dev/null || true
}
trap cleanup EXIT
if [ -n "${REDIS_CORE:-}" ]; then
  redis_pid=$(redis-cli -u "$REDIS_URL" info server | tr -d '\r' | sed -n 's/^process_id://p')
  taskset -p -c "$REDIS_CORE" "$redis_pid" >/dev/null
fi

env_bot=(GOMAXPROCS=1 REDIS_URL="$REDIS_URL" VNEIDBOT_ADDR=$BOT WEB_NEW_CHATS_PER_IP=0 LOG_LEVEL=warn)
[ -n "${MAX_INFLIGHT:-}" ] && env_bot+=(MAX_INFLIGHT="$MAX_INFLIGHT")
taskset -c 0 env "${env_bot[@]}" "$BIN" serve >/dev/null 2>&1 & pids+=($!); pid_bot=$!
taskset -c 0 env GOMAXPROCS=1 REDIS_URL="$REDIS_URL" "$BIN" loadtest baseline --addr $BASE >/dev/null 2>&1 & pids+=($!); pid_base=$!
for a in $BOT $BASE; do
  for _ in $(seq 50); do curl -fs "http://$a/healthz" >/dev/null && break; sleep 0.2; done
done

load() { cut -d' ' -f1 /proc/loadavg; }
# cpu PID: user+system CPU time of a process so far, in clock ticks
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
# run NAME TARGET ARGS...: one loadtest run, printed as a JSON line with the
# server's CPU time per answered request (cpu_us_per_ok): unlike requests
# per second, it hardly moves when other work shares the machine.
run() {
  local name=$1 target=$2; shift 2
  local out pid=$pid_bot c0 c1 ok
  [ "$name" = base ] && pid=$pid_base
  redis-cli -u "$REDIS_URL" flushdb >/dev/null # every run starts on an empty database
  c0=$(cpu $pid)
  out=$(taskset -c 1 "$BIN" loadtest --json --target "http://$target" "$@" || true)
  c1=$(cpu $pid)
  ok=$(echo "$out" | sed -n 's/.*"ok":\([0-9]*\).*/\1/p')
  echo "{\"server\":\"$name\",\"args\":\"$*\",\"load\":$(load),\"cpu_us_per_ok\":$(awk "BEGIN{printf \"%.0f\", ($c1-$c0)*1e6/$(getconf CLK_TCK)/(${ok:-0}+1e-9)}"),\"result\":$out}"
}
num() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bot_cap=""; base_cap=""
if [[ $what == all || $what == closed ]]; then
  for _ in $(seq "$ROUNDS"); do
    for s in base bot; do
      t=$BASE; [ $s = bot ] && t=$BOT
      line=$(run $s $t --chats "$CHATS" --duration "$DUR")
      echo "closed $line"
      echo "$line" | num rps >>"/tmp/surge-$s.rps.$$"
    done
  done
  bot_cap=$(median <"/tmp/surge-bot.rps.$$"); base_cap=$(median <"/tmp/surge-base.rps.$$")
  rm -f /tmp/surge-*.rps.$$
  echo "capacity (median of $ROUNDS): bot $bot_cap/s, baseline $base_cap/s, ratio $(awk "BEGIN{printf \"%.2f\", $bot_cap/$base_cap}")"
fi
bot_cap=${BOT_CAP:-$bot_cap}; base_cap=${BASE_CAP:-$base_cap}

if [[ $what == all || $what == wrk ]] && command -v wrk >/dev/null; then
  # wrkrun NAME TARGET: one wrk run, with the server's CPU time per request
  wrkrun() {
    local pid=$pid_bot c0 c1 out n
    [ "$1" = base ] && pid=$pid_base
    redis-cli -u "$REDIS_URL" flushdb >/dev/null
    c0=$(cpu $pid)
    out=$(taskset -c 1 wrk -t1 -c"$CHATS" -d"$DUR" -s bench/wrk-chat.lua "http://$2/")
    c1=$(cpu $pid)
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    echo "wrk $1 $(echo "$out" | awk '/requests in/ {n=$1; s=$4+0} /Requests\/sec/ {printf "rps %s ", $2} /Latency/ {printf "latency avg %s max %s ", $2, $4} /Non-2xx/ {bad=$5; printf "non-2xx %s ", $5} END {printf "2xx/s %.0f ", (n-bad)/s}')cpu_us_per_req $(awk "BEGIN{printf \"%.0f\", ($c1-$c0)*1e6/$(getconf CLK_TCK)/${n:-1}}") load $(load)"
  }
  for _ in $(seq "$ROUNDS"); do
    wrkrun base $BASE
    wrkrun bot $BOT
  done
fi

if [[ $what == all || $what == wrk-open ]] && command -v wrk >/dev/null; then
  : "${BASE_WRK:?set BASE_WRK and BOT_WRK: the wrk closed-loop rates}" "${BOT_WRK:?}"
  # wrkopen NAME TARGET RATE DUR: one paced run and its latency percentiles
  wrkopen() {
    local conns=$(( $3 / 5 ))
    echo "wrk-open $1 offered ~$3/s ($conns connections, $4) $(MEAN_MS=200 taskset -c 1 wrk -t1 -c$conns -d"$4" --latency -s bench/wrk-open.lua "http://$2/" |
      awk '/requests in/ {n=$1} /Non-2xx/ {bad=$5} /Requests\/sec/ {rps=$2} /^ +(50|90|99)%/ {printf "p%s %s ", $1, $2} END {printf "answered %.0f/s non-2xx %d", rps, bad}') load $(load)"
  }
  for pct in 25 50 75; do
    r=$(( BASE_WRK * pct / 100 ))
    wrkopen base $BASE $r "$DUR"
    wrkopen bot $BOT $r "$DUR"
  done
  probe() { while :; do t0=$(date +%s%N); curl -fs -m 1 -o /dev/null "http://$1/healthz" && echo "ok $(( ($(date +%s%N)-t0)/1000 ))" || echo fail; sleep 0.1; done; }
  for s in bot base; do
    t=$BASE; [ $s = bot ] && t=$BOT
    probe $t >/tmp/surge-probe.$$ & ppid=$!
    wrkopen "$s(2x-bot)" $t $(( BOT_WRK * 2 )) "$OVERLOAD_DUR"
    kill $ppid; wait $ppid 2>/dev/null || true
    echo "  /healthz during it: $(grep -c ok /tmp/surge-probe.$$) answered, $(grep -c fail /tmp/surge-probe.$$) failed, slowest $(awk '/ok/ {if ($2>m) m=$2} END {printf "%.1f ms", m/1000}' /tmp/surge-probe.$$)"
    rm -f /tmp/surge-probe.$$
  done
fi

if [[ $what == all || $what == open ]]; then
  : "${base_cap:?set BASE_CAP (and BOT_CAP) or run the closed loop first}"
  for pct in 25 50 75 90 100 110; do
    rate=$(awk "BEGIN{printf \"%d\", $base_cap*$pct/100}")
    for s in base bot; do
      t=$BASE; [ $s = bot ] && t=$BOT
      echo "open ${pct}% $(run $s $t --rate "$rate" --chats 2000 --duration "$DUR")"
    done
  done
fi

if [[ $what == all || $what == overload ]]; then
  : "${bot_cap:?set BOT_CAP or run the closed loop first}"
  rate=$(awk "BEGIN{printf \"%d\", $bot_cap*2}")
  for s in bot base; do
    t=$BASE; [ $s = bot ] && t=$BOT
    echo "overload 2x $(run $s $t --rate "$rate" --chats 5000 --duration "$OVERLOAD_DUR")"
  done
fi

if [[ $what == wire ]]; then
  : "${BASE_CAP:?set BASE_CAP and BOT_CAP: the closed-loop capacities}" "${BOT_CAP:?}"
  wire_chats=${WIRE_CHATS:-500}
  for pct in 25 50 75; do
    rate=$(awk "BEGIN{printf \"%d\", $BASE_CAP*$pct/100}")
    for s in base bot; do
      t=$BASE; [ $s = bot ] && t=$BOT
      echo "wire open ${pct}% $(run $s $t --wire --rate "$rate" --chats "$wire_chats" --duration "$DUR")"
    done
  done
  rate=$(awk "BEGIN{printf \"%d\", $BOT_CAP*2}")
  for s in bot base; do
    t=$BASE; [ $s = bot ] && t=$BOT
    echo "wire overload 2x $(run $s $t --wire --rate "$rate" --chats "$wire_chats" --duration "$OVERLOAD_DUR")"
  done
fi
