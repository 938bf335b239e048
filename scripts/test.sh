#!/usr/bin/env bash
# The test command: bring up the test stack (its own ports and databases, so a running demo
# is not disturbed), then vet and run every test with the race detector, integration tests
# included. The stack stays up for the next run; `make stop` stops it.
# BILLRUN_STACK=cluster runs the same tests against the cluster profile (a Temporal server
# on PostgreSQL instead of the dev server): `make test-cluster`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PROFILE=${BILLRUN_STACK:-test}
scripts/stack.sh up "$PROFILE"
# shellcheck disable=SC1091
. ".dev/$PROFILE/env"
echo "[test] go mod tidy -diff (go.mod and go.sum say what the code imports)"
go mod tidy -diff
echo "[test] go vet ./..."
go vet ./...
STATICCHECK_VERSION=v0.8.2
STATICCHECK=${BILLRUN_TOOLS:-$HOME/.cache/billrun/tools}/staticcheck@$STATICCHECK_VERSION/staticcheck
if [ ! -x "$STATICCHECK" ]; then
  echo "[test] installing staticcheck $STATICCHECK_VERSION (go install)"
  GOBIN=$(dirname "$STATICCHECK") go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
echo "[test] staticcheck ./..."
"$STATICCHECK" ./...
echo "[test] go test -race ./..."
go test -race -count=1 -timeout 25m "$@" ./...
