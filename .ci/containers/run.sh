#!/usr/bin/env bash
# Container test: build the images of kvnode, restdemo, the gateway and the
# chat room, then run a three-node kvnode cluster in containers, write
# through kvctl, stop a container, replace it by a new one on the same
# volume, and check that no acknowledged write was lost.
#
#   bash .ci/containers/run.sh
#
# Base images cannot be pulled on the CI machine, so the images are NOT
# built from the shipped Dockerfiles' build stage. Instead the script builds
# each static binary here (CGO_ENABLED=0, -trimpath, as the build stage
# does) and builds the runtime stage from it: it copies every line after the
# last FROM of the shipped Dockerfile (FROM scratch, USER, EXPOSE, ENV,
# VOLUME, ENTRYPOINT) and rewrites only "COPY --from=build /out/X" into
# "COPY X". The runtime image is therefore the shipped one, byte for byte
# in everything but the compiler's version.
#
# Installs podman and runc with apt-get if missing. Prints SKIP and exits 0
# only when no container engine can run here; any failure of the test itself
# exits non-zero. Capped at 300 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

if [ -z "${CONTAINER_TEST_CAPPED:-}" ]; then
	CONTAINER_TEST_CAPPED=1 exec timeout 300 bash .ci/containers/run.sh "$@"
fi

skip() {
	echo "SKIP container test: $*"
	exit 0
}
fail() {
	echo "containers: FAIL: $*"
	exit 1
}
say() { echo "containers: $*"; }

# --- a container engine ---------------------------------------------------
if ! command -v podman >/dev/null; then
	if command -v apt-get >/dev/null; then
		say "installing podman and runc with apt-get"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc; } >/dev/null 2>&1 ||
			skip "apt-get could not install podman and runc"
	fi
fi
command -v podman >/dev/null || skip "no podman, and no apt-get to install it"

t0=$(date +%s)
tmp=$(mktemp -d)
prefix="distkit-ci-$$"
cleanup() {
	set +e
	for i in 1 2 3; do podman "${engine[@]}" rm -f -t 0 "$prefix-kv$i" >/dev/null 2>&1; done
	for i in 1 2 3; do podman "${engine[@]}" volume rm -f "$prefix-kv$i" >/dev/null 2>&1; done
	for img in kvnode restdemo gateway chatroom raftlab; do podman "${engine[@]}" rmi -f "localhost/$prefix-$img" >/dev/null 2>&1; done
	rm -rf "$tmp"
}
engine=()
trap cleanup EXIT

# On a VM or inside another container podman often needs runc (not crun),
# cgroupfs (no systemd), and no default ulimits (it may not raise them).
# Try the plain engine first, then those settings, with a one-file image.
printf '[containers]\ndefault_ulimits = []\n' >"$tmp/containers.conf"
mkdir -p "$tmp/probe"
CGO_ENABLED=0 go build -trimpath -o "$tmp/probe/probe" ./cmd/kvctl
printf 'FROM scratch\nCOPY probe /probe\nENTRYPOINT ["/probe", "-h"]\n' >"$tmp/probe/Containerfile"
works() {
	podman "${engine[@]}" build -q -f "$tmp/probe/Containerfile" -t "localhost/$prefix-probe" "$tmp/probe" >/dev/null 2>&1 &&
		podman "${engine[@]}" run --rm --network host "localhost/$prefix-probe" >/dev/null 2>&1
}
found=""
for conf in "" "$tmp/containers.conf"; do
	for flags in "" "--runtime runc --cgroup-manager=cgroupfs"; do
		read -r -a engine <<<"$flags"
		if [ -n "$conf" ]; then export CONTAINERS_CONF=$conf; else unset CONTAINERS_CONF; fi
		if works; then
			found=1
			break 2
		fi
	done
done
[ -n "$found" ] || skip "podman is installed but cannot run a container here (tried crun/runc, systemd/cgroupfs, with and without default_ulimits = [])"
podman "${engine[@]}" rmi -f "localhost/$prefix-probe" >/dev/null 2>&1 || true
say "podman works with: ${engine[*]:-default flags}${CONTAINERS_CONF:+, CONTAINERS_CONF=$CONTAINERS_CONF} (found in $(($(date +%s) - t0)) s)"

# --- images: the shipped runtime stage over a locally built binary -----------
# runtime_stage prints the lines after the last FROM of a Dockerfile, with
# "COPY --from=build [--chown=...] /out/X DEST" turned into "COPY [--chown=...] X DEST".
runtime_stage() {
	awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$1" |
		sed -E 's#^COPY --from=build (--chown=[^ ]+ )?/out/#COPY \1#'
}
build_image() { # name package dockerfile
	local name=$1 pkg=$2 dockerfile=$3 ctx="$tmp/img-$1"
	mkdir -p "$ctx/data"
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ctx/$name" "$pkg"
	runtime_stage "$dockerfile" >"$ctx/Containerfile"
	grep -q '^FROM scratch' "$ctx/Containerfile" || fail "$dockerfile: the runtime stage is not FROM scratch; mirror it here"
	if grep -q -- '--from=' "$ctx/Containerfile"; then
		fail "$dockerfile: the runtime stage copies something other than /out/ from the build stage"
	fi
	podman "${engine[@]}" build -q -f "$ctx/Containerfile" -t "localhost/$prefix-$name" "$ctx" >/dev/null ||
		fail "podman build of $name"
	local size
	size=$(podman "${engine[@]}" image inspect --format '{{.Size}}' "localhost/$prefix-$name")
	say "image $name: $((size / 1024 / 1024)) MiB ($size bytes), runtime stage of $dockerfile"
}
build_image kvnode ./cmd/kvnode cmd/kvnode/Dockerfile
build_image restdemo ./restdemo restdemo/Dockerfile
build_image gateway ./restdemo/gateway restdemo/gateway/Dockerfile
build_image chatroom ./chatroom chatroom/Dockerfile
build_image raftlab ./cmd/raftlab cmd/raftlab/Dockerfile

# Each image runs as a non-root user and starts its program (-h exits 0).
for img in kvnode restdemo gateway chatroom raftlab; do
	user=$(podman "${engine[@]}" image inspect --format '{{.Config.User}}' "localhost/$prefix-$img")
	[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || fail "image $img runs as root (User=$user)"
	podman "${engine[@]}" run --rm --network host "localhost/$prefix-$img" -h >/dev/null 2>&1 || fail "image $img: '$img -h' did not exit 0"
done
say "all five images start, as user 65532"

# --- a three-node cluster in containers ----------------------------------------
CGO_ENABLED=0 go build -o "$tmp/kvctl" ./cmd/kvctl
base=$((17100 + RANDOM % 800))
peers="1=127.0.0.1:$((base + 1)),2=127.0.0.1:$((base + 2)),3=127.0.0.1:$((base + 3))"
kvctl() { "$tmp/kvctl" -servers "$peers" -timeout 10s "$@"; }
http_of() { echo "127.0.0.1:$((base + 1000 + $1))"; }
run_node() { # id: a new container on the node's volume
	podman "${engine[@]}" run -d --name "$prefix-kv$1" --network host \
		-v "$prefix-kv$1:/data" \
		-e KVNODE_ID="$1" -e KVNODE_PEERS="$peers" \
		-e KVNODE_LISTEN="127.0.0.1:$((base + $1))" -e KVNODE_HTTP="$(http_of "$1")" \
		"localhost/$prefix-kvnode" >/dev/null || fail "podman run node $1"
}
wait_ready() { # id: /readyz?wait= long-polls; no sleeping
	local out
	out=$(curl -s --max-time 25 "http://$(http_of "$1")/readyz?wait=20s") || true
	case "$out" in
	ready*) ;;
	*)
		podman "${engine[@]}" logs "$prefix-kv$1" 2>&1 | tail -20
		fail "node $1 not ready: ${out:-no answer}"
		;;
	esac
}
for i in 1 2 3; do podman "${engine[@]}" volume create "$prefix-kv$i" >/dev/null; done
start=$(date +%s)
for i in 1 2 3; do
	# The first attempt may race the side port coming up; curl retries the
	# connection, /readyz then waits for a leader.
	run_node "$i"
done
for i in 1 2 3; do
	curl -s --retry 20 --retry-connrefused --retry-delay 0 --max-time 25 -o /dev/null "http://$(http_of "$i")/healthz" ||
		fail "node $i: no /healthz"
	wait_ready "$i"
done
say "cluster of 3 containers ready in $(($(date +%s) - start)) s (RPC ports $((base + 1))-$((base + 3)))"

# The logs are JSON, one object per line.
first=$(podman "${engine[@]}" logs "$prefix-kv1" 2>&1 | sed -n 1p)
case "$first" in '{"time":'*) ;; *) fail "node 1's first log line is not JSON: $first" ;; esac

acked=()
write() { # key value: remember it only if acknowledged
	if kvctl put "$1" "$2" >/dev/null 2>&1; then acked+=("$1=$2"); fi
}
for i in $(seq 1 20); do write "before-$i" "v$i"; done
[ "${#acked[@]}" -eq 20 ] || fail "only ${#acked[@]} of 20 writes acknowledged with every node up"

# Stop node 2 (SIGTERM: it drains) and remove its container; the volume stays.
podman "${engine[@]}" stop -t 15 "$prefix-kv2" >/dev/null
code=$(podman "${engine[@]}" inspect --format '{{.State.ExitCode}}' "$prefix-kv2")
[ "$code" = 0 ] || fail "node 2 exited with status $code after SIGTERM, want 0"
podman "${engine[@]}" rm "$prefix-kv2" >/dev/null
for i in $(seq 1 20); do write "during-$i" "v$i"; done
# A new container on the old volume: it must come back with its log.
run_node 2
wait_ready 2
last=$(curl -s "http://$(http_of 2)/status" | sed -E 's/.*"last_index":([0-9]+).*/\1/')
for i in $(seq 1 20); do write "after-$i" "v$i"; done

# Now stop node 1: the cluster relies on the restarted node 2 for a
# majority, so every acknowledged key is read through it.
podman "${engine[@]}" stop -t 15 "$prefix-kv1" >/dev/null
lost=0
for kvpair in "${acked[@]}"; do
	key=${kvpair%%=*} want=${kvpair#*=}
	got=$(kvctl get "$key" 2>&1) || got="error: $got"
	if [ "$got" != "$want" ]; then
		echo "lost: $key: got '$got', want '$want'"
		lost=$((lost + 1))
	fi
done
[ "$lost" -eq 0 ] || fail "$lost of ${#acked[@]} acknowledged writes lost"
say "${#acked[@]} of 60 writes acknowledged, all read back after replacing node 2's container (its log had $last entries) and stopping node 1"
say "PASS: cluster test $(($(date +%s) - start)) s, $(($(date +%s) - t0)) s in all"
