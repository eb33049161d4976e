#!/usr/bin/env bash
# End-to-end browser test of the chat room: two users in headless Chromium
# and one over TCP exchange messages through one real server.
#
#   bash .ci/browser/run.sh
#
# Installs what it needs (Debian's chromium, npm's playwright-core into
# .ci/browser/node_modules). If those cannot be installed it prints SKIP and
# exits 0; any failure of the test itself exits non-zero. Capped at 300 s.
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${BROWSER_TEST_CAPPED:-}" ]; then
	BROWSER_TEST_CAPPED=1 exec timeout 300 bash ./run.sh "$@"
fi

skip() {
	echo "SKIP browser test: $*"
	exit 0
}

# Tools. apt-get only when something is missing, so a warm machine starts fast.
if ! command -v chromium >/dev/null || ! command -v npm >/dev/null; then
	if command -v apt-get >/dev/null; then
		echo "browser: installing chromium and npm with apt-get"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nodejs npm; } >/dev/null 2>&1 ||
			skip "apt-get could not install chromium, nodejs and npm"
	fi
fi
command -v chromium >/dev/null || skip "no chromium, and no apt-get to install it"
command -v node >/dev/null && command -v npm >/dev/null || skip "no node/npm"
if [ ! -d node_modules/playwright-core ]; then
	echo "browser: npm install playwright-core"
	npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || skip "npm could not install playwright-core"
fi

tmp=$(mktemp -d)
echo "browser: building the chat server"
go build -o "$tmp/chatroom" ../../chatroom

# Start it on free ports and read the addresses it announces. Its stdout
# goes through a FIFO so we can wait for the announcement line with a
# timeout instead of sleeping.
mkfifo "$tmp/stdout"
"$tmp/chatroom" -tcp 127.0.0.1:0 -http 127.0.0.1:0 >"$tmp/stdout" 2>"$tmp/server.log" &
server=$!
exec 3<"$tmp/stdout"
stop_server() {
	kill -TERM "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
}
trap stop_server EXIT

tcp="" url=""
while IFS= read -r -t 20 line <&3; do
	echo "server: $line"
	case "$line" in
	*"TCP line protocol on "*) tcp=${line#*TCP line protocol on } tcp=${tcp%% *} ;;
	*"web page on "*) url=${line#*web page on } url=${url%% *} ;;
	*"waiting for Ctrl-C"*) break ;;
	esac
done
if [ -z "$tcp" ] || [ -z "$url" ]; then
	echo "browser: FAIL: the server did not announce its addresses within 20 s"
	cat "$tmp/server.log"
	exit 1
fi

shot="$tmp/chat.png"
status=0
timeout 120 node chat.mjs "$url" "${tcp%:*}" "${tcp##*:}" "$shot" || status=$?

# A graceful shutdown is part of the test: SIGTERM, then exit status 0.
kill -TERM "$server"
server_status=0
wait "$server" || server_status=$?
trap - EXIT
while IFS= read -r -t 5 line <&3; do echo "server: $line"; done || true
if [ "$server_status" -ne 0 ]; then
	echo "browser: FAIL: the server exited with status $server_status after SIGTERM"
	cat "$tmp/server.log"
	exit 1
fi
if [ "$status" -ne 0 ]; then
	echo "browser: FAIL (server log in $tmp/server.log)"
	exit "$status"
fi
echo "browser: PASS (screenshot: $shot)"
