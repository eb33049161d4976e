#!/usr/bin/env bash
# Offline check of the Kubernetes manifests: render every overlay with
# kustomize, then check the rendered objects with ./check (selectors, ports,
# probes, flags, the disruption budget, peer names; see check/main.go).
#
#   bash .ci/k8s/run.sh
#
# kustomize runs through `go run sigs.k8s.io/kustomize/kustomize/v5@v5.7.1`
# and the checker is a module of its own (it needs a YAML parser): both are
# test tooling, and distkit's go.mod keeps no require. If the module proxy
# cannot be reached it prints SKIP and exits 0. Capped at 300 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
if [ -z "${K8S_CHECK_CAPPED:-}" ]; then
	K8S_CHECK_CAPPED=1 exec timeout 300 bash .ci/k8s/run.sh "$@"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# go run pkg@version builds outside any module, so it never touches go.mod.
kustomize() { (cd "$tmp" && GOFLAGS=-mod=mod go run sigs.k8s.io/kustomize/kustomize/v5@v5.7.1 "$@"); }
if ! kustomize version >"$tmp/version" 2>&1; then
	echo "SKIP k8s check: kustomize could not be fetched through the Go module proxy:"
	tail -3 "$tmp/version"
	exit 0
fi
for env in dev prod; do
	for app in cmd/kvnode restdemo; do
		kustomize build "$root/$app/deploy/overlays/$env" >"$tmp/$env-${app##*/}.yaml"
	done
	(cd .ci/k8s/check && go run . -repo "$root" "$tmp/$env-kvnode.yaml" "$tmp/$env-restdemo.yaml")
done
git diff --quiet -- go.mod 2>/dev/null || { echo "k8s check: FAIL: go.mod changed"; exit 1; }
grep -q require go.mod && { echo "k8s check: FAIL: go.mod has a require"; exit 1; }
echo "k8s check: PASS"
