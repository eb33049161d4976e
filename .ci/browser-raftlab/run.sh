#!/usr/bin/env bash
# End-to-end browser test of cmd/raftlab's dashboard: headless Chromium
# opens the page, crashes the leader with the page's button, and sees a
# new leader elected and displayed.
#
#   bash .ci/browser-raftlab/run.sh
#
# Installs what it needs (Debian's chromium, npm's playwright-core into
# .ci/browser-raftlab/node_modules). If those cannot be installed it prints
# SKIP and exits 0; any failure of the test itself exits non-zero. Capped
# at 300 s.
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${BROWSER_TEST_CAPPED:-}" ]; then
	BROWSER_TEST_CAPPED=1 exec timeout 300 bash ./run.sh "$@"
fi

skip() {
	echo "SKIP raftlab browser test: $*"
	exit 0
}

# Tools. apt-get only when something is missing, so a warm machine starts fast.
if ! command -v chromium >/dev/null || ! command -v npm >/dev/null; then
	if command -v apt-get >/dev/null; then
		echo "raftlab-browser: installing chromium and npm with apt-get"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nodejs npm; } >/dev/null 2>&1 ||
			skip "apt-get could not install chromium, nodejs and npm"
	fi
fi
command -v chromium >/dev/null || skip "no chromium, and no apt-get to install it"
command -v node >/dev/null && command -v npm >/dev/null || skip "no node/npm"
if [ ! -d node_modules/playwright-core ]; then
	echo "raftlab-browser: npm install playwright-core"
	npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || skip "npm could not install playwright-core"
fi

tmp=$(mktemp -d)
echo "raftlab-browser: building raftlab"
go build -o "$tmp/raftlab" ../../cmd/raftlab

# Start it on a free port and read the URL it announces. Its stdout goes
# through a FIFO so we wait for the line with a timeout, never a sleep.
mkfifo "$tmp/stdout"
"$tmp/raftlab" -http 127.0.0.1:0 >"$tmp/stdout" 2>"$tmp/raftlab.log" &
server=$!
exec 3<"$tmp/stdout"
stop_server() {
	kill -TERM "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
}
trap stop_server EXIT

url=""
while IFS= read -r -t 20 line <&3; do
	echo "raftlab: $line"
	case "$line" in
	*"dashboard at "*) url=${line#*dashboard at } url=${url%% *} ;;
	*"waiting for Ctrl-C"*) break ;;
	esac
done
if [ -z "$url" ]; then
	echo "raftlab-browser: FAIL: raftlab did not print its URL within 20 s"
	cat "$tmp/raftlab.log"
	exit 1
fi
# Keep draining the narration so raftlab never blocks on a full pipe.
cat <&3 >"$tmp/narration.txt" &
drain=$!

shot="$tmp/raftlab.png"
status=0
timeout 120 node raftlab.mjs "$url" "$shot" || status=$?

# A graceful shutdown is part of the test: SIGTERM, then exit status 0.
kill -TERM "$server"
server_status=0
wait "$server" || server_status=$?
trap - EXIT
wait "$drain" 2>/dev/null || true
tail -n 15 "$tmp/narration.txt" | sed 's/^/raftlab: /'
if [ "$server_status" -ne 0 ]; then
	echo "raftlab-browser: FAIL: raftlab exited with status $server_status after SIGTERM"
	cat "$tmp/raftlab.log"
	exit 1
fi
if [ "$status" -ne 0 ]; then
	echo "raftlab-browser: FAIL (raftlab's log in $tmp/raftlab.log)"
	exit "$status"
fi
echo "raftlab-browser: PASS (screenshot: $shot)"
