# billrun: `make demo` runs a bill run on a local stack; `make test` runs every test on its own stack.
# The Go that builds billrun, pinned as the scripts pin it.
export GOTOOLCHAIN := go1.27.3

.PHONY: demo test test-cluster check chaos record-histories stop build vet

demo:
	scripts/demo.sh

test:
	scripts/test.sh

# Every test against the cluster profile: the Temporal server (built from its module) on
# PostgreSQL with SQL visibility, instead of the dev server. Not part of CI (the server build
# takes minutes); see README "Running on a Temporal cluster".
test-cluster:
	BILLRUN_STACK=cluster scripts/test.sh

# The fast layers only (pure, workflow, replay): no services needed.
check:
	go vet ./...
	go test -short -count=1 ./...

# The chaos run at scale (N invoices, K worker kills): see scripts/chaos.sh.
chaos:
	scripts/chaos.sh

# Record histories of real runs into workflows/testdata for the replay tests.
record-histories:
	scripts/stack.sh up test
	. .dev/test/env && BILLRUN_RECORD_HISTORIES=$(CURDIR)/workflows/testdata go test -count=1 -run 'TestRecord(Uruguay)?Histories' ./starter/

stop:
	scripts/stack.sh down demo
	scripts/stack.sh down test
	scripts/stack.sh down cluster

build:
	go build -buildvcs=auto -o bin/billrun ./starter
	go build -buildvcs=auto -o bin/billrun-worker ./worker
	go build -buildvcs=auto -o bin/billrun-sandbox ./cmd/billrun-sandbox

vet:
	go vet ./...
