#!/usr/bin/env bash
# Prepares a local PostgreSQL 15 for Astrocyte's tests: pgvector built from Debian's source package when missing,
# the cluster started when down, the test database and the `vector` extension created. Safe to run again.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
DB_NAME="${ASTROCYTE_TEST_DB:-test}"
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { printf 'setup-postgres: %s\n' "$*"; }

install_pgvector() {
  if [ -f "$("$PG_CONFIG" --sharedir 2>/dev/null)/extension/vector.control" ]; then
    log "pgvector already installed"
    return
  fi
  log "building pgvector from Debian's source package"
  # Bookworm has no pgvector binary package; trixie ships its source, which builds against PostgreSQL 15.
  local list=/etc/apt/sources.list.d/trixie-src.list
  [ -f "$list" ] || echo "deb-src http://deb.debian.org/debian trixie main" | $SUDO tee "$list" >/dev/null
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "postgresql-server-dev-${PG_MAJOR}" dpkg-dev >/dev/null
  local work
  work=$(mktemp -d)
  (
    cd "$work"
    apt-get source --download-only pgvector >/dev/null
    tar xf pgvector_*.orig.tar.*
    cd pgvector-*/
    make -s PG_CONFIG="$PG_CONFIG" >/dev/null
    $SUDO make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
  )
  rm -rf "$work"
  log "pgvector installed"
}

start_cluster() {
  if pg_isready -h 127.0.0.1 -p 5432 -q; then
    log "server is up"
    return
  fi
  log "starting cluster ${PG_MAJOR}/main"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" main start
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && return
    sleep 1
  done
  log "server did not become ready" >&2
  exit 1
}

prepare_database() {
  if [ "$("${PSQL[@]}" -d postgres -c "select 1 from pg_database where datname = '${DB_NAME}'")" != "1" ]; then
    "${PSQL[@]}" -d postgres -c "create database \"${DB_NAME}\""
  fi
  "${PSQL[@]}" -d "$DB_NAME" -c "create extension if not exists vector"
  log "database ${DB_NAME} has vector $("${PSQL[@]}" -d "$DB_NAME" -c "select extversion from pg_extension where extname = 'vector'")"
}

install_pgvector
start_cluster
prepare_database
