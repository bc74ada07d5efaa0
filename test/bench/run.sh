#!/usr/bin/env bash
# test/bench/run.sh: cql_fdw against the Python driver and gocql, one node,
# one run (make bench).  Figures, not a test.
#
#   ROWS=1000000 REPEAT=3 test/bench/run.sh      (the defaults)
#   ROWS=50000 REPEAT=2 test/bench/run.sh        a quick look
#
# The peers are benchmark tools only, never dependencies of the extension,
# and are installed here, under .cache/bench (git-ignored):
#   - a venv with cassandra-driver (a binary wheel from PyPI; failing that,
#     built with CASS_DRIVER_NO_CYTHON=1, which the report then says) and
#     psycopg, which times the PostgreSQL side;
#   - test/bench/gocql built with the Go toolchain (Debian's golang-go if
#     there is no go), gocql from the Go module proxy.
# It uses the running environment (test/.env; `make env` if it is not up),
# its own database and keyspace, cqlfdw_bench, dropped at the end (KEEP=1
# keeps them), and the cql_fdw installed in that PostgreSQL.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$root/.cache/bench"
venv="$cache/venv"
CASS_DRIVER_VERSION=3.30.1
PSYCOPG_VERSION=3.3.9
mkdir -p "$cache"

log() { echo "$(date +%H:%M:%S) $*" >&2; }

# ---- the servers
up() {
	[ -f "$root/test/.env" ] || return 1
	# shellcheck disable=SC1091
	. "$root/test/.env"
	psql -XAtqc 'SELECT 1' postgres >/dev/null 2>&1 || return 1
	(exec 3<>"/dev/tcp/${CQL_HOST:-127.0.0.1}/${CQL_PORT:-9042}") 2>/dev/null || return 1
}
if ! up; then
	log "PostgreSQL or Cassandra is not up: make env"
	make -C "$root" env
	up || { log "still not up after make env"; exit 1; }
fi
export PGHOST PGPORT PGUSER CQL_HOST CQL_PORT

# ---- the Python peer
if ! "$venv/bin/python" -c 'import cassandra, psycopg' 2>/dev/null; then
	log "venv $venv: cassandra-driver $CASS_DRIVER_VERSION, psycopg $PSYCOPG_VERSION"
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q "psycopg[binary]==$PSYCOPG_VERSION"
	if ! "$venv/bin/pip" install -q --only-binary=:all: "cassandra-driver==$CASS_DRIVER_VERSION"; then
		log "no binary wheel of cassandra-driver for this Python: building it without Cython (slower peer)"
		CASS_DRIVER_NO_CYTHON=1 "$venv/bin/pip" install -q "cassandra-driver==$CASS_DRIVER_VERSION"
	fi
fi

# ---- the Go peer
if ! command -v go >/dev/null; then
	if [ -x /usr/local/go/bin/go ]; then
		PATH=/usr/local/go/bin:$PATH
	else
		log "no Go toolchain: apt-get install golang-go"
		apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
	fi
fi
gobin="$cache/gocql-bench"
if [ ! -x "$gobin" ] || [ -n "$(find "$here/gocql" -newer "$gobin" -type f)" ]; then
	log "building test/bench/gocql ($(go version | cut -d' ' -f3))"
	(cd "$here/gocql" && GOFLAGS=-buildvcs=false go build -o "$gobin" .)
fi
gocql_version=$(cd "$here/gocql" && GOFLAGS=-buildvcs=false go list -m -f '{{.Version}}' github.com/gocql/gocql)

GOCQL_BENCH="$gobin" GOCQL_VERSION="$gocql_version" \
	exec "$venv/bin/python" "$here/bench.py"
