#!/usr/bin/env bash
# Blacklist benchmark (issue 9). Part one, no server: on ISSUED cards under a few issuer prefixes
# with LISTED of them on the list, the full list's bytes per entry and its ratio to the
# information bound log2(C(issued, listed)) / 8 / listed (target 1.15 or lower) beside the text
# exchange format and raw 8-byte numbers; a delta of CHANGES scattered changes per changed card
# against its bound (target 1.15 x bound + 128 bytes); the reference validator's index memory per
# entry and its wrong answers checked against every issued card (must be 0); build times.
#
# Part two, on a private durable cluster and a release server: VALIDATORS registered validators
# download a delta (100 changes behind) as fast as 64 concurrent requests go (each validator one
# request at a time, as a device), then /health the same way on the same server: the ratio
# (minimum 0.5, target 0.8). Then 200 of them long-poll
# while single additions are committed: time from sending the addition to each validator's
# answer, p50 and p99 (target p99 under one second).
#
# Usage: Scripts/bench/blacklist.sh [issued] [listed] [changes] [validators] [seconds]
#        (default 10000000 1000000 1000 1000 10)
# Builds in release mode first; TONGKA_BENCH_SKIP_BUILD=1 uses the binaries built,
# TONGKA_BENCH_BIN=DIR the binaries in DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Scripts/bench/lib.sh
issued=${1:-10000000}
listed=${2:-1000000}
changes=${3:-1000}
validators=${4:-1000}
seconds=${5:-10}
bench_build
bench_say "part one: sizes (no server)"
"$BENCH_BIN/tongka-bench" blacklist-sizes --issued "$issued" --listed "$listed" --changes "$changes"

bench_say "part two: $validators validators against a server"
bench_cluster_start
bench_server_start
bench_setup 1 10
admin_token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["adminToken"])' "$BENCH_STATE")
"$BENCH_BIN/tongka-validator" load --server "$BENCH_API" --admin-token "$admin_token" \
  --validators "$validators" --seconds "$seconds"
