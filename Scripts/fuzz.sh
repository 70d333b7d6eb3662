#!/usr/bin/env bash
# OpenAPI fuzz run: schemathesis against the served document, once with each role's token.
#
# Installs schemathesis from PyPI into a private virtual environment (.build-fuzz/venv, ignored
# by git), builds the server and the counter (TONGKA_FUZZ_SKIP_BUILD=1 skips that), starts a
# throwaway PostgreSQL cluster and the server on free ports, seeds a hall, a product, stock, a
# clerk, a supervisor and an auditor (one-time passwords changed), an open shift for the clerk and
# a closed one for the supervisor, then runs every schemathesis check for the admin, auditor,
# supervisor and clerk tokens, and a last pass for logout with a token of its own.
#
# Holds at zero server errors, zero response-schema violations, zero schema-valid requests
# rejected and zero schema-invalid requests accepted (every check schemathesis has; any failure
# exits non-zero). Prints the requests tried per operation.
#
# What the document says and what the fuzzer is told (each choice also commented where it is made):
# - Every rule of a single value is in Sources/TongkaAPI/openapi.yaml (codes, names, passwords,
#   document numbers, phones, days, amounts), with the domain's error code as `x-error-code`.
# - Rules across members, or on the server's configuration, cannot be written into the document
#   without swift-openapi-generator generating composed types for the bodies; Scripts/fuzz/hooks.py
#   makes schema-valid requests follow them (holderId or holderDocument, payment references by
#   channel, the configured card-number prefix and float limit, document-number rules by type,
#   product sale rules, `from` not after `to`, a hall for hall-bound clerks, an allocation between
#   two halls). Schema-invalid requests go as generated.
# - importStock's CSV body cannot be described by a schema: Scripts/fuzz/schemathesis.toml lets
#   positive_data_acceptance take its documented refusals (400 stock_file_empty, 422
#   stock_file_invalid) for that one operation.
#
# Usage: Scripts/fuzz.sh [--seed N|random] [--max-examples N] [--workers N] [--phases LIST]
#                        [--roles LIST] [-- extra `st run` options]
# Environment: TONGKA_FUZZ_SEED, TONGKA_FUZZ_MAX_EXAMPLES, TONGKA_FUZZ_WORKERS, TONGKA_FUZZ_PHASES,
#   TONGKA_FUZZ_ROLES, TONGKA_FUZZ_ROLE_TIMEOUT (seconds, default 300), TONGKA_FUZZ_SKIP_BUILD=1,
#   TONGKA_FUZZ_REPORT_DIR (default .build-fuzz/report), TONGKA_FUZZ_KEEP_IDEMPOTENCY_KEYS=1 (see
#   Scripts/fuzz/hooks.py). Scripts/fuzz/analyze.py REPORT_DIR regroups a run's failures.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source Scripts/lib/postgres.sh

SCHEMATHESIS_VERSION='4.32.*'
seed=${TONGKA_FUZZ_SEED:-20261201}
max_examples=${TONGKA_FUZZ_MAX_EXAMPLES:-20}
workers=${TONGKA_FUZZ_WORKERS:-2}
phases=${TONGKA_FUZZ_PHASES:-examples,coverage,fuzzing,stateful}
roles=${TONGKA_FUZZ_ROLES:-auditor,supervisor,clerk,admin,logout}
# A hard stop for one role's run (a hung server must not hold CI): seconds.
role_timeout=${TONGKA_FUZZ_ROLE_TIMEOUT:-300}
report_dir=${TONGKA_FUZZ_REPORT_DIR:-$repo/.build-fuzz/report}
extra=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --seed) seed=$2; shift 2 ;;
    --seed=*) seed=${1#*=}; shift ;;
    --max-examples) max_examples=$2; shift 2 ;;
    --max-examples=*) max_examples=${1#*=}; shift ;;
    --workers) workers=$2; shift 2 ;;
    --workers=*) workers=${1#*=}; shift ;;
    --phases) phases=$2; shift 2 ;;
    --phases=*) phases=${1#*=}; shift ;;
    --roles) roles=$2; shift 2 ;;
    --roles=*) roles=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 64 ;;
  esac
done
if [ "$seed" = random ]; then seed=$(( (RANDOM << 15 | RANDOM) )); fi
case $seed in ''|*[!0-9]*) echo "--seed takes a whole number or 'random'" >&2; exit 64 ;; esac
started=$(date +%s)

# --- schemathesis in a private virtual environment -------------------------------------------
venv="$repo/.build-fuzz/venv"
if [ ! -x "$venv/bin/st" ] || [ "$(cat "$venv/.tongka-pin" 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  echo "$SCHEMATHESIS_VERSION" >"$venv/.tongka-pin"
fi
echo "== $("$venv/bin/st" --version)"

# --- build ------------------------------------------------------------------------------------
if [ "${TONGKA_FUZZ_SKIP_BUILD:-}" != 1 ]; then
  echo "== building tongka-server and tongka-counter (debug)"
  swift build --product tongka-server
  swift build --product tongka-counter
fi
bin="$repo/.build/debug"
for tool in tongka-server tongka-counter; do
  [ -x "$bin/$tool" ] || { echo "$bin/$tool is missing; build it (or drop TONGKA_FUZZ_SKIP_BUILD)" >&2; exit 1; }
done

# --- a throwaway cluster and the server -------------------------------------------------------
pg_ensure_installed
data=$(mktemp -d /tmp/tongka-fuzz.XXXXXX)
chmod 755 "$data"
server_pid=""
cleanup() {
  local status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  pg_stop "$data/pg"
  if [ -f "$data/server.log" ] && [ -d "$report_dir" ]; then cp "$data/server.log" "$report_dir/server.log"; fi
  rm -rf "$data"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The report directory is emptied first: only one this script made (it holds a marker).
if [ -d "$report_dir" ] && [ -n "$(ls -A "$report_dir")" ] && [ ! -f "$report_dir/.tongka-fuzz-report" ]; then
  echo "$report_dir is not empty and not a fuzz report directory; choose another TONGKA_FUZZ_REPORT_DIR" >&2
  exit 64
fi
rm -rf "$report_dir"
mkdir -p "$report_dir"
touch "$report_dir/.tongka-fuzz-report"

# A private copy of the binaries and their resource bundles: a build during the run must not
# swap them under the server.
mkdir "$data/bin"
cp "$bin/tongka-server" "$bin/tongka-counter" "$data/bin/"
cp -R "$bin"/*.resources "$data/bin/" 2>/dev/null || true
bin="$data/bin"

pg_port=$(pg_free_port)
pg_init "$data/pg" tongka
# Socket only with trust authentication, durability off: the cluster is thrown away.
PG_LISTEN= pg_start "$data/pg" "$pg_port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off
http_port=$(pg_free_port)
server="http://127.0.0.1:$http_port"

export TONGKA_DATABASE_URL="postgres://tongka@/postgres?host=$data/pg&port=$pg_port&sslmode=disable"
TONGKA_DATA_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
export TONGKA_DATA_KEY
TONGKA_BLACKLIST_SIGNING_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
export TONGKA_BLACKLIST_SIGNING_KEY
export TONGKA_ISSUER_PREFIXES=31048200 TONGKA_ISSUER_ID=31045510FFFFFFFF TONGKA_PASSWORD_COST=10
export TONGKA_HTTP_HOST=127.0.0.1 TONGKA_HTTP_PORT=$http_port TONGKA_TIMEZONE=Asia/Shanghai
# Fuzzed logins and password changes send wrong passwords by the thousand: a lockout would turn
# the rest of the run into `account_locked`. (Lockout has tests of its own.)
# Login rate limits likewise (servers without them ignore the variables).
export TONGKA_LOCKOUT_THRESHOLD=1000000 TONGKA_LOCKOUT_USER_THRESHOLD=1000000
export TONGKA_LOGIN_ADDRESS_PER_MINUTE=1000000 TONGKA_LOGIN_USER_PER_MINUTE=1000000 TONGKA_LOGIN_HASH_CONCURRENCY=8
export TONGKA_AUDIT_SEAL_SECONDS=1
# A throwaway cluster whose only role is the superuser that owns everything (newer servers refuse
# that unless told it is a throwaway database).
export TONGKA_DATABASE_ALLOW_OWNER=true
unset TONGKA_METRICS_TOKEN
# Card master keys of a throwaway operator, so the load endpoints check MACs rather than answer
# card_keys_unavailable.
"$bin/tongka-server" keys generate --out "$data/card-keys.json" --issuer-id "$TONGKA_ISSUER_ID" >/dev/null
export TONGKA_CARD_KEYS_FILE="$data/card-keys.json"

echo "== migrating and bootstrapping (PostgreSQL on the socket in $data/pg, port $pg_port)"
"$bin/tongka-server" migrate >"$data/migrate.log" 2>&1 || { cat "$data/migrate.log" >&2; exit 1; }
"$bin/tongka-server" bootstrap --password-file "$data/admin-password" >"$data/bootstrap.log" 2>&1 \
  || { cat "$data/bootstrap.log" >&2; exit 1; }

echo "== serving on $server"
"$bin/tongka-server" serve >"$data/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  if curl -fsS "$server/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$data/server.log" >&2; echo "the server stopped" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$server/ready" >/dev/null || { tail -n 40 "$data/server.log" >&2; echo "the server is not ready" >&2; exit 1; }

# --- seed: hall, product, stock, staff of each role, shifts -----------------------------------
export TONGKA_SERVER=$server TONGKA_LANG=en
counter() { # counter SESSION-NAME ARGS...: tongka-counter with a session file per person
  local who=$1
  shift
  TONGKA_SESSION_FILE="$data/session-$who.json" "$bin/tongka-counter" "$@"
}
seed_step() { # seed_step DESCRIPTION COMMAND...: quiet unless it fails
  local what=$1
  shift
  if ! "$@" >"$data/step.log" 2>&1; then
    echo "seeding failed: $what" >&2
    cat "$data/step.log" >&2
    exit 1
  fi
}
json_field() { # json_field KEY < JSON: one top-level field (jq is not on every machine)
  "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
password="Fuzz-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')-pw"

echo "== seeding: hall CS01, product STD, 200 cards, clerk, supervisor, auditor, shifts"
admin_otp=$(awk '{print $2}' "$data/admin-password")
TONGKA_PASSWORD=$admin_otp TONGKA_NEW_PASSWORD=$password seed_step "admin login" counter admin login --user admin
seed_step "hall add" counter admin hall add --code CS01 --name 五一广场服务网点 --json
seed_step "product add" counter admin product add --code STD --name 普通互联互通卡 --deposit 20 --cost 0 --modes bus,metro,ferry --json
stock="$data/factory.csv"
{
  echo "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"
  for i in $(seq 1 200); do
    printf '31048200%011d,31045510FFFFFFFF,20260101,20361231,1,A%07X\n' "$i" "$i"
  done
} >"$stock"
seed_step "stock import" counter admin stock import "$stock" --product STD --json
seed_step "stock allocate" counter admin stock allocate --product STD --hall CS01 --quantity 100 --json

add_clerk() { # add_clerk USER NAME ROLE [HALL]: creates the account and changes its one-time password
  local user=$1 name=$2 role=$3 hall=${4:-} otp
  local args=(clerk add --user "$user" --name "$name" --role "$role" --json)
  [ -n "$hall" ] && args+=(--hall "$hall")
  seed_step "clerk add $user" counter admin "${args[@]}"
  otp=$(json_field oneTimePassword <"$data/step.log")
  TONGKA_PASSWORD=$otp TONGKA_NEW_PASSWORD=$password seed_step "login $user" counter "$user" login --user "$user"
}
add_clerk zhangsan 张三 clerk CS01
add_clerk lisi 李四 supervisor CS01
add_clerk wang 王审计 auditor

# The supervisor's shift: opened, a registered card sold, closed short (a closed shift with a
# difference, a holder with a card, a payment by WeChat for the fuzzer's reads to meet).
seed_step "supervisor shift open" counter lisi shift open --float 500
seed_step "holder register" counter lisi holder register --name 王小明 --doc-type resident_id \
  --doc-number 11010519491231002X --phone 13812345678 --json
holder_id=$(json_field id <"$data/step.log")
seed_step "card issue (registered)" counter lisi card issue 3104820000000000001 --holder "$holder_id" --pay wechat_pay --reference WX20261201000001 --json
seed_step "card issue (anonymous)" counter lisi card issue 3104820000000000002 --json
seed_step "supervisor shift close" counter lisi shift close --counted 510
# The clerk's shift stays open for the fuzzer's money commands.
seed_step "clerk shift open" counter zhangsan shift open --float 500

login_token() { # login_token USER: a fresh session of its own for schemathesis
  curl -fsS -X POST "$server/v1/sessions" -H 'Content-Type: application/json' \
    -d "$(FUZZ_USER=$1 FUZZ_PASSWORD=$password "$venv/bin/python" -c \
      'import json, os; print(json.dumps({"username": os.environ["FUZZ_USER"], "password": os.environ["FUZZ_PASSWORD"]}))')" \
    | json_field token
}
declare -A user_of=([admin]=admin [auditor]=wang [supervisor]=lisi [clerk]=zhangsan [logout]=wang)

# The document under test is the one the server serves (to logged-in staff only).
admin_token=$(login_token admin)
curl -fsS "$server/openapi.yaml" -H "Authorization: Bearer $admin_token" -o "$report_dir/openapi.yaml"
if ! cmp -s "$report_dir/openapi.yaml" Sources/TongkaAPI/openapi.yaml; then
  echo "note: the served document differs from Sources/TongkaAPI/openapi.yaml (a build older than the sources?)"
fi

# --- schemathesis, once per role --------------------------------------------------------------
# No __pycache__ beside the hooks in the work tree.
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$repo/Scripts/fuzz${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
echo "== fuzzing with seed $seed (repeat: Scripts/fuzz.sh --seed $seed), $max_examples examples per operation, phases $phases"
failed_roles=()
IFS=, read -r -a role_list <<<"$roles"
# Every session is made before the fuzzing starts, so that nothing the fuzzer does to logins
# (rate limits, lockouts) can keep a later role from running.
declare -A token_of=()
for role in "${role_list[@]}"; do
  user=${user_of[$role]:-}
  [ -n "$user" ] || { echo "unknown role $role (admin, auditor, supervisor, clerk, logout)" >&2; exit 64; }
  token_of[$role]=$(login_token "$user")
done
for role in "${role_list[@]}"; do
  user=${user_of[$role]}
  token=${token_of[$role]}
  filter=(--exclude-operation-id logout)
  # Logout ends the token it is called with, so it runs alone, last, with a session of its own.
  [ "$role" = logout ] && filter=(--include-operation-id logout)
  out="$report_dir/$role"
  mkdir -p "$out"
  echo
  echo "== [$role] as $user"
  status=0
  (cd "$out" && timeout --signal=INT --kill-after=30 "$role_timeout" "$venv/bin/st" \
    --config-file "$repo/Scripts/fuzz/schemathesis.toml" run "$report_dir/openapi.yaml" \
    --url "$server" \
    -H "Authorization: Bearer $token" \
    --checks all \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --workers "$workers" \
    --phases "$phases" \
    --generation-database none \
    --request-timeout 10 \
    --suppress-health-check all \
    --continue-on-failure \
    --report junit,json,ndjson --report-dir "$out" \
    --no-color \
    "${filter[@]}" ${extra[@]+"${extra[@]}"}) >"$out/st.log" 2>&1 || status=$?
  # Errors that are not an answer of the API (a hook that raised, a request that never got an
  # answer) are described only in this block; CI shows the first lines of it.
  if [ "$status" != 0 ]; then
    sed -n '/^=* ERRORS =*$/,/^=* SUMMARY =*$/p' "$out/st.log" | head -n 80
  fi
  # The summary block of schemathesis' own output: failures by kind, then the totals.
  sed -n '/^=* SUMMARY =*$/,$p' "$out/st.log"
  [ "$status" = 124 ] && echo "== [$role] stopped after ${role_timeout}s (TONGKA_FUZZ_ROLE_TIMEOUT)"
  if [ "$status" != 0 ]; then
    failed_roles+=("$role")
    echo "== [$role] failed (exit $status); details: $out/st.log"
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server died during the $role run" >&2
    tail -n 40 "$data/server.log" >&2
    failed_roles+=("server")
    break
  fi
done

echo
PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" "$repo/Scripts/fuzz/summary.py" "$report_dir" "${role_list[@]}"
if [ ${#failed_roles[@]} -gt 0 ]; then
  # Every failing request grouped by kind, operation and server answer, with a curl for each.
  "$venv/bin/python" "$repo/Scripts/fuzz/analyze.py" "$report_dir" "${role_list[@]}" >"$report_dir/failures.txt" || true
  echo
  echo "== failures in detail (also in $report_dir/failures.txt; \$SERVER and \$TOKEN are the run's, \$KEY a fresh idempotency key)"
  cut -c1-400 "$report_dir/failures.txt"
fi
elapsed=$(( $(date +%s) - started ))
echo
echo "== fuzz run took ${elapsed}s; seed $seed; reports in $report_dir"
if [ ${#failed_roles[@]} -gt 0 ]; then
  echo "== FAILED for: ${failed_roles[*]}"
  exit 1
fi
echo "== no failures"
