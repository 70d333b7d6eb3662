#!/usr/bin/env bash
# Rewrites SQL/schema.sql: every table's current shape after all migrations, from
# `pg_dump --schema-only` of a freshly migrated throwaway database. Run it after adding a
# migration; a test (SchemaFileTests) fails while SQL/schema.sql and the migrations disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/lib/postgres.sh

build_deps_ensure_installed
pg_ensure_installed
data=$(mktemp -d /tmp/tongka-schema.XXXXXX)
chmod 755 "$data"
trap 'pg_stop "$data/pg"; rm -rf "$data"' EXIT
port=$(pg_free_port)
pg_init "$data/pg" tongka
PG_LISTEN= pg_start "$data/pg" "$port" -c fsync=off
swift build --product tongka-server >/dev/null
bin=$(swift build --show-bin-path)
TONGKA_DATABASE_URL="postgres://tongka@/postgres?host=$data/pg&port=$port&sslmode=disable" \
  TONGKA_DATA_KEY=$(head -c 32 /dev/urandom | base64) TONGKA_ISSUER_PREFIXES=31048200 TONGKA_ISSUER_ID=31045510FFFFFFFF \
  "$bin/tongka-server" migrate >/dev/null
"$PG_BIN/pg_dump" --schema-only --no-owner -h "$data/pg" -p "$port" -U tongka postgres | Scripts/lib/schema-filter.sh >SQL/schema.sql
echo "wrote SQL/schema.sql"
