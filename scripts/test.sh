#!/usr/bin/env bash
# Set up a virtualenv with the development tools and run every check: lint, format, types,
# layer contract and the whole test suite. Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e '.[dev]'

# The browser tests (tests/browser) drive Debian's Chromium through Playwright.
if [ ! -x /usr/bin/chromium ]; then
    echo "== installing chromium (for the browser tests)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# tests/integration/test_compat_shim.py installs Locust's own wheel into a throwaway venv (to see
# horde-locust-shim refuse to sit next to it); tests reach nothing beyond loopback, so fetch it here.
if ! ls tmp/wheels/locust-2.47.0-*.whl >/dev/null 2>&1; then
    echo "== downloading Locust 2.47.0's wheel into tmp/wheels (for the shim test)"
    .venv/bin/python -m pip download --quiet --no-deps --dest tmp/wheels 'locust==2.47.0'
fi
# The Prometheus test (tests/integration/test_reports_prometheus_server.py) runs Debian's server.
if [ ! -x /usr/bin/prometheus ]; then
    echo "== installing prometheus (for the Prometheus scrape test)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# The protocol tests (tests/integration/protocols) start Debian's PostgreSQL and Mosquitto, and
# run Locust's gRPC example in a network namespace of its own (unshare, and ip from iproute2).
MISSING=""
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || MISSING="$MISSING postgresql"
[ -x /usr/sbin/mosquitto ] || MISSING="$MISSING mosquitto"
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || MISSING="$MISSING iproute2"
if [ -n "$MISSING" ]; then
    echo "== installing$MISSING (for the protocol tests)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    # shellcheck disable=SC2086 - the list is meant to split into package names
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $MISSING >/dev/null
fi

echo "== ruff check";   .venv/bin/ruff check src tests benchmarks examples
echo "== ruff format";  .venv/bin/ruff format --check src tests benchmarks examples
echo "== mypy";         .venv/bin/mypy
echo "== import layers"; .venv/bin/lint-imports
echo "== pytest";       .venv/bin/pytest -q "$@"
