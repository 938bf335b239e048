#!/usr/bin/env bash
# Screenshots of the Temporal Web UI as an operator sees a bill run: the batch's page, a
# failed invoice's page, and the list of the batch's workflows filtered by its search
# attribute. Usage (with a stack's environment loaded, e.g. . .dev/demo/env):
#   scripts/screenshots.sh BATCH_ID [OUT_DIR]
# Needs headless Chromium (apt-get install chromium); writes PNGs to OUT_DIR (.dev/screenshots).
set -euo pipefail
# The Go that builds billrun, pinned (the module proxy serves it): its standard library has
# no known called vulnerability (make test checks).
export GOTOOLCHAIN=go1.27.3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BATCH=${1:?usage: scripts/screenshots.sh BATCH_ID [OUT_DIR]}
OUT=${2:-$ROOT/.dev/screenshots}
: "${TEMPORAL_UI:?load a stack environment first (. .dev/demo/env)}"
: "${DATABASE_URL:?load a stack environment first (. .dev/demo/env)}"
BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || { apt-get install -y chromium >/dev/null && BROWSER=$(command -v chromium); }
mkdir -p "$OUT"
NS=${TEMPORAL_NAMESPACE:-default}
INST=$(psql "$DATABASE_URL" -Atc "select id from installation")
FAILED=$(psql "$DATABASE_URL" -Atc "select id from invoices where batch_id = '$BATCH' and status = 'failed' order by group_no limit 1")
QUERY=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "BillrunBatchId=\"$BATCH\"")

shot() { # name url
  "$BROWSER" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1440,1100 \
    --virtual-time-budget=15000 --screenshot="$OUT/$1.png" "$2" >/dev/null 2>&1
  echo "$OUT/$1.png  $2"
}
shot batch "$TEMPORAL_UI/namespaces/$NS/workflows/billrun-$INST-batch-$BATCH"
[ -n "$FAILED" ] && shot failed-invoice "$TEMPORAL_UI/namespaces/$NS/workflows/billrun-$INST-invoice-$FAILED"
shot batch-list "$TEMPORAL_UI/namespaces/$NS/workflows?query=$QUERY"
