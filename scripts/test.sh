#!/usr/bin/env bash
# The test command: bring up the test stack (its own ports and databases, so a running demo
# is not disturbed), then vet and run every test with the race detector, integration tests
# included. The stack stays up for the next run; `make stop` stops it.
# BILLRUN_STACK=cluster runs the same tests against the cluster profile (a Temporal server
# on PostgreSQL instead of the dev server): `make test-cluster`.
set -euo pipefail
# The Go that builds billrun, pinned (the module proxy serves it): its standard library has
# no known called vulnerability (make test checks).
export GOTOOLCHAIN=go1.27.3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PROFILE=${BILLRUN_STACK:-test}
scripts/stack.sh up "$PROFILE"
# shellcheck disable=SC1091
. ".dev/$PROFILE/env"
echo "[test] go mod tidy -diff (go.mod and go.sum say what the code imports)"
go mod tidy -diff
echo "[test] gofmt -l (every Go file formatted)"
unformatted=$("$(go env GOROOT)/bin/gofmt" -l $(git ls-files '*.go')) # the pinned Go's gofmt
[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted" >&2; exit 1; }
echo "[test] go vet ./..."
go vet ./...
STATICCHECK_VERSION=v0.8.2
STATICCHECK=${BILLRUN_TOOLS:-$HOME/.cache/billrun/tools}/staticcheck@$STATICCHECK_VERSION-$GOTOOLCHAIN/staticcheck # built by the Go it checks with
if [ ! -x "$STATICCHECK" ]; then
  echo "[test] installing staticcheck $STATICCHECK_VERSION (go install)"
  GOBIN=$(dirname "$STATICCHECK") go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
echo "[test] staticcheck ./..."
"$STATICCHECK" ./...
# govulncheck, offline: its database is built from Go's vulnerability data as published in
# the golang.org/x/vulndb module (a pinned snapshot), since vuln.go.dev is not reachable here.
TOOLS=${BILLRUN_TOOLS:-$HOME/.cache/billrun/tools}
GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
GOVULNCHECK=$TOOLS/govulncheck@$GOVULNCHECK_VERSION-$GOTOOLCHAIN/govulncheck
VULNDB=$TOOLS/vulndb@$VULNDB_VERSION
if [ ! -x "$GOVULNCHECK" ]; then
  echo "[test] installing govulncheck $GOVULNCHECK_VERSION (go install)"
  GOBIN=$(dirname "$GOVULNCHECK") go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
fi
if [ ! -f "$VULNDB/index/db.json" ]; then
  echo "[test] building the vulnerability database from golang.org/x/vulndb@$VULNDB_VERSION"
  GOBIN=$TOOLS/vulndb-indexdb@$VULNDB_VERSION GOFLAGS=-mod=mod go install "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION"
  src=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  rm -rf "$VULNDB.tmp"
  "$TOOLS/vulndb-indexdb@$VULNDB_VERSION/indexdb" -vulns "$src/data/osv" -out "$VULNDB.tmp"
  mv "$VULNDB.tmp" "$VULNDB"
fi
echo "[test] govulncheck ./... (fails on a called vulnerability, in a required module or the Go standard library)"
"$GOVULNCHECK" -db "file://$VULNDB" -format json ./... | go run ./scripts/vulncheck
# The alerts parse and their expressions are valid PromQL (promtool, built from Prometheus'
# module once into the tools folder); that every metric they name is exported is a Go test.
PROMTOOL_VERSION=v0.316.0
PROMTOOL=$TOOLS/promtool@$PROMTOOL_VERSION/promtool
if [ ! -x "$PROMTOOL" ]; then
  echo "[test] installing promtool $PROMTOOL_VERSION (go install; minutes the first time)"
  GOBIN=$(dirname "$PROMTOOL") GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
fi
echo "[test] promtool check rules deploy/prometheus/rules.yml"
"$PROMTOOL" check rules deploy/prometheus/rules.yml
echo "[test] go test -race ./..."
go test -race -count=1 -timeout 25m "$@" ./...
