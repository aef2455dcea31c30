#!/usr/bin/env bash
# Run horde's Job mode on the current kubectl context, copy the reports out, and exit with the
# test's exit code: 0 passed, 1 requests failed, 6 a threshold failed (docs/deploy.md).
#
#   deploy/kubernetes/run-job.sh [RESULTS_DIR]          (default: ./results)
#
# Environment (all optional):
#   HORDE_KUSTOMIZATION  the Job-mode kustomization to apply (default: deploy/kubernetes/job);
#                        your own overlay with your locustfile, see docs/deploy.md
#   HORDE_IMAGE          the image to run, REGISTRY/NAME:TAG (default: the kustomization's)
#   HORDE_NAMESPACE      the namespace (default: the context's)
#   HORDE_TIMEOUT        seconds to wait for the run to end (default: 3600)
#
# Exit codes besides horde's own: 124 the run did not end in time, 125 the master never ran
# (see `kubectl describe job horde-master`).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
namespace_args=()
if [ -n "${HORDE_NAMESPACE:-}" ]; then
    namespace_args=(--namespace "$HORDE_NAMESPACE")
fi

k() { kubectl "${namespace_args[@]}" "$@"; }

# Print the kustomization to apply for DIR: DIR itself, or (with HORDE_IMAGE) a new temporary
# overlay of it that runs HORDE_IMAGE. The overlay is DIR's sibling: kustomize takes a base
# only by a relative path, and not one that contains the overlay.
with_image() {
    local dir overlay
    dir="$(cd "$1" && pwd)"
    if [ -z "${HORDE_IMAGE:-}" ]; then
        echo "$dir"
        return
    fi
    overlay="$(mktemp -d "$(dirname "$dir")/.horde-image.XXXXXX")"
    cat >"$overlay/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../$(basename "$dir")
images:
  - name: horde
    newName: ${HORDE_IMAGE%:*}
    newTag: "${HORDE_IMAGE##*:}"
EOF
    echo "$overlay"
}

apply_kustomization() {
    local target status=0
    target="$(with_image "$1")"
    k apply -k "$target" || status=$?
    if [ "$target" != "$(cd "$1" && pwd)" ]; then
        rm -rf "$target"
    fi
    return "$status"
}

main() {
    local kustomization results_dir timeout secret finished deadline code
    kustomization="${HORDE_KUSTOMIZATION:-$here/job}"
    results_dir="${1:-results}"
    timeout="${HORDE_TIMEOUT:-3600}"

    # A fresh random secret for this run when the namespace has none (never printed).
    if ! k get secret horde-secret >/dev/null 2>&1; then
        secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        k create secret generic horde-secret --from-literal=secret="$secret" >/dev/null
        secret=""
    fi

    # A Job's pod template cannot change: the previous run's Jobs and their pods go first (its
    # reports stay on the horde-results volume).
    k delete job horde-master horde-worker --ignore-not-found --cascade=foreground --wait=true
    apply_kustomization "$kustomization"

    echo "waiting up to ${timeout}s for the run to end"
    deadline=$((SECONDS + timeout))
    while :; do
        finished="$(k get job horde-master -o jsonpath='{.status.succeeded}{.status.failed}' || true)"
        [ -n "$finished" ] && break
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "the run did not end within ${timeout}s" >&2
            k logs job/horde-master --tail=50 || true
            exit 124
        fi
        sleep 10
    done

    k logs job/horde-master --tail=-1 || true
    code="$(k get pods -l job-name=horde-master \
        -o jsonpath='{.items[-1:].status.containerStatuses[0].state.terminated.exitCode}')"

    # Copy the reports out through a pod that mounts the results volume read-only.
    apply_kustomization "$here/results"
    if k wait --for=condition=Ready pod/horde-results --timeout=300s; then
        mkdir -p "$results_dir"
        k cp horde-results:/home/horde/results "$results_dir" || echo "copying the reports failed" >&2
    fi
    k delete pod horde-results --ignore-not-found --wait=false

    if [ -z "$code" ]; then
        echo "the master never ran: kubectl describe job horde-master" >&2
        exit 125
    fi
    echo "horde exited with $code"
    exit "$code"
}

# Sourcing the file (tests/deploy does, to render with_image's overlay) defines the functions
# only.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
