#!/usr/bin/env bash
# Blacklist sizes (issue 9): on ISSUED cards under a few issuer prefixes with LISTED of them on the
# list, prints the full list's bytes per entry and its ratio to the information bound
# log2(C(issued, listed)) / 8 / listed (target 1.15 or lower) beside the text exchange format and
# raw 8-byte numbers; a delta of CHANGES scattered changes per changed card against its bound
# (target 1.15 x bound + 128 bytes); the reference validator's index memory per entry and its
# wrong answers checked against every issued card (must be 0); and the build times.
#
# Not measured yet (see the issue note): delta requests per second from validators against
# /health on the same server, and the commit-to-long-poll latency p50/p99.
#
# Usage: Scripts/bench/blacklist.sh [issued] [listed] [changes]   (default 10000000 1000000 1000)
# Builds tongka-bench in release mode first; TONGKA_BENCH_SKIP_BUILD=1 uses the binaries built.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Scripts/bench/lib.sh
issued=${1:-10000000}
listed=${2:-1000000}
changes=${3:-1000}
bench_build
"$BENCH_BIN/tongka-bench" blacklist-sizes --issued "$issued" --listed "$listed" --changes "$changes"
