#!/usr/bin/env bash
# Issue 21's "20 times in a row": retries a failed invoice while its batch's publication
# is e-mailing (mail server down), stamping (PAC down) and after it ended, N times (default
# 20) on the test stack; any hang or failure stops it.
set -euo pipefail
# The Go that builds billrun, pinned (the module proxy serves it): its standard library has
# no known called vulnerability (make test checks).
export GOTOOLCHAIN=go1.27.3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
N=${1:-20}
scripts/stack.sh up test
# shellcheck disable=SC1091
. .dev/test/env
go test -count="$N" -failfast -timeout 60m -run 'TestRetriedInvoiceIsPublishedWhateverPublicationIsDoing' -v ./starter/ |
  grep -E '^(=== RUN|--- |    publication_test|ok|FAIL|PASS)'
