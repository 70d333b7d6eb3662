#!/usr/bin/env bash
# Shared by the HTTP benchmarks (card-sale.sh, topup.sh): a release build, a private durable
# PostgreSQL cluster with pg_stat_statements, the server started as the service role, the
# benchmark's clerks and shifts, pgbench beside it, and CPU accounting. Source it from the
# repository root after `set -euo pipefail`.
#
# Progress goes to the terminal only (bench_say); figures are always printed by the caller.
# Environment: TONGKA_BENCH_STATEMENTS=1 prints the top statements after the marked runs;
# TONGKA_DATABASE_POOL and TONGKA_LOG_LEVEL pass through to the server.
source Scripts/lib/postgres.sh

bench_say() { if [ -t 1 ]; then echo "== $*"; fi; }
bench_calc() { awk "BEGIN { print $1 }"; }
# The median of the numbers given as arguments.
bench_median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Builds tongka-server and tongka-bench in release mode in .build-release (its own build
# directory, so that a debug build or a test run in .build neither waits for it nor rebuilds);
# sets BENCH_BIN. TONGKA_BENCH_SKIP_BUILD=1 uses the release binaries already built there.
# TONGKA_BENCH_BIN=DIR uses the binaries in DIR instead (a debug build for a smoke run of the
# script: its figures mean nothing).
bench_build() {
  if [ -n "${TONGKA_BENCH_BIN:-}" ]; then
    BENCH_BIN=$TONGKA_BENCH_BIN
    return 0
  fi
  local scratch=(--scratch-path "$PWD/.build-release" -c release)
  if [ -n "${TONGKA_BENCH_SKIP_BUILD:-}" ]; then
    BENCH_BIN=$PWD/.build-release/release
    return 0
  fi
  build_deps_ensure_installed
  bench_say "building tongka-server, tongka-bench and tongka-validator (release; several minutes the first time)"
  local product log
  for product in tongka-server tongka-bench tongka-validator; do
    if ! log=$(swift build "${scratch[@]}" --product "$product" 2>&1); then echo "$log" >&2; return 1; fi
  done
  BENCH_BIN=$(swift build "${scratch[@]}" --show-bin-path)
}

# Starts a private cluster in a new work directory with durable commits (fsync on,
# synchronous_commit on: what production runs) and pg_stat_statements loaded; creates the
# databases `tongka` and `pgbench`. Sets BENCH_WORK, BENCH_PG, BENCH_PG_PORT and the EXIT trap.
bench_cluster_start() {
  pg_ensure_installed
  BENCH_WORK=$(mktemp -d /tmp/tongka-bench.XXXXXX)
  chmod 755 "$BENCH_WORK"
  BENCH_PG="$BENCH_WORK/pg"
  BENCH_SERVER_PID=""
  trap bench_cleanup EXIT
  bench_say "starting PostgreSQL (durable: fsync and synchronous_commit on; pg_stat_statements)"
  BENCH_PG_PORT=$(pg_free_port)
  pg_init "$BENCH_PG" tongka
  PG_LISTEN= pg_start "$BENCH_PG" "$BENCH_PG_PORT" -c fsync=on -c synchronous_commit=on -c full_page_writes=on \
    -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c max_connections=200
  bench_psql postgres -c "CREATE DATABASE tongka" -c "CREATE DATABASE pgbench"
  bench_psql tongka -c "CREATE EXTENSION pg_stat_statements"
}

bench_cleanup() {
  if [ -n "${BENCH_SERVER_PID:-}" ]; then
    kill "$BENCH_SERVER_PID" 2>/dev/null && wait "$BENCH_SERVER_PID" 2>/dev/null || true
  fi
  [ -n "${BENCH_PG:-}" ] && pg_stop "$BENCH_PG"
  [ -n "${BENCH_WORK:-}" ] && rm -rf "$BENCH_WORK"
}

# bench_psql DATABASE [psql arguments]: as the cluster owner, over the private socket.
bench_psql() {
  local database=$1
  shift
  "$PG_BIN/psql" -X -q -h "$BENCH_PG" -p "$BENCH_PG_PORT" -U tongka -d "$database" -v ON_ERROR_STOP=1 "$@"
}

# Migrates as the owner, creates the service's login role, bootstraps and serves as that role,
# as production does. Sets BENCH_API and BENCH_SERVER_PID; the admin's one-time password is in
# $BENCH_WORK/admin-password. Password hashing is cheap and login throttles are wide, so that
# setup logs in dozens of clerks quickly; neither is on the measured path.
bench_server_start() {
  local socket="host=$BENCH_PG&port=$BENCH_PG_PORT&sslmode=disable"
  export TONGKA_MIGRATION_DATABASE_URL="postgres://tongka@/tongka?$socket"
  export TONGKA_DATABASE_URL="postgres://tongka_bench_app@/tongka?$socket"
  export TONGKA_DATA_KEY=$(head -c 32 /dev/urandom | base64)
  export TONGKA_BLACKLIST_SIGNING_KEY=$(head -c 32 /dev/urandom | base64)
  export TONGKA_ISSUER_PREFIXES=31048200 TONGKA_ISSUER_ID=31045510FFFFFFFF
  export TONGKA_LOG_LEVEL=${TONGKA_LOG_LEVEL:-warning} TONGKA_PASSWORD_COST=10
  export TONGKA_LOGIN_ADDRESS_PER_MINUTE=100000 TONGKA_LOGIN_USER_PER_MINUTE=100000
  "$BENCH_BIN/tongka-server" migrate >/dev/null
  bench_psql tongka >/dev/null <<'SQL'
SET client_min_messages = warning;
DO $$ BEGIN CREATE ROLE tongka_bench_app LOGIN IN ROLE tongka_service; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SQL
  "$BENCH_BIN/tongka-server" bootstrap --password-file "$BENCH_WORK/admin-password" >/dev/null
  BENCH_HTTP_PORT=$(pg_free_port)
  BENCH_API="http://127.0.0.1:$BENCH_HTTP_PORT"
  bench_server_serve
}

# Starts `tongka-server serve` on BENCH_HTTP_PORT (again, after a crash: the log is appended to)
# and waits until it answers its health check. Sets BENCH_SERVER_PID.
bench_server_serve() {
  # Another process on the port (a second benchmark that picked the same free port) would answer
  # the health check in our server's place and take the load.
  if curl -s -o /dev/null "$BENCH_API/health"; then
    echo "port $BENCH_HTTP_PORT is taken: is another benchmark running?" >&2
    return 1
  fi
  TONGKA_HTTP_PORT=$BENCH_HTTP_PORT "$BENCH_BIN/tongka-server" serve >>"$BENCH_WORK/server.log" 2>&1 &
  BENCH_SERVER_PID=$!
  local tries
  for tries in $(seq 1 100); do
    if curl -sf "$BENCH_API/health" >/dev/null; then
      sleep 0.2
      # Still ours: a server that could not bind has exited by now.
      kill -0 "$BENCH_SERVER_PID" 2>/dev/null && return 0
      break
    fi
    kill -0 "$BENCH_SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not start:" >&2
  tail -n 20 "$BENCH_WORK/server.log" >&2
  return 1
}

# bench_setup CLERKS CARDS: the benchmark's hall, product, CLERKS clerks with open shifts, and
# CARDS cards in the hall's stock (imported now, so that no run imports while it is measured).
bench_setup() {
  bench_say "setting up a hall, $1 clerks with open shifts and $2 cards in stock through the API"
  BENCH_STATE="$BENCH_WORK/bench-state.json"
  "$BENCH_BIN/tongka-bench" setup --state "$BENCH_STATE" --server "$BENCH_API" \
    --admin-password-file "$BENCH_WORK/admin-password" --clerks "$1" --cards "$2"
}

# Vacuums and analyses the databases after setup and writes a checkpoint, so that autovacuum of
# the freshly imported stock and pgbench's tables does not run (and count) during the runs.
bench_settle() {
  bench_say "vacuuming and analysing after setup"
  bench_psql tongka -c "VACUUM ANALYZE"
  bench_psql pgbench -c "VACUUM ANALYZE"
  bench_psql postgres -c "CHECKPOINT"
}

# bench_history CLIENTS SECONDS SCENARIO:MODE...: the operations of each SCENARIO:MODE for SECONDS,
# not measured, then bench_settle. A new database is what the setup leaves: the journal, the
# accounts and the loads hold a few rows, and every plan the server's connections cache while they
# do (its prepared statements, the triggers' queries and PostgreSQL's own foreign-key checks)
# stays a sequential scan for the connection's life, however large the table grows during the
# runs; on 2026-12-04 that was about half of PostgreSQL's time per sale. An operator's database
# has history, and autovacuum's ANALYZE invalidates those plans as it grows; this gives the
# benchmark's database some (a few thousand rows of each), and the ANALYZE of bench_settle makes
# every connection plan again from statistics of a table in use.
bench_history() {
  local clients=$1 seconds=$2 run
  shift 2
  for run in "$@"; do
    bench_say "history: ${run%%:*} (${run#*:}) for $seconds s, not measured"
    bench_run "${run%%:*}" "${run#*:}" "$clients" "$seconds" >/dev/null
  done
  bench_settle
}

# bench_run SCENARIO MODE CLIENTS SECONDS: one run of tongka-bench (BENCH_RUN_OPTIONS: more options
# of `tongka-bench run`, split on spaces); prints its report and sets
# BENCH_RATE (operations/s) and BENCH_RESULT (its RESULT line), BENCH_SERVER_MS and BENCH_PG_MS
# (CPU milliseconds per operation of the server and of all PostgreSQL processes).
bench_run() {
  local scenario=$1 mode=$2 clients=$3 seconds=$4 output server_before pg_before server_after pg_after operations
  server_before=$(bench_cpu_ticks "$BENCH_SERVER_PID")
  pg_before=$(bench_pg_cpu_ticks)
  # shellcheck disable=SC2086 # BENCH_RUN_OPTIONS is a list of words
  output=$("$BENCH_BIN/tongka-bench" run "$scenario" --state "$BENCH_STATE" --mode "$mode" --clients "$clients" \
    --seconds "$seconds" --warmup 2 ${BENCH_RUN_OPTIONS:-})
  server_after=$(bench_cpu_ticks "$BENCH_SERVER_PID")
  pg_after=$(bench_pg_cpu_ticks)
  BENCH_RESULT=$(echo "$output" | grep '^RESULT ')
  BENCH_RATE=$(echo "$BENCH_RESULT" | sed -n 's/.* ops_per_s=\([0-9.]*\).*/\1/p')
  operations=$(echo "$BENCH_RESULT" | sed -n 's/.* operations=\([0-9]*\).*/\1/p')
  local errors
  errors=$(echo "$BENCH_RESULT" | sed -n 's/.* errors=\([0-9]*\).*/\1/p')
  # Warm-up operations use CPU too: count them at the measured rate.
  local all
  all=$(bench_calc "$operations * ($seconds + 2) / $seconds")
  BENCH_SERVER_MS=$(bench_calc "($server_after - $server_before) * 1000 / $BENCH_CLK_TCK / ($all > 0 ? $all : 1)")
  BENCH_PG_MS=$(bench_calc "($pg_after - $pg_before) * 1000 / $BENCH_CLK_TCK / ($all > 0 ? $all : 1)")
  echo "$output" | grep -v '^RESULT '
  printf '  CPU per operation: server %.2f ms, PostgreSQL %.2f ms\n' "$BENCH_SERVER_MS" "$BENCH_PG_MS"
  if [ "${errors:-0}" != 0 ]; then
    echo "  $errors operations were refused; the server's log ends:" >&2
    tail -n 5 "$BENCH_WORK/server.log" >&2
  fi
}

# pgbench TPC-B on its own database of the same cluster: initialised once at scale 10.
bench_pgbench_init() {
  bench_say "initialising pgbench (scale 10)"
  "$PG_BIN/pgbench" -i -s 10 -q -h "$BENCH_PG" -p "$BENCH_PG_PORT" -U tongka pgbench >/dev/null 2>&1
}

# bench_pgbench CLIENTS SECONDS: sets BENCH_TPS.
bench_pgbench() {
  local output
  output=$("$PG_BIN/pgbench" -M prepared -c "$1" -j 2 -T "$2" -h "$BENCH_PG" -p "$BENCH_PG_PORT" -U tongka pgbench 2>&1)
  BENCH_TPS=$(echo "$output" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -n 1)
  [ -n "$BENCH_TPS" ] || { echo "$output" >&2; return 1; }
}

# Forgets the statement statistics gathered so far (before a run whose statements are printed).
bench_statements_reset() {
  bench_psql tongka -At -c "SELECT pg_stat_statements_reset()" >/dev/null
}

# bench_statements_print OPERATIONS: the statements of the `tongka` database by total time since
# the last reset, with calls per operation (OPERATIONS: what the database did meanwhile).
bench_statements_print() {
  local operations=$1
  echo "  top statements by total time (calls per operation over $operations operations):"
  bench_psql tongka -At -F $'\t' -c "
    SELECT round(total_exec_time::numeric, 0), round((100 * total_exec_time / sum(total_exec_time) OVER ())::numeric, 1),
           round(calls::numeric / greatest($operations, 1), 2), round(mean_exec_time::numeric, 3),
           left(regexp_replace(query, '\s+', ' ', 'g'), 110)
      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
     WHERE d.datname = 'tongka' ORDER BY total_exec_time DESC LIMIT ${TONGKA_BENCH_STATEMENTS_TOP:-15}" |
    awk -F '\t' 'BEGIN { printf "  %9s %6s %8s %9s  %s\n", "total ms", "%", "per op", "mean ms", "statement" }
                 { printf "  %9s %6s %8s %9s  %s\n", $1, $2, $3, $4, $5 }'
}

# The rows a query counts in the tongka database (for statement statistics per operation).
bench_count() { bench_psql tongka -At -c "$1"; }

BENCH_CLK_TCK=$(getconf CLK_TCK)

# CPU ticks (user + system, with reaped children) a process has used.
bench_cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# CPU ticks of the whole PostgreSQL cluster: the postmaster, its live children (backends,
# autovacuum, checkpointer, WAL writer) and the children it has reaped.
bench_pg_cpu_ticks() {
  local postmaster total child
  postmaster=$(head -n 1 "$BENCH_PG/postmaster.pid")
  total=$(bench_cpu_ticks "$postmaster")
  for child in $(ps -o pid= --ppid "$postmaster"); do
    total=$((total + $(bench_cpu_ticks "$child")))
  done
  echo "$total"
}
