#!/usr/bin/env bash
# Crash test of top-ups: the load of Scripts/bench/topup.sh (N counters doing complete purse loads
# on software cards: authorise, CREDIT FOR LOAD, confirm) while, at random moments, the server is
# killed with `kill -9` and started again or PostgreSQL is stopped in immediate mode (a crash:
# recovery from the WAL on start) and started again. The clients repeat every unanswered request
# with its idempotency key and body until it is answered, and write down each top-up the server
# confirmed to them.
#
# Afterwards it prints, from the database and the clients' record:
#   acknowledged  top-ups the clients were told are done (and how many needed a request sent
#                 again, how many were answered by the stored answer of an earlier attempt);
#   lost          acknowledged, but no confirmed load with that key and load id in the database;
#   doubled       idempotency keys with more than one load posting (card_load journal transaction);
#   unacknowledged confirmed loads the clients never heard of, loads left open, cards whose
#                 back-office balance differs from the last balance their client was told;
# and runs the ledger check. Exits non-zero unless lost, doubled and mismatched cards are zero and
# the ledger check passes.
#
# Usage: Scripts/crash.sh [clients] [cycles]        (default 8 clients, 20 cycles)
# TONGKA_BENCH_SKIP_BUILD=1 / TONGKA_BENCH_BIN=DIR as for the benchmarks (Scripts/bench/lib.sh);
# TONGKA_CRASH_SEED fixes the random moments.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/bench/lib.sh
clients=${1:-8}
cycles=${2:-20}
RANDOM=${TONGKA_CRASH_SEED:-$$}

bench_build
bench_cluster_start
"$BENCH_BIN/tongka-server" keys generate --out "$BENCH_WORK/card-keys.json" --issuer-id 31045510FFFFFFFF >/dev/null
export TONGKA_CARD_KEYS_FILE="$BENCH_WORK/card-keys.json" TONGKA_LOAD_DAILY_LIMIT_FEN=100000000
bench_server_start
bench_setup "$clients" 0
acks="$BENCH_WORK/acknowledged.txt"
: >"$acks"

# Each cycle waits 1 to 3 s, then crashes one part; the load runs past the last cycle.
seconds=$((cycles * 5 + 10))
say() { echo "== $*"; }
say "top-ups by $clients clients for up to ${seconds}s, $cycles crashes"
"$BENCH_BIN/tongka-bench" run topup --state "$BENCH_STATE" --mode own-shifts --clients "$clients" \
  --seconds "$seconds" --warmup 0 --card-keys "$BENCH_WORK/card-keys.json" --retry-unanswered \
  --acknowledged "$acks" >"$BENCH_WORK/load.txt" 2>&1 &
load_pid=$!

server_kills=0
pg_restarts=0
for cycle in $(seq 1 "$cycles"); do
  sleep "$((1 + RANDOM % 3)).$((RANDOM % 10))"
  kill -0 "$load_pid" 2>/dev/null || { echo "the load stopped early:" >&2; cat "$BENCH_WORK/load.txt" >&2; exit 1; }
  if [ $((RANDOM % 2)) = 0 ]; then
    say "cycle $cycle: kill -9 the server ($(wc -l <"$acks") top-ups acknowledged so far)"
    kill -9 "$BENCH_SERVER_PID"
    wait "$BENCH_SERVER_PID" 2>/dev/null || true
    bench_server_serve
    server_kills=$((server_kills + 1))
  else
    say "cycle $cycle: PostgreSQL stopped in immediate mode and started ($(wc -l <"$acks") top-ups acknowledged so far)"
    (cd "$BENCH_PG" && pg_as "$PG_BIN/pg_ctl" -D "$BENCH_PG" -m immediate -w -t 120 restart -l "$BENCH_PG/server.log" >/dev/null)
    pg_restarts=$((pg_restarts + 1))
  fi
done
say "crashes done; the load finishes its ${seconds}s"
status=0
wait "$load_pid" || status=$?
cat "$BENCH_WORK/load.txt"
[ "$status" = 0 ] || { echo "the load failed (exit $status)" >&2; exit 1; }

# The clients' record next to the database's.
bench_psql tongka -c "CREATE TABLE crash_acks (idempotency_key text, load_id bigint, card_number text, new_balance_fen bigint,
                                               authorise_attempts int, confirm_attempts int, replayed boolean)"
bench_psql tongka -c "\\copy crash_acks FROM '$acks' WITH (DELIMITER ' ')"
figures=$(bench_psql tongka -At -F ' ' <<'SQL'
SELECT (SELECT count(*) FROM crash_acks),
       (SELECT count(*) FROM crash_acks a
         WHERE NOT EXISTS (SELECT 1 FROM loads l JOIN journal_transactions t ON t.transaction_id = l.transaction_id
                            WHERE l.load_id = a.load_id AND l.state = 'confirmed' AND t.idempotency_key = a.idempotency_key
                              AND t.kind = 'card_load')),
       (SELECT count(*) FROM (SELECT idempotency_key FROM journal_transactions WHERE kind = 'card_load'
                              GROUP BY clerk_id, idempotency_key HAVING count(*) > 1) doubled),
       (SELECT count(*) FROM loads l WHERE l.state = 'confirmed'
           AND NOT EXISTS (SELECT 1 FROM crash_acks a WHERE a.load_id = l.load_id)),
       (SELECT count(*) FROM loads WHERE state IN ('mac2_issued', 'grey')),
       (SELECT count(*) FROM (SELECT DISTINCT ON (card_number) card_number, new_balance_fen FROM crash_acks
                               ORDER BY card_number, new_balance_fen DESC) last
          JOIN ledger_accounts p ON p.kind = 'card_purse' AND p.card_number = last.card_number
         WHERE p.balance_fen <> last.new_balance_fen),
       (SELECT count(*) FROM crash_acks WHERE authorise_attempts > 1 OR confirm_attempts > 1),
       (SELECT count(*) FROM crash_acks WHERE replayed)
SQL
)
read -r acknowledged lost doubled unacknowledged open mismatched repeated replayed <<<"$figures"
admin_token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["adminToken"])' "$BENCH_STATE")
check=$(curl -sf -H "Authorization: Bearer $admin_token" "$BENCH_API/v1/ledger/check")
ledger_passed=$(echo "$check" | python3 -c 'import json,sys; print("passed" if json.load(sys.stdin)["passed"] else "FAILED")')

echo
echo "crash test: $clients clients, $cycles crashes ($server_kills server kills, $pg_restarts PostgreSQL restarts)"
echo "  acknowledged top-ups:          $acknowledged"
echo "    of which a request was sent again: $repeated; answered by a stored authorisation: $replayed"
echo "  lost (acknowledged, not in the database): $lost"
echo "  doubled (keys posted twice):   $doubled"
echo "  confirmed but never acknowledged: $unacknowledged"
echo "  loads left open (MAC2 issued, no TAC): $open"
echo "  cards whose balance differs from the last one acknowledged: $mismatched"
echo "  ledger check: $ledger_passed"
echo "RESULT acknowledged=$acknowledged repeated=$repeated replayed=$replayed lost=$lost doubled=$doubled unacknowledged=$unacknowledged open=$open mismatched=$mismatched ledger=$ledger_passed"
[ "$acknowledged" -gt 0 ] && [ "$lost" = 0 ] && [ "$doubled" = 0 ] && [ "$mismatched" = 0 ] && [ "$ledger_passed" = passed ]
