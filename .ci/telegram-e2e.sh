#!/usr/bin/env bash
# End-to-end test of the Telegram channel: the vneidbot binary in long-polling
# mode against telegram-test-api, a Bot API emulator from npm, on loopback.
# A simulated user sends "/start v_test", gets the greeting and the menu's
# inline keyboard, presses the install button (payload "f:install") and gets
# the install flow's first step; SIGTERM then stops the bot within 10 s.
#
# Needs go, node and npm. REDIS_URL, when set, is passed on to the bot.
# The emulator is installed outside the repository (never commit node_modules),
# in $TELEGRAM_EMULATOR_DIR (default: a folder under $TMPDIR or /tmp) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

EMULATOR_VERSION=4.2.1
EMULATOR_DIR=${TELEGRAM_EMULATOR_DIR:-${TMPDIR:-/tmp}/vneidbot-telegram-test-api-$EMULATOR_VERSION}
work=$(mktemp -d)
emulator_pid=
cleanup() {
	if [ -n "$emulator_pid" ]; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ ! -f "$EMULATOR_DIR/node_modules/telegram-test-api/package.json" ]; then
	echo "telegram-e2e: installing telegram-test-api@$EMULATOR_VERSION into $EMULATOR_DIR"
	mkdir -p "$EMULATOR_DIR"
	npm install --prefix "$EMULATOR_DIR" --no-audit --no-fund --no-save --loglevel=error \
		"telegram-test-api@$EMULATOR_VERSION"
fi

cat >"$work/emulator.js" <<'JS'
// Starts the emulator on 127.0.0.1 at a free port and prints its URL.
const net = require('net');
const TelegramServer = require('telegram-test-api');
const probe = net.createServer().listen(0, '127.0.0.1', () => {
  const { port } = probe.address();
  probe.close(async () => {
    const server = new TelegramServer({ host: '127.0.0.1', port, storeTimeout: 600 });
    await server.start();
    console.log(server.config.apiURL);
    const stop = () => server.stop().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
});
JS
NODE_PATH="$EMULATOR_DIR/node_modules" node "$work/emulator.js" >"$work/emulator.out" 2>&1 &
emulator_pid=$!
url=
for _ in $(seq 100); do
	url=$(head -n 1 "$work/emulator.out" 2>/dev/null || true)
	case "$url" in http://*) break ;; esac
	if ! kill -0 "$emulator_pid" 2>/dev/null; then
		cat "$work/emulator.out" >&2
		echo "telegram-e2e: the emulator did not start" >&2
		exit 1
	fi
	sleep 0.1
done
case "$url" in http://127.0.0.1:*) ;; *)
	echo "telegram-e2e: the emulator did not report its address" >&2
	exit 1
	;;
esac
echo "telegram-e2e: emulator at $url"

go build -o "$work/vneidbot" ./bot
TELEGRAM_E2E_EMULATOR="$url" TELEGRAM_E2E_BOT="$work/vneidbot" \
	go test -count=1 -run '^TestEmulatorEndToEnd$' -v ./internal/telegram/
