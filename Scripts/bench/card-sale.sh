#!/usr/bin/env bash
# Card sale speed: N concurrent clients doing complete card sales over HTTP (POST /v1/cards with
# an Idempotency-Key, what `tongka-counter card issue` does) for a fixed time, against pgbench's
# TPC-B (-M prepared, same clients, same duration, -j 2) on the same private durable cluster,
# alternating: sale, pgbench, sale on one shift; three times.
#
# Prints sales/s with every client on its own shift, pgbench tps, the median of the per-round
# ratios sale/pgbench (target 0.25 or better), and the median ratio of all clients on one shift
# (one clerk's session shared by all) to one shift each (1.0: no hot row).
#
# Usage: Scripts/bench/card-sale.sh [clients] [seconds]     (default 16 clients, 15 seconds)
# TONGKA_BENCH_STATEMENTS=1 also prints the top statements by total time of the last round's
# sale runs (pg_stat_statements, nested statements included). TONGKA_BENCH_ROUNDS changes the
# number of rounds (3).
# Builds tongka-server and tongka-bench in release mode first (several minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
source Scripts/bench/lib.sh
clients=${1:-16}
seconds=${2:-15}
rounds=${TONGKA_BENCH_ROUNDS:-3}

bench_build
bench_cluster_start
bench_server_start
history=${TONGKA_BENCH_HISTORY_SECONDS:-10}
# Stock for every sale run at up to 5,000 sales/s (a run imports more itself if it ever needs to).
bench_setup "$clients" $(((rounds * 2 * (seconds + 2) + history + 2) * 5000))
bench_pgbench_init
bench_settle
bench_history "$clients" "$history" sale:own-shifts

sales_count() { bench_count "SELECT count(*) FROM cards"; }
ratios=()
shift_ratios=()
own_rates=()
one_rates=()
tps_all=()
for round in $(seq 1 "$rounds"); do
  statements=${TONGKA_BENCH_STATEMENTS:-}
  [ "$round" = "$rounds" ] || statements=""

  bench_say "round $round: sales, one shift per client"
  [ -n "$statements" ] && { bench_statements_reset; before=$(sales_count); }
  bench_run sale own-shifts "$clients" "$seconds"
  own=$BENCH_RATE
  [ -n "$statements" ] && bench_statements_print $(($(sales_count) - before))

  bench_say "round $round: pgbench TPC-B"
  bench_pgbench "$clients" "$seconds"
  printf 'pgbench TPC-B -M prepared, %d clients, %d s: %.1f tps\n' "$clients" "$seconds" "$BENCH_TPS"

  bench_say "round $round: sales, all clients on one shift"
  [ -n "$statements" ] && { bench_statements_reset; before=$(sales_count); }
  bench_run sale one-shift "$clients" "$seconds"
  one=$BENCH_RATE
  [ -n "$statements" ] && bench_statements_print $(($(sales_count) - before))

  own_rates+=("$own")
  one_rates+=("$one")
  tps_all+=("$BENCH_TPS")
  ratios+=("$(bench_calc "$own / $BENCH_TPS")")
  shift_ratios+=("$(bench_calc "$one / $own")")
done

echo
printf 'card sale, %d clients, %d s per run, durable commits, %d rounds\n' "$clients" "$seconds" "$rounds"
printf '  sales/s, one shift per client:   %s\n' "${own_rates[*]}"
printf '  sales/s, all on one shift:       %s\n' "${one_rates[*]}"
printf '  pgbench tps:                     %s\n' "${tps_all[*]}"
printf '  ratio sale/pgbench per round:    %s\n' "${ratios[*]}"
printf '  ratio one shift/own shifts:      %s\n' "${shift_ratios[*]}"
ratio=$(bench_median "${ratios[@]}")
shift_ratio=$(bench_median "${shift_ratios[@]}")
printf '  median ratio sale/pgbench: %.3f (target 0.25 or better)\n' "$ratio"
printf '  median ratio one shift/own shifts: %.2f (1.0: no hot row)\n' "$shift_ratio"
printf 'RESULT sales_per_s=%s one_shift_sales_per_s=%s pgbench_tps=%s ratio=%.3f one_shift_ratio=%.2f\n' \
  "$(bench_median "${own_rates[@]}")" "$(bench_median "${one_rates[@]}")" "$(bench_median "${tps_all[@]}")" \
  "$ratio" "$shift_ratio"
