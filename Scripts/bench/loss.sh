#!/usr/bin/env bash
# Loss-report benchmark (issue 11), on a private durable cluster and a release server:
# VALIDATORS simulated validators long-poll the blacklist (each holds a connection open and
# acknowledges every version it receives, as `tongka-validator run` does); REPORTS registered cards
# are reported lost through self-service, one after the other. For each report, the time from
# sending it to each validator having applied the version that lists the card: p50, p99 and the
# worst over all validators and reports (target p99 under one second). Then the self-service answer
# time for a registered card with a wrong document, a card number never issued and an anonymous
# card, PROBES of each interleaved, side by side with the answers they got: the times must not
# differ measurably and the answers not at all.
#
# Usage: Scripts/bench/loss.sh [validators] [reports] [probes]   (default 1000 20 200)
# Builds in release mode first; TONGKA_BENCH_SKIP_BUILD=1 uses the binaries built,
# TONGKA_BENCH_BIN=DIR the binaries in DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Scripts/bench/lib.sh
validators=${1:-1000}
reports=${2:-20}
probes=${3:-200}
# A connection per long-polling validator, on both sides.
ulimit -n $(( validators * 2 + 1024 )) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bench_build
bench_cluster_start
# The benchmark is one client address reporting many cards: the self-service limits (20 an hour
# per address, 10 a day per card by default) would refuse it. The answer floor stays as shipped.
export TONGKA_LOSS_ADDRESS_PER_HOUR=1000000 TONGKA_LOSS_CARD_PER_DAY=1000000
bench_server_start
bench_setup 1 0
bench_say "$validators validators long-polling, $reports reports, $probes self-service probes per kind"
"$BENCH_BIN/tongka-bench" loss --state "$BENCH_STATE" --validators "$validators" --reports "$reports" --probes "$probes"
