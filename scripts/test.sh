#!/usr/bin/env bash
# The test command: bring up the test stack (its own ports and databases, so a running demo
# is not disturbed), then vet and run every test with the race detector, integration tests
# included. The stack stays up for the next run; `make stop` stops it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/stack.sh up test
# shellcheck disable=SC1091
. .dev/test/env
echo "[test] go vet ./..."
go vet ./...
echo "[test] go test -race ./..."
go test -race -count=1 -timeout 25m "$@" ./...
