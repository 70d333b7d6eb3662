#!/usr/bin/env bash
# Tap-record ingest benchmark (issue 10), on a private durable cluster and a release server.
# RECORDS purchase records of this operator's cards (real DEBIT FOR PURCHASE on in-memory software
# cards: TACs verify, balances and offline serials follow on, every record is posted to the
# ledger) are uploaded through POST /v1/taps in batches of BATCH by VALIDATORS validators at once,
# then the same records again. The same rows then go into a table with the taps table's keys by
# `COPY` on the same cluster (three rounds after a checkpoint each, the median). Prints records/s
# of the upload and of COPY and their ratio (minimum 0.3, target 0.5), the re-send's rate against
# the first upload (at least 0.8, and zero new rows), the p99 time to the durable answer of a
# batch, and the server's and PostgreSQL's CPU per record of the first upload.
#
# Usage: Scripts/bench/ingest.sh [records] [validators] [batch]   (default 1000000 8 1000)
# Builds in release mode first; TONGKA_BENCH_SKIP_BUILD=1 uses the binaries built,
# TONGKA_BENCH_BIN=DIR the binaries in DIR. The batches are binary (docs/tap-upload-format.md, what
# validators send); TONGKA_BENCH_FORMAT=json sends the same records as JSON. TONGKA_BENCH_CARDS
# (default 2000) spreads the records over that many cards: with 8 validators, 2,000 cards put each
# card in a batch four times, 8,000 once (as on a real bus), which posts four times as many ledger
# entries per batch.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Scripts/bench/lib.sh
records=${1:-1000000}
validators=${2:-8}
batch=${3:-1000}
bench_build
bench_cluster_start
"$BENCH_BIN/tongka-server" keys generate --out "$BENCH_WORK/card-keys.json" --issuer-id 31045510FFFFFFFF >/dev/null
# Each card is topped up once with all its fares; the daily limit is for riders, not for this.
export TONGKA_CARD_KEYS_FILE="$BENCH_WORK/card-keys.json" TONGKA_LOAD_DAILY_LIMIT_FEN=100000000
bench_server_start
bench_setup 1 0
bench_say "$records records, $validators validators, batches of $batch"
# Once the cards are sold and topped up and the validators registered, and before the clock
# starts: VACUUM ANALYZE and a checkpoint, as after the card-sale benchmark's setup. Without it the
# planner still believes the ledger's accounts are the handful of the empty database, and every
# posting scans them all (autovacuum keeps a running database's statistics current).
settle="\"$PG_BIN/psql\" -X -q -h \"$BENCH_PG\" -p $BENCH_PG_PORT -U tongka -d tongka -c 'VACUUM ANALYZE' -c 'CHECKPOINT'"
output=$("$BENCH_BIN/tongka-bench" ingest --state "$BENCH_STATE" --card-keys "$BENCH_WORK/card-keys.json" --format "${TONGKA_BENCH_FORMAT:-binary}" \
  --records "$records" --validators "$validators" --batch "$batch" --cards "${TONGKA_BENCH_CARDS:-2000}" \
  --csv "$BENCH_WORK/taps.csv" --settle "$settle" \
  --server-pid "$BENCH_SERVER_PID" --postgres-pid "$(head -n 1 "$BENCH_PG/postmaster.pid")")
echo "$output" | grep -v '^RESULT'
api=$(echo "$output" | sed -n 's/.* api_per_s=\([0-9.]*\).*/\1/p')

# The baseline: the same rows by COPY into a table with the taps table's keys and indexes.
bench_psql tongka <<'SQL'
CREATE TABLE bench_copy (
    terminal_number text COLLATE "C" NOT NULL, terminal_serial bigint NOT NULL, tapped_at timestamptz NOT NULL,
    card_number text COLLATE "C" NOT NULL, issuer_id text NOT NULL, card_type smallint NOT NULL,
    offline_serial integer NOT NULL, amount_fen bigint NOT NULL, balance_before_fen bigint NOT NULL,
    balance_after_fen bigint NOT NULL, transaction_type smallint NOT NULL, local_date_time text NOT NULL,
    tac text NOT NULL, mode text NOT NULL, line text NOT NULL, station text NOT NULL, received_at timestamptz NOT NULL,
    own_card boolean NOT NULL,
    PRIMARY KEY (terminal_number, terminal_serial, tapped_at)
);
CREATE INDEX bench_copy_card_serial ON bench_copy (card_number, offline_serial);
CREATE INDEX bench_copy_terminal_serial ON bench_copy (terminal_number, terminal_serial);
SQL
# Three times, each into the emptied table after a checkpoint (the upload, too, starts after one:
# a checkpoint of the upload's writes landing in a single COPY moved its rate between 76,000 and
# 132,000 rows/s); the median is the baseline.
rates=()
for round in 1 2 3; do
  bench_say "COPY of the same $records rows ($round of 3)"
  bench_psql tongka -c "TRUNCATE bench_copy" -c "CHECKPOINT"
  start=$(date +%s.%N)
  bench_psql tongka -c "\\copy bench_copy FROM '$BENCH_WORK/taps.csv' WITH (FORMAT csv)"
  end=$(date +%s.%N)
  copied=$(bench_psql tongka -At -c "SELECT count(*) FROM bench_copy")
  rates+=("$(bench_calc "$copied / ($end - $start)")")
done
stored=$(bench_psql tongka -At -c "SELECT count(*) FROM taps")
copy_rate=$(bench_median "${rates[@]}")
printf 'COPY rounds: %s records/s\n' "$(printf '%.0f ' "${rates[@]}")"
ratio=$(bench_calc "$api / $copy_rate")
printf 'COPY: %.0f records/s (%s rows); the API upload: %.0f records/s; ratio %.3f (minimum 0.3, target 0.5)\n' \
  "$copy_rate" "$copied" "$api" "$ratio"
echo "rows in taps after both passes: $stored"
echo "$output" | grep '^RESULT' | sed "s/\$/ copy_per_s=$(printf '%.0f' "$copy_rate") ratio=$(printf '%.3f' "$ratio") taps_rows=$stored/"
