#!/usr/bin/env bash
# Runs the vneidbot binary against a real Redis Cluster (.ci/cluster.sh):
# every command that keeps state in Redis, and "serve" with the Zalo OA and
# Zalo Bot channels against a fake platform (.ci/fakezalo): a signed OA
# event and a Zalo Bot update are taken in through the Redis streams and
# answered, then a broadcast reaches the OA user. Any failure, such as
# CROSSSLOT, fails CI.
#
# REDIS_CLUSTER_URL names the cluster (default: 127.0.0.1:7001-7003). The
# bot's keys (vneid:*) on it are deleted first, so that a rerun starts
# clean (a Zalo token pair refused by an earlier run's platform would stay
# refused); tests use other prefixes.
set -euo pipefail
cd "$(dirname "$0")/.."

export REDIS_URL=${REDIS_CLUSTER_URL:-redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

nodes=${REDIS_URL#redis+cluster://}
for node in ${nodes//,/ }; do
	redis-cli -h "${node%:*}" -p "${node##*:}" --scan --pattern 'vneid:*' |
		xargs -r -n 1 redis-cli -h "${node%:*}" -p "${node##*:}" del >/dev/null
done

go build -o "$work/vneidbot" ./bot
go build -o "$work/fakezalo" ./.ci/fakezalo

# run CMD...: runs vneidbot CMD, keeps its output in $work/out, fails on a
# non-zero exit.
run() {
	echo "vneidbot $*"
	if ! "$work/vneidbot" "$@" >"$work/out" 2>&1; then
		cat "$work/out"
		echo "FAILED on the Redis Cluster: vneidbot $*"
		exit 1
	fi
}
# expect TEXT: the last command's output holds TEXT.
expect() {
	grep -qF -- "$1" "$work/out" || {
		cat "$work/out"
		echo "the output lacks: $1"
		exit 1
	}
}
# wait_for FILE TEXT: FILE holds TEXT within 15 s.
wait_for() {
	for _ in $(seq 150); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no \"$2\" in $1 after 15 s:"
	cat "$1" || true
	cat "$work/serve.log"
	exit 1
}

# Both Zalo channels are configured, on the fake platform, for every command.
"$work/fakezalo" "$work/zalo.log" >"$work/fake.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q '^http' "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
fake=$(head -n 1 "$work/fake.out")
# free_port: a loopback port nothing listens on (two in a row), below the
# kernel's ephemeral range: a port the check finds free could still be the
# local end of one of the many client connections to the cluster, and the
# bot's bind then failed ("address already in use", 2026-12-05).
free_port() {
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "${low:-0}" -gt 21000 ] 2>/dev/null || low=32768
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % (low - 20000 - 1)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "no free port" >&2
	exit 1
}
port=$(free_port)
app_id=2553928453557884079 oa_key=ci-oa-secret-key
export VNEIDBOT_ADDR=127.0.0.1:$port METRICS_ADDR=127.0.0.1:$((port + 1)) \
	ZALO_APP_ID=$app_id ZALO_APP_SECRET=ci-app-secret ZALO_OA_SECRET_KEY=$oa_key \
	ZALO_OA_ACCESS_TOKEN=ci-access ZALO_OA_REFRESH_TOKEN=ci-refresh ZALO_API_URL=$fake ZALO_OAUTH_URL=$fake \
	ZALO_SPOOL_DIR=$work/spool ZALO_BOT_TOKEN=ci-bot-token ZALO_BOT_API_URL=$fake \
	ZALO_BOT_WEBHOOK_SECRET=ci-bot-webhook-secret HANDOFF_HOURS="0-24 mon-sun"

run volunteer add --name "CI Tình nguyện viên" --area "Xã Tân Lập" --json
code=$(sed -n 's/.*"code": *"\([a-z0-9]*\)".*/\1/p' "$work/out" | head -n 1)
[ -n "$code" ] || { cat "$work/out"; echo "volunteer add printed no code"; exit 1; }
run volunteer list
expect "$code"
run volunteer link "$code"

run content export "$work/content" --builtin
echo "# published by CI on the cluster at $(date +%s%N)" >>"$work/content/meta.yaml" # a new version on every run
run content publish "$work/content" --note "ci on the cluster"
expect "published version"
run content versions
expect "ci on the cluster"
n=$(sed -n 's/^current: version \([0-9]*\).*/\1/p' "$work/out")
run content rollback "$n"
run content export "$work/exported"

run operator add --name "CI editor" --role editor
run operator list
expect "CI editor"
run operator remove "CI editor"
run officer add --name "CI officer" --area "Xã Tân Lập"
run officer list
expect "CI officer"
run officer remove "CI officer"

run zalo authorize --redirect-uri https://bot.example/zalo/oauth/callback
expect "https://"

printf 'menu\n' | run chat --user ci
run faq misses
run faq votes

# serve, with both Zalo channels on the fake platform
"$work/vneidbot" serve >"$work/serve.log" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 150); do
	"$work/vneidbot" health --ready >/dev/null 2>&1 && { ready=1; break; }
	sleep 0.1
done
if [ "$ready" != 1 ]; then
	curl -sS "http://$METRICS_ADDR/readyz" || true
	cat "$work/serve.log"
	echo "FAILED on the Redis Cluster: serve is not ready after 15 s"
	exit 1
fi

user=$((6142494823190574713 + $$))
now=$(date +%s%3N)
body='{"app_id":"'$app_id'","user_id_by_app":"1","event_name":"user_send_text","timestamp":"'$now'","sender":{"id":"'$user'"},"recipient":{"id":"99"},"message":{"text":"Chào","msg_id":"ci-'$now'"}}'
mac=$(printf '%s' "$app_id$body$now$oa_key" | sha256sum | cut -d' ' -f1)
echo "POST /webhook/zalo (a signed user_send_text)"
curl -fsS -o /dev/null -H "X-ZEvent-Signature: mac=$mac" -H 'Content-Type: application/json' \
	--data-binary "$body" "http://$VNEIDBOT_ADDR/webhook/zalo"
wait_for "$work/zalo.log" "\"user_id\":\"$user\""
echo "  answered through /v3.0/oa/message/cs"

chat=ci$$
echo "POST /webhook/zalobot (a text update)"
curl -fsS -o /dev/null -H "X-Bot-Api-Secret-Token: ci-bot-webhook-secret" -H 'Content-Type: application/json' \
	--data-binary '{"ok":true,"result":{"event_name":"message.text.received","message":{"from":{"id":"u'$chat'","is_bot":false},"chat":{"id":"'$chat'","chat_type":"PRIVATE"},"text":"Chào","message_id":"m'$now'","date":'$now'}}}' \
	"http://$VNEIDBOT_ADDR/webhook/zalobot"
wait_for "$work/zalo.log" "\"chat_id\":\"$chat\""
echo "  answered through sendMessage"

for _ in $(seq 50); do # the statistics of both chats are recorded as they are handled
	run stats --json
	grep -qE '"users": *([2-9]|[1-9][0-9])' "$work/out" && break
	sleep 0.1
done
expect '"users": '
grep -qE '"users": *([2-9]|[1-9][0-9])' "$work/out" || { cat "$work/out"; echo "stats: want the two Zalo users"; exit 1; }
run stats
run handoff list

printf 'CI: tin nhắn thử trên Redis Cluster %s\n' "$now" >"$work/msg.txt"
run broadcast --text "$work/msg.txt" --dry-run
expect "zalo"
run broadcast --text "$work/msg.txt"
wait_for "$work/zalo.log" "tin nhắn thử trên Redis Cluster $now"
echo "  the broadcast reached the Zalo OA user"
run broadcast --status

echo "every command and both Zalo channels work on the Redis Cluster"
