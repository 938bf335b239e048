#!/usr/bin/env bash
# billrun's local stack: PostgreSQL (a private cluster), the Temporal dev server with its
# Web UI, the Mailpit SMTP sink, and billrun's sandbox PAC (not a PAC: it stamps CFDI for
# the demo and the tests only). Installs what is missing, starts what is not running,
# and stops what it started (by pid). Two profiles keep a running demo and the tests apart;
# a third, cluster, runs Temporal's production shape instead of the dev server: the Temporal
# server built from its module (go.temporal.io/server), with PostgreSQL persistence and SQL
# visibility, its schemas made by Temporal's own SQL tool.
#
#   scripts/stack.sh up   demo|test|cluster   install, start, write .dev/PROFILE/env
#   scripts/stack.sh down demo|test|cluster   stop what up started
#   scripts/stack.sh env  demo|test|cluster   print the profile's environment (source it)
set -euo pipefail
# The Go that builds billrun, pinned (the module proxy serves it): its standard library has
# no known called vulnerability (make test checks).
export GOTOOLCHAIN=go1.27.3

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${BILLRUN_TOOLS:-$HOME/.cache/billrun/tools}
TEMPORAL_VERSION=v1.5.1
MAILPIT_VERSION=v1.28.0
TEMPORAL_BIN=$TOOLS/temporal@$TEMPORAL_VERSION/temporal
# The server the CLI's dev server embeds, built on its own for the cluster profile.
TEMPORAL_SERVER_VERSION=v1.29.1
TEMPORAL_SERVER_DIR=$TOOLS/temporal-server@$TEMPORAL_SERVER_VERSION
MAILPIT_BIN=$TOOLS/mailpit@$MAILPIT_VERSION+ui/mailpit
SEARCH_ATTRIBUTES=(BillrunBatchId=Keyword BillrunBatchStatus=Keyword BillrunInvoicesTotal=Int
  BillrunInvoicesCompleted=Int BillrunInvoicesFailed=Int BillrunCustomer=Keyword BillrunInvoiceStatus=Keyword
  BillrunDocumentKind=Keyword BillrunCorrects=Keyword BillrunInvoiceNumber=Keyword BillrunAmount=Double
  BillrunFiscalStatus=Keyword BillrunPublished=Keyword BillrunFiscalNumber=Keyword)

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

profile_ports() { # base ports per profile: demo uses the usual ones, test sits beside them
  case "$1" in
    demo) PG_BASE=55432 TEMPORAL_BASE=7233 UI_BASE=8233 SMTP_BASE=1025 MAILHTTP_BASE=8025 PAC_BASE=8095 ;;
    test) PG_BASE=55442 TEMPORAL_BASE=7243 UI_BASE=8243 SMTP_BASE=1035 MAILHTTP_BASE=8035 PAC_BASE=8105 ;;
    cluster) PG_BASE=55452 TEMPORAL_BASE=7263 UI_BASE=8253 SMTP_BASE=1045 MAILHTTP_BASE=8045 PAC_BASE=8115 ;;
    *) die "profile must be demo, test or cluster, not '$1'" ;;
  esac
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # first free port from $1 on
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p"
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---------------------------------------------------------------- installs
apt_install() {
  [ "$(id -u)" = 0 ] || die "missing Debian packages $*; install them (sudo apt-get install $*)"
  log "apt-get install $*"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_packages() {
  local missing=()
  command -v xsltproc >/dev/null || missing+=(xsltproc)
  command -v xmllint >/dev/null || missing+=(libxml2-utils)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v xxd >/dev/null || missing+=(xxd)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  command -v zbarimg >/dev/null || missing+=(zbar-tools)
  command -v xmlsec1 >/dev/null || missing+=(xmlsec1)
  command -v npm >/dev/null || missing+=(npm)
  pg_bindir >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  return 0
}

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_temporal() {
  [ -x "$TEMPORAL_BIN" ] && return 0
  log "installing the Temporal CLI $TEMPORAL_VERSION (go install; a few minutes the first time)"
  mkdir -p "$(dirname "$TEMPORAL_BIN")"
  GOBIN=$(dirname "$TEMPORAL_BIN") GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_VERSION"
}

ensure_mailpit() {
  [ -x "$MAILPIT_BIN" ] && return 0
  log "building Mailpit $MAILPIT_VERSION from its module, with its web UI (npm ci, then go build)"
  command -v npm >/dev/null || die "npm is needed to build Mailpit's web UI (apt-get install npm)"
  local dir src
  # Mailpit's tag is not in the checksum database, so go install refuses it; its own go.sum
  # still pins every dependency.
  dir=$(cd /tmp && GONOSUMDB=github.com/axllent/mailpit GOFLAGS=-mod=mod \
    go mod download -json "github.com/axllent/mailpit@$MAILPIT_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || die "could not download mailpit $MAILPIT_VERSION"
  # The module holds the UI's sources, not its build (server/ui/dist): build it in a copy.
  src=$(mktemp -d)
  cp -r "$dir"/. "$src" && chmod -R u+w "$src"
  (cd "$src" && npm ci --no-audit --no-fund >/dev/null && npm run package >/dev/null) || die "could not build Mailpit's web UI"
  mkdir -p "$(dirname "$MAILPIT_BIN")"
  (cd "$src" && GOFLAGS=-mod=mod go build -o "$MAILPIT_BIN" .) || die "could not build Mailpit"
  rm -rf "$src"
}

# ---------------------------------------------------------------- services
as_pg() { # PostgreSQL refuses to run as root: run its tools as the postgres user then
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# pg_home chooses where the cluster lives: .dev/PROFILE, or, when the project sits where
# the postgres user cannot reach (root's home), a folder in /tmp linked from .dev/PROFILE/pg.
pg_home() {
  PGHOME=$STATE
  if [ "$(id -u)" = 0 ]; then
    chmod o+x "$ROOT" "$ROOT/.dev" "$STATE" 2>/dev/null || true
    if ! runuser -u postgres -- test -x "$STATE"; then
      PGHOME=/tmp/billrun-pg-$(printf %s "$ROOT" | md5sum | cut -c1-10)-$PROFILE
      mkdir -p "$PGHOME"
      ln -sfn "$PGHOME/pg" "$STATE/pg"
    fi
    chown postgres "$PGHOME"
  fi
}

start_postgres() {
  local dir bin
  bin=$(pg_bindir) || die "PostgreSQL binaries not found"
  if alive "$STATE/postgres.pid"; then log "postgres already running on $PG_PORT"; return 0; fi
  PG_PORT=$(free_port "$PG_BASE")
  pg_home
  dir=$PGHOME/pg
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_pg mkdir -p "$dir"
    as_pg "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 ||
      { cat "$STATE/initdb.log" >&2; die "initdb failed"; }
  fi
  as_pg "$bin/pg_ctl" -D "$dir" -l "$PGHOME/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_preload_libraries=pg_stat_statements" start >/dev/null ||
    { tail -20 "$PGHOME/postgres.log" >&2; die "postgres did not start"; }
  head -1 "$dir/postmaster.pid" >"$STATE/postgres.pid"
  log "postgres on 127.0.0.1:$PG_PORT (data in $dir)"
}

ensure_temporal_server() { # the server and temporal-sql-tool, from Temporal's server module
  [ -x "$TEMPORAL_SERVER_DIR/server" ] && [ -x "$TEMPORAL_SERVER_DIR/sql" ] && return 0
  log "building the Temporal server $TEMPORAL_SERVER_VERSION and temporal-sql-tool (go install; minutes)"
  GOBIN=$TEMPORAL_SERVER_DIR GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" || die "could not build the Temporal server"
}

# start_temporal_cluster runs the Temporal server's four services (frontend, history,
# matching, worker) on PostgreSQL: its schemas are set up and updated by temporal-sql-tool
# from the versioned SQL in the server module (idempotent), then the default namespace is
# created; billrun's search attributes are registered after (register_search_attributes).
start_temporal_cluster() {
  if alive "$STATE/temporal.pid"; then log "temporal cluster already running on $TEMPORAL_PORT"; return 0; fi
  local schema db dir i p sqltool=$TEMPORAL_SERVER_DIR/sql
  schema=$(cd "$ROOT" && GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/schema/postgresql/v12
  [ -d "$schema" ] || die "Temporal's SQL schemas not found in the server module"
  for db in temporal temporal_visibility; do
    dir=temporal
    [ "$db" = temporal_visibility ] && dir=visibility
    "$sqltool" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u postgres --db "$db" create-database >/dev/null 2>&1 || true
    "$sqltool" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u postgres --db "$db" setup-schema -v 0.0 >/dev/null 2>&1 || true
    "$sqltool" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u postgres --db "$db" update-schema -d "$schema/$dir/versioned" \
      >"$STATE/sql-tool-$db.log" 2>&1 || { cat "$STATE/sql-tool-$db.log" >&2; die "temporal-sql-tool could not update $db"; }
  done
  TEMPORAL_PORT=$(free_port "$TEMPORAL_BASE")
  UI_PORT=$TEMPORAL_PORT # no Web UI in this profile (Temporal's UI server is a program of its own)
  local ports=()
  p=$((TEMPORAL_PORT + 1))
  for i in 1 2 3 4 5 6 7 8; do p=$(free_port "$p"); ports+=("$p"); p=$((p + 1)); done
  mkdir -p "$STATE/temporal/config"
  cat >"$STATE/temporal/config/cluster.yaml" <<EOF
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
      sql: {pluginName: postgres12, databaseName: temporal, connectAddr: "127.0.0.1:$PG_PORT", connectProtocol: tcp, user: postgres, maxConns: 40, maxIdleConns: 40, maxConnLifetime: 1h}
    visibility:
      sql: {pluginName: postgres12, databaseName: temporal_visibility, connectAddr: "127.0.0.1:$PG_PORT", connectProtocol: tcp, user: postgres, maxConns: 10, maxIdleConns: 10, maxConnLifetime: 1h}
global:
  membership: {maxJoinDuration: 30s, broadcastAddress: 127.0.0.1}
services:
  frontend: {rpc: {grpcPort: $TEMPORAL_PORT, membershipPort: ${ports[0]}, httpPort: ${ports[1]}, bindOnLocalHost: true}}
  history: {rpc: {grpcPort: ${ports[2]}, membershipPort: ${ports[3]}, bindOnLocalHost: true}}
  matching: {rpc: {grpcPort: ${ports[4]}, membershipPort: ${ports[5]}, bindOnLocalHost: true}}
  worker: {rpc: {grpcPort: ${ports[6]}, membershipPort: ${ports[7]}, bindOnLocalHost: true}}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: {enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "127.0.0.1:$TEMPORAL_PORT"}
dcRedirectionPolicy: {policy: noop}
EOF
  nohup "$TEMPORAL_SERVER_DIR/server" --root "$STATE/temporal" --config config --env cluster --allow-no-auth start \
    >"$STATE/temporal.log" 2>&1 &
  echo $! >"$STATE/temporal.pid"
  for i in $(seq 1 240); do
    if "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1; then
      "$TEMPORAL_BIN" operator namespace describe --address "127.0.0.1:$TEMPORAL_PORT" --namespace default >/dev/null 2>&1 ||
        "$TEMPORAL_BIN" operator namespace create --address "127.0.0.1:$TEMPORAL_PORT" --namespace default --retention 72h >/dev/null ||
        die "could not create the default namespace"
      log "temporal cluster (server $TEMPORAL_SERVER_VERSION on PostgreSQL, SQL visibility) on 127.0.0.1:$TEMPORAL_PORT"
      return 0
    fi
    alive "$STATE/temporal.pid" || break
    sleep 0.5
  done
  tail -20 "$STATE/temporal.log" >&2
  die "the Temporal server did not start"
}

start_temporal() {
  if alive "$STATE/temporal.pid"; then log "temporal already running on $TEMPORAL_PORT"; return 0; fi
  TEMPORAL_PORT=$(free_port "$TEMPORAL_BASE")
  UI_PORT=$(free_port "$UI_BASE")
  local args=(server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$UI_PORT"
    --namespace default --log-level warn)
  # The demo keeps its history across restarts; the tests start clean each time.
  [ "$PROFILE" = demo ] && args+=(--db-filename "$STATE/temporal.db")
  local sa
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
  nohup "$TEMPORAL_BIN" "${args[@]}" >"$STATE/temporal.log" 2>&1 &
  echo $! >"$STATE/temporal.pid"
  local i
  for i in $(seq 1 120); do
    if "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1; then
      log "temporal on 127.0.0.1:$TEMPORAL_PORT, Web UI http://127.0.0.1:$UI_PORT"
      return 0
    fi
    alive "$STATE/temporal.pid" || break
    sleep 0.5
  done
  tail -20 "$STATE/temporal.log" >&2
  die "temporal dev server did not start"
}

register_search_attributes() { # idempotent: the dev server flag covers a fresh server, this an old db or a cluster
  local sa name type i have
  for i in $(seq 1 40); do
    have=$("$TEMPORAL_BIN" operator search-attribute list --address "127.0.0.1:$TEMPORAL_PORT" --namespace default 2>/dev/null || true)
    local missing=0
    for sa in "${SEARCH_ATTRIBUTES[@]}"; do
      name=${sa%%=*} type=${sa#*=}
      grep -qw "$name" <<<"$have" && continue
      missing=1
      # A namespace just created takes a moment to reach every service: retried until listed.
      "$TEMPORAL_BIN" operator search-attribute create --address "127.0.0.1:$TEMPORAL_PORT" \
        --namespace default --name "$name" --type "$type" >/dev/null 2>&1 || true
    done
    [ "$missing" = 0 ] && return 0
    sleep 0.5
  done
  die "billrun's search attributes could not be registered"
}

start_mailpit() {
  if alive "$STATE/mailpit.pid"; then log "mailpit already running on $SMTP_PORT"; return 0; fi
  SMTP_PORT=$(free_port "$SMTP_BASE")
  MAILHTTP_PORT=$(free_port "$MAILHTTP_BASE")
  nohup "$MAILPIT_BIN" --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$MAILHTTP_PORT" \
    --smtp-auth-accept-any --smtp-auth-allow-insecure >"$STATE/mailpit.log" 2>&1 &
  echo $! >"$STATE/mailpit.pid"
  local i
  for i in $(seq 1 60); do
    port_busy "$SMTP_PORT" && port_busy "$MAILHTTP_PORT" && {
      log "mailpit SMTP 127.0.0.1:$SMTP_PORT, UI/API http://127.0.0.1:$MAILHTTP_PORT"
      return 0
    }
    sleep 0.25
  done
  tail -20 "$STATE/mailpit.log" >&2
  die "mailpit did not start"
}

start_pac() { # billrun's own sandbox PAC, built from this checkout
  if alive "$STATE/pac.pid"; then log "sandbox PAC already running on $PAC_PORT"; return 0; fi
  PAC_PORT=$(free_port "$PAC_BASE")
  mkdir -p "$STATE/bin"
  (cd "$ROOT" && go build -o "$STATE/bin/billrun-sandbox" ./cmd/billrun-sandbox) || die "could not build billrun-sandbox"
  # Tests cancel documents stamped a moment ago, so that SAT's receiver acceptance can be
  # exercised the test profile's sandbox grants no free day after stamping.
  # Every test database numbers its CFE from 1 for the same test RUT: the test profile's
  # sandbox DGI takes a number it received before, with other content, as new (no E03).
  local window=24h shared=false
  [ "$PROFILE" != demo ] && window=0s shared=true
  PAC_PASSWORD=sandbox nohup "$STATE/bin/billrun-sandbox" --listen "127.0.0.1:$PAC_PORT" --dir "$STATE/pac" \
    --user billrun --free-cancel-window "$window" --dgi-shared="$shared" >"$STATE/pac.log" 2>&1 &
  echo $! >"$STATE/pac.pid"
  local i
  for i in $(seq 1 60); do
    port_busy "$PAC_PORT" && [ -f "$STATE/pac/99999000000500000001.cer" ] && [ -f "$STATE/pac/dgi-sandbox.cer" ] && {
      log "sandbox PAC (not a PAC) http://127.0.0.1:$PAC_PORT"
      return 0
    }
    alive "$STATE/pac.pid" || break
    sleep 0.25
  done
  tail -20 "$STATE/pac.log" >&2
  die "the sandbox PAC did not start"
}

write_env() {
  cat >"$STATE/env" <<EOF
export PG_PORT=$PG_PORT TEMPORAL_PORT=$TEMPORAL_PORT UI_PORT=$UI_PORT SMTP_PORT=$SMTP_PORT MAILHTTP_PORT=$MAILHTTP_PORT PAC_PORT=$PAC_PORT
export BILLRUN_PG_ADMIN_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export TEMPORAL_NAMESPACE=default
export TEMPORAL_UI=http://127.0.0.1:$UI_PORT
export SMTP_HOST=127.0.0.1 SMTP_PORT=$SMTP_PORT
export MAILPIT_API=http://127.0.0.1:$MAILHTTP_PORT
export BILLRUN_TOOLS=$TOOLS
# billrun's sandbox PAC: NOT a PAC; point PAC_URL at a real one (SW sapien) in production.
export PAC_URL=http://127.0.0.1:$PAC_PORT PAC_USER=billrun PAC_PASSWORD=sandbox PAC_CERT=$STATE/pac/99999000000500000001.cer
# The sandbox answers SAT's status service for what it stamped; SAT's own knows none of it.
export SAT_STATUS_URL=http://127.0.0.1:$PAC_PORT/ConsultaCFDIService.svc
# billrun's sandbox DGI receiver: NOT DGI; CFE sent to it never reach DGI.
export DGI_URL=http://127.0.0.1:$PAC_PORT/dgi/cfe DGI_CERT=$STATE/pac/dgi-sandbox.cer
EOF
}

load_env() { # ports of services still running from an earlier up
  PG_PORT= TEMPORAL_PORT= UI_PORT= SMTP_PORT= MAILHTTP_PORT= PAC_PORT=
  # shellcheck disable=SC1091
  [ -f "$STATE/env" ] && . "$STATE/env"
  return 0
}

up() {
  mkdir -p "$STATE"
  command -v go >/dev/null || die "Go is required (https://go.dev/dl/); billrun builds with Go 1.26"
  ensure_packages
  ensure_temporal
  ensure_mailpit
  [ "$PROFILE" = cluster ] && ensure_temporal_server
  load_env
  start_postgres
  if [ "$PROFILE" = cluster ]; then start_temporal_cluster; else start_temporal; fi
  register_search_attributes
  start_mailpit
  start_pac
  write_env
}

stop_pid() {
  local name=$1 file=$STATE/$1.pid i
  alive "$file" || { rm -f "$file"; return 0; }
  kill "$(cat "$file")" 2>/dev/null || true
  for i in $(seq 1 40); do alive "$file" || break; sleep 0.25; done
  alive "$file" && kill -9 "$(cat "$file")" 2>/dev/null || true
  rm -f "$file"
  log "stopped $name"
}

down() {
  [ -d "$STATE" ] || return 0
  stop_pid worker
  stop_pid pac
  stop_pid mailpit
  stop_pid temporal
  if alive "$STATE/postgres.pid"; then
    as_pg "$(pg_bindir)/pg_ctl" -D "$(readlink -f "$STATE/pg")" -m fast -w stop >/dev/null 2>&1 || stop_pid postgres
    rm -f "$STATE/postgres.pid"
    log "stopped postgres"
  fi
}

cmd=${1:-}
PROFILE=${2:-}
[ -n "$cmd" ] && [ -n "$PROFILE" ] || die "usage: $0 up|down|env demo|test|cluster"
profile_ports "$PROFILE"
STATE=$ROOT/.dev/$PROFILE
case "$cmd" in
  up) up ;;
  down) down ;;
  env) cat "$STATE/env" ;;
  *) die "unknown command '$cmd'" ;;
esac
