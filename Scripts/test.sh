#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL cluster, then removes the cluster.
# Exits non-zero on any failure. Usage: Scripts/test.sh [extra `swift test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/lib/postgres.sh

build_deps_ensure_installed
pg_ensure_installed
chromium_ensure_installed
data=$(mktemp -d /tmp/tongka-test.XXXXXX)
chmod 755 "$data"
cleanup() {
  pg_stop "$data/pg"
  rm -rf "$data"
}
trap cleanup EXIT

port=$(pg_free_port)
pg_init "$data/pg" tongka
# Durability off: a test cluster is thrown away. (Benchmarks keep it on.) Socket only: the cluster
# trusts whoever connects, so it must not listen on TCP where other local users could.
PG_LISTEN= pg_start "$data/pg" "$port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400
echo "test cluster on the socket in $data/pg (port $port)"

# Export first, then build and test in the same environment (SwiftPM re-plans when it changes).
export TONGKA_TEST_DATABASE_URL="postgres://tongka@/postgres?host=$data/pg&port=$port&sslmode=disable"
export TONGKA_TEST_REQUIRE_DATABASE=1
# pg_dump for the test that SQL/schema.sql matches the migrations.
export TONGKA_TEST_PG_DUMP="$PG_BIN/pg_dump"
# Headless Chromium for the progress report page test.
export TONGKA_TEST_CHROMIUM="$CHROMIUM_BIN"
swift build --build-tests
swift test --skip-build --parallel "$@"
