#!/usr/bin/env bash
# Stock import speed: a 100,000-card factory file through the API (POST /v1/stock/batches, the
# path `tongka-counter stock import` uses) against plain COPY of the same rows into a bare table,
# measured in the same run on the same private PostgreSQL cluster with durable commits.
#
# Prints cards/s for both and the ratio API/COPY (target: 0.3 or better).
# Usage: Scripts/bench/stock-import.sh [cards]     (default 100000)
# Builds tongka-server in release mode first (several minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
source Scripts/lib/postgres.sh
cards=${1:-100000}

say() { if [ -t 1 ]; then echo "== $*"; fi; }
now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }

say "building tongka-server (release)"
if ! build_log=$(swift build -c release --product tongka-server 2>&1); then echo "$build_log" >&2; exit 1; fi
bin=$(swift build -c release --show-bin-path)

pg_ensure_installed
work=$(mktemp -d /tmp/tongka-bench.XXXXXX)
chmod 755 "$work"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

say "starting PostgreSQL (durable: fsync and synchronous_commit on)"
pg_port=$(pg_free_port)
pg_init "$work/pg" tongka
PG_LISTEN= pg_start "$work/pg" "$pg_port"
psql_cmd() { psql -X -q -h "$work/pg" -p "$pg_port" -U tongka -d postgres -v ON_ERROR_STOP=1 "$@"; }

say "writing a $cards-card stock file"
file="$work/stock.csv"
awk -v n="$cards" 'BEGIN {
  print "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"
  for (i = 1; i <= n; i++) printf "31048200%011d,31045510FFFFFFFF,20260101,20361231,1,%08X\n", i, 2684354560 + i
}' >"$file"

export TONGKA_DATABASE_URL="postgres://tongka@/postgres?host=$work/pg&port=$pg_port&sslmode=disable"
export TONGKA_DATA_KEY=$(head -c 32 /dev/urandom | base64)
export TONGKA_ISSUER_PREFIXES=31048200 TONGKA_ISSUER_ID=31045510FFFFFFFF TONGKA_LOG_LEVEL=${TONGKA_LOG_LEVEL:-error}
"$bin/tongka-server" migrate >/dev/null
"$bin/tongka-server" bootstrap --password-file "$work/otp" >/dev/null
http_port=$(pg_free_port)
TONGKA_HTTP_PORT=$http_port "$bin/tongka-server" serve >"$work/server.log" 2>&1 &
server_pid=$!
api="http://127.0.0.1:$http_port"
for _ in $(seq 1 100); do curl -sf "$api/health" >/dev/null && break; sleep 0.1; done

json_field() { sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p"; }
otp=$(cut -d' ' -f2 "$work/otp")
token=$(curl -sf -X POST "$api/v1/sessions" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$otp\"}" | json_field token)
curl -sf -X PUT "$api/v1/me/password" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"currentPassword\":\"$otp\",\"newPassword\":\"bench-password-2026\"}" >/dev/null
curl -sf -X POST "$api/v1/products" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{
  "code":"STD","name":"普通卡","cardType":1,"depositFen":2000,"cardCostFen":0,"transportModes":["bus","metro"],
  "interconnection":true,"allowsAnonymous":true,"allowsRegistered":true,"maxBalanceFen":100000}' >/dev/null

say "baseline: plain COPY into a bare table"
psql_cmd -c "CREATE TABLE bare_stock (card_number text, issuer_id text, valid_from text, valid_to text, card_type text, chip_uid text)"
start=$(now)
psql_cmd -c "\\copy bare_stock FROM '$file' WITH (FORMAT csv, HEADER true)"
copy_seconds=$(calc "$(now) - $start")

say "second baseline: plain COPY into a table with card_stock's keys and checks"
psql_cmd -c "CREATE TABLE keyed_stock (
  card_number text COLLATE \"C\" PRIMARY KEY CHECK (card_number ~ '^[0-9]{19}\$'),
  issuer_id text CHECK (issuer_id ~ '^[0-9A-F]{8}FFFFFFFF\$'), valid_from date, valid_to date CHECK (valid_to > valid_from),
  card_type smallint, chip_uid text COLLATE \"C\" UNIQUE CHECK (chip_uid ~ '^([0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})\$'))"
start=$(now)
psql_cmd -c "\\copy keyed_stock FROM '$file' WITH (FORMAT csv, HEADER true)"
keyed_seconds=$(calc "$(now) - $start")

say "the API: POST /v1/stock/batches (parse, check every line, COPY to staging, insert into stock)"
start=$(now)
status=$(curl -s -H 'Expect:' -o "$work/answer.json" -w '%{http_code}' -X POST "$api/v1/stock/batches?product=STD&fileName=bench.csv" \
  -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary @"$file")
api_seconds=$(calc "$(now) - $start")
if [ "$status" != 201 ]; then
  echo "import failed with HTTP $status: $(head -c 500 "$work/answer.json")" >&2
  exit 1
fi
imported=$(psql_cmd -At -c "SELECT count(*) FROM card_stock")
[ "$imported" = "$cards" ] || { echo "expected $cards cards in stock, found $imported" >&2; exit 1; }

copy_rate=$(calc "$cards / $copy_seconds")
keyed_rate=$(calc "$cards / $keyed_seconds")
api_rate=$(calc "$cards / $api_seconds")
if [ -t 1 ] || [ -n "${TONGKA_BENCH_VERBOSE:-}" ]; then grep -hE "stock import phases|TIMING" "$work/server.log" || true; fi
printf 'stock import, %d cards\n' "$cards"
printf '  plain COPY into a bare table: %8.0f cards/s (%.2f s)\n' "$copy_rate" "$copy_seconds"
printf '  plain COPY, same keys/checks:  %8.0f cards/s (%.2f s)\n' "$keyed_rate" "$keyed_seconds"
printf '  API import (checked, indexed): %8.0f cards/s (%.2f s)\n' "$api_rate" "$api_seconds"
printf '  ratio API/COPY into a bare table: %.2f (target 0.30 or better)\n' "$(calc "$api_rate / $copy_rate")"
printf '  ratio API/COPY with the same keys: %.2f\n' "$(calc "$api_rate / $keyed_rate")"
