#!/usr/bin/env bash
# Screenshots of a bill run as an operator and an accountant see it: in the Temporal Web UI
# the batch's page, its first failed invoice's page, the list of the batch's workflows
# filtered by its search attribute, and its publication's page; in the mail sink the
# latest message; the first page of the batch's first printed invoice.
# Usage (with a stack's environment loaded, e.g. . .dev/demo/env):
#   scripts/screenshots.sh BATCH_ID [OUT_DIR] [PREFIX]
# PREFIX names the files (PREFIX-batch.png, ...), so one directory holds several batches'.
# MAIL_UI (default the stack's Mailpit) is the mail sink's web UI. Needs headless Chromium,
# puppeteer-core (npm) and pdftoppm (poppler-utils), each installed when missing; writes PNGs
# to OUT_DIR (.dev/screenshots). The tests run it (starter's TestScreenshots).
set -euo pipefail
# The Go that builds billrun, pinned (the module proxy serves it): its standard library has
# no known called vulnerability (make test checks).
export GOTOOLCHAIN=go1.27.3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BATCH=${1:?usage: scripts/screenshots.sh BATCH_ID [OUT_DIR] [PREFIX]}
OUT=${2:-$ROOT/.dev/screenshots}
PREFIX=${3:-$BATCH}
: "${TEMPORAL_UI:?load a stack environment first (. .dev/demo/env)}"
: "${DATABASE_URL:?load a stack environment first (. .dev/demo/env)}"
MAIL_UI=${MAIL_UI:-${MAILPIT_API:-}}
BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ]; then
  echo "[screenshots] installing headless Chromium (apt-get)" >&2
  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) >/dev/null
  BROWSER=$(command -v chromium)
fi
export BROWSER
if ! command -v pdftoppm >/dev/null; then
  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils) >/dev/null
fi
# puppeteer-core drives that Chromium (scripts/shot.cjs): a running workflow's page keeps
# polling Temporal, which Chromium's own --screenshot waits on forever.
PUPPETEER_VERSION=25.16.0
PUPPETEER=${BILLRUN_TOOLS:-$HOME/.cache/billrun/tools}/puppeteer-core@$PUPPETEER_VERSION
if [ ! -d "$PUPPETEER/node_modules/puppeteer-core" ]; then
  echo "[screenshots] installing puppeteer-core $PUPPETEER_VERSION (npm)" >&2
  mkdir -p "$PUPPETEER"
  (cd "$PUPPETEER" && npm install --no-audit --no-fund --silent "puppeteer-core@$PUPPETEER_VERSION") >/dev/null
fi
export NODE_PATH=$PUPPETEER/node_modules
mkdir -p "$OUT"
NS=${TEMPORAL_NAMESPACE:-default}
sql() { psql "$DATABASE_URL" -Atc "$1"; }
INST=$(sql "select id from installation")
FAILED=$(sql "select id from invoices where batch_id = '$BATCH' and status = 'failed' order by group_no limit 1")
PRINTED=$(sql "select id from invoices where batch_id = '$BATCH' and fiscal_status = 'pdf' order by group_no limit 1")
QUERY=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "BillrunBatchId=\"$BATCH\"")

shot() { # name url
  timeout 120 node "$ROOT/scripts/shot.cjs" "$2" "$OUT/$PREFIX-$1.png"
  echo "$OUT/$PREFIX-$1.png  $2"
}
shot batch "$TEMPORAL_UI/namespaces/$NS/workflows/billrun-$INST-batch-$BATCH"
[ -n "$FAILED" ] && shot failed-invoice "$TEMPORAL_UI/namespaces/$NS/workflows/billrun-$INST-invoice-$FAILED"
shot batch-list "$TEMPORAL_UI/namespaces/$NS/workflows?query=$QUERY"
shot publication "$TEMPORAL_UI/namespaces/$NS/workflows/billrun-$INST-publish-$BATCH"
[ -n "$MAIL_UI" ] && shot mail "$MAIL_UI/view/latest"
if [ -n "$PRINTED" ]; then
  pdf=$(mktemp --suffix=.pdf)
  psql "$DATABASE_URL" -Atc "select encode(pdf, 'base64') from fiscal_documents where invoice_id = $PRINTED" | base64 -d >"$pdf"
  pdftoppm -png -r 70 -singlefile -f 1 -l 1 "$pdf" "$OUT/$PREFIX-pdf"
  rm -f "$pdf"
  echo "$OUT/$PREFIX-pdf.png  invoice $PRINTED"
fi
