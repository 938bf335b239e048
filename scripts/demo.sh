#!/usr/bin/env bash
# The demo command: bring up the demo stack, build billrun, start the worker, migrate,
# import the demo dataset and run a bill run; print its summary and where to look.
# Safe to run again: what runs is reused, the import keeps what exists, a second run bills
# only what is still pending.
set -euo pipefail
# The Go that builds billrun, pinned (the module proxy serves it): its standard library has
# no known called vulnerability (make test checks).
export GOTOOLCHAIN=go1.27.3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/stack.sh up demo
# shellcheck disable=SC1091
. .dev/demo/env
STATE=.dev/demo
mkdir -p bin
go build -buildvcs=auto -o bin/billrun ./starter
go build -buildvcs=auto -o bin/billrun-worker ./worker
psql "$BILLRUN_PG_ADMIN_URL" -tAc "select 1 from pg_database where datname = 'billrun'" | grep -q 1 ||
  psql "$BILLRUN_PG_ADMIN_URL" -qc "create database billrun"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/billrun?sslmode=disable"
grep -q '^export DATABASE_URL=' "$STATE/env" || echo "export DATABASE_URL=$DATABASE_URL" >>"$STATE/env"

if [ -f "$STATE/worker.pid" ] && kill -0 "$(cat "$STATE/worker.pid")" 2>/dev/null; then
  kill "$(cat "$STATE/worker.pid")" # restart it on the fresh build
  sleep 1
fi
export BILLRUN_CSD_PASSWORD=${BILLRUN_CSD_PASSWORD:-12345678a} # SAT's public test key's password
bin/billrun migrate
BILLRUN_METRICS_ADDR=${BILLRUN_METRICS_ADDR:-127.0.0.1:9464} nohup bin/billrun-worker >"$STATE/worker.log" 2>&1 &
echo $! >"$STATE/worker.pid"

bin/billrun demo --file examples/demo.json
cat <<MSG

The demo stack is up:
  Temporal Web UI  $TEMPORAL_UI/namespaces/default/workflows
  mail sink (UI)   $MAILPIT_API
  sandbox PAC      $PAC_URL  (NOT a PAC: its stamps mean nothing to SAT)
  PostgreSQL       $DATABASE_URL
Use the CLI with the demo's environment:
  . .dev/demo/env && bin/billrun batch report ID
Stop it all with: make stop
MSG
