#!/usr/bin/env bash
# Top-up speed: N concurrent clients doing complete purse loads over HTTP for a fixed time, what
# `tongka-counter topup 1 --pay cash` does: INITIALIZE FOR LOAD on a software card, POST /v1/loads
# (MAC1 checked, money posted, MAC2 answered: one durable commit), CREDIT FOR LOAD on the card,
# POST /v1/loads/{id}/confirmation with the card's TAC (the second commit). Each client is a
# counter with its own terminal and its own cards.
#
# Alternates on the same private durable cluster (fsync and synchronous_commit on), same clients,
# same duration: top-ups with one shift per client, pgbench TPC-B (-M prepared), top-ups with all
# clients on one shift, card sales with one shift per client; three rounds.
#
# Prints top-ups/s, pgbench tps, the median of the per-round ratios top-up/pgbench (minimum 0.4,
# target 0.5), the median ratio of one shift to one shift each (target 0.95: no hot row), and the
# card sale's ratio to pgbench from the same harness (target 0.25).
#
# Usage: Scripts/bench/topup.sh [clients] [seconds]     (default 16 clients, 15 seconds)
# TONGKA_BENCH_STATEMENTS=1 also prints the top statements of the last round's own-shift top-up
# run (pg_stat_statements). TONGKA_BENCH_ROUNDS changes the number of rounds (3).
# TONGKA_BENCH_SKIP_BUILD=1 uses the release binaries already built.
# Builds tongka-server and tongka-bench in release mode first (several minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
source Scripts/bench/lib.sh
clients=${1:-16}
seconds=${2:-15}
rounds=${TONGKA_BENCH_ROUNDS:-3}
# Card sales run at a few hundred a second: stock for every sale run at up to 2,000 a second.
sale_rate=2000

bench_build
bench_cluster_start
# The operator's card master keys (the card factory personalises each client's software cards
# with them) and a daily limit per card that a run of ¥1 top-ups on a few cards does not reach.
"$BENCH_BIN/tongka-server" keys generate --out "$BENCH_WORK/card-keys.json" --issuer-id 31045510FFFFFFFF >/dev/null
export TONGKA_CARD_KEYS_FILE="$BENCH_WORK/card-keys.json" TONGKA_LOAD_DAILY_LIMIT_FEN=100000000
bench_server_start
history=${TONGKA_BENCH_HISTORY_SECONDS:-10}
bench_setup "$clients" $(((rounds * (seconds + 2) + history + 2) * sale_rate))
bench_pgbench_init
bench_settle

loads_count() { bench_count "SELECT count(*) FROM loads"; }
topup_run() {
  BENCH_RUN_OPTIONS="--card-keys $BENCH_WORK/card-keys.json" bench_run topup "$1" "$clients" "$seconds"
}
# Top-ups and sales for a while first, so that the runs meet a database with history
# (bench_history in lib.sh says why).
BENCH_RUN_OPTIONS="--card-keys $BENCH_WORK/card-keys.json --max-rate $sale_rate" \
  bench_history "$clients" "$history" topup:own-shifts sale:own-shifts
ratios=()
shift_ratios=()
sale_ratios=()
own_rates=()
one_rates=()
sale_rates=()
tps_all=()
for round in $(seq 1 "$rounds"); do
  statements=${TONGKA_BENCH_STATEMENTS:-}
  [ "$round" = "$rounds" ] || statements=""

  bench_say "round $round: top-ups, one shift per client"
  [ -n "$statements" ] && { bench_statements_reset; before=$(loads_count); }
  topup_run own-shifts
  own=$BENCH_RATE
  [ -n "$statements" ] && bench_statements_print $(($(loads_count) - before))

  bench_say "round $round: pgbench TPC-B"
  bench_pgbench "$clients" "$seconds"
  printf 'pgbench TPC-B -M prepared, %d clients, %d s: %.1f tps\n' "$clients" "$seconds" "$BENCH_TPS"

  bench_say "round $round: top-ups, all clients on one shift"
  topup_run one-shift
  one=$BENCH_RATE

  bench_say "round $round: card sales, one shift per client"
  BENCH_RUN_OPTIONS="--max-rate $sale_rate" bench_run sale own-shifts "$clients" "$seconds"
  sale=$BENCH_RATE

  own_rates+=("$own")
  one_rates+=("$one")
  sale_rates+=("$sale")
  tps_all+=("$BENCH_TPS")
  ratios+=("$(bench_calc "$own / $BENCH_TPS")")
  shift_ratios+=("$(bench_calc "$one / $own")")
  sale_ratios+=("$(bench_calc "$sale / $BENCH_TPS")")
done

echo
printf 'top-up (authorise + confirm), %d clients, %d s per run, durable commits, %d rounds\n' "$clients" "$seconds" "$rounds"
printf '  top-ups/s, one shift per client:  %s\n' "${own_rates[*]}"
printf '  top-ups/s, all on one shift:      %s\n' "${one_rates[*]}"
printf '  card sales/s, own shifts:         %s\n' "${sale_rates[*]}"
printf '  pgbench tps:                      %s\n' "${tps_all[*]}"
printf '  ratio top-up/pgbench per round:   %s\n' "${ratios[*]}"
printf '  ratio one shift/own shifts:       %s\n' "${shift_ratios[*]}"
printf '  ratio card sale/pgbench:          %s\n' "${sale_ratios[*]}"
ratio=$(bench_median "${ratios[@]}")
shift_ratio=$(bench_median "${shift_ratios[@]}")
sale_ratio=$(bench_median "${sale_ratios[@]}")
printf '  median ratio top-up/pgbench: %.3f (minimum 0.4, target 0.5)\n' "$ratio"
printf '  median ratio one shift/own shifts: %.2f (target 0.95)\n' "$shift_ratio"
printf '  median ratio card sale/pgbench: %.3f (target 0.25)\n' "$sale_ratio"
printf 'RESULT topups_per_s=%s one_shift_topups_per_s=%s sales_per_s=%s pgbench_tps=%s ratio=%.3f one_shift_ratio=%.2f sale_ratio=%.3f\n' \
  "$(bench_median "${own_rates[@]}")" "$(bench_median "${one_rates[@]}")" "$(bench_median "${sale_rates[@]}")" \
  "$(bench_median "${tps_all[@]}")" "$ratio" "$shift_ratio" "$sale_ratio"
