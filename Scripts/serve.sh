#!/usr/bin/env bash
# Sets up and runs Tongka on 127.0.0.1:8080 (TONGKA_HTTP_PORT to change).
#
# On a fresh machine: builds, creates .tongka/ with fresh secrets, starts a private PostgreSQL
# cluster for the project (unless TONGKA_DATABASE_URL is set), migrates, bootstraps the first
# hall and admin on the first run (the one-time password is printed and kept in
# .tongka/admin-password, mode 0600), then serves until Ctrl-C and stops the private cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source Scripts/lib/postgres.sh

state="$repo/.tongka"
mkdir -p "$state"
chmod 700 "$state"
config="$state/server.env"
configuration=${TONGKA_BUILD_CONFIGURATION:-debug}

build_deps_ensure_installed
echo "== building ($configuration)"
swift build -c "$configuration" --product tongka-server
swift build -c "$configuration" --product tongka-counter
bin=$(swift build -c "$configuration" --show-bin-path)

random_base64() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }

if [ ! -f "$config" ]; then
  echo "== writing $config (fresh secrets; keep this file private)"
  umask 077
  cat >"$config" <<CONF
# Tongka settings for this checkout, made by Scripts/serve.sh. See README "Configuration".
TONGKA_DATA_KEY=$(random_base64)
TONGKA_ISSUER_PREFIXES=31048200
TONGKA_ISSUER_ID=31045510FFFFFFFF
TONGKA_TIMEZONE=Asia/Shanghai
CONF
  umask 022
fi
# Checkouts configured before the blacklist (issue 9) get their signing key now.
if ! grep -q '^TONGKA_BLACKLIST_SIGNING_KEY=' "$config"; then
  (umask 077 && echo "TONGKA_BLACKLIST_SIGNING_KEY=$(random_base64)" >>"$config")
fi

cluster=""
if [ -z "${TONGKA_DATABASE_URL:-}" ] && ! grep -q '^TONGKA_DATABASE_URL=' "$config"; then
  pg_ensure_installed
  # The cluster lives where the postgres user can enter when we run as root.
  if [ "$(id -u)" = 0 ]; then
    cluster=${TONGKA_PGDATA:-/var/tmp/tongka-$(echo -n "$repo" | sha256sum | cut -c1-12)/pgdata}
    # The postgres user must be able to enter the parent; only change a directory we create.
    if [ ! -d "$(dirname "$cluster")" ]; then
      mkdir -p "$(dirname "$cluster")"
      chmod 755 "$(dirname "$cluster")"
    fi
  else
    cluster=${TONGKA_PGDATA:-$state/pgdata}
  fi
  if [ -f "$cluster/PG_VERSION" ] && [ ! -f "$state/db-password" ]; then
    echo "A database cluster exists in $cluster, but its password ($state/db-password) is gone." >&2
    echo "It holds data encrypted with the old $config key. Restore .tongka/, or remove $cluster to start afresh." >&2
    exit 1
  fi
  if [ ! -f "$state/db-password" ]; then
    (umask 077 && random_base64 | tr -d '/+=' >"$state/db-password")
  fi
  if [ ! -f "$state/db-service-password" ]; then
    (umask 077 && random_base64 | tr -d '/+=' >"$state/db-service-password")
  fi
  if [ ! -f "$cluster/PG_VERSION" ]; then
    echo "== creating a private PostgreSQL cluster in $cluster"
    pwfile=$(mktemp /tmp/tongka-pw.XXXXXX)
    trap 'rm -f "$pwfile"' EXIT
    cp "$state/db-password" "$pwfile"
    pg_init "$cluster" tongka "$pwfile"
    rm -f "$pwfile"
    trap - EXIT
  fi
  # A server left running by an earlier run that was killed: stop it, then start afresh.
  if [ -f "$cluster/postmaster.pid" ]; then
    echo "== stopping a PostgreSQL left running by an earlier run"
    pg_stop "$cluster"
  fi
  port=$(pg_free_port)
  echo "== starting PostgreSQL on 127.0.0.1:$port"
  pg_start "$cluster" "$port"
  # Stop first, then say so: a closed terminal or pipe must not keep the cluster running.
  trap 'pg_stop "$cluster"; echo "== stopped PostgreSQL" 2>/dev/null || true' EXIT
  # Two roles: `tongka` owns the schema and runs the migrations; the service connects as
  # `tongka_service_app`, a member of tongka_service with only the grants the migrations give.
  export TONGKA_MIGRATION_DATABASE_URL="postgres://tongka:$(cat "$state/db-password")@127.0.0.1:$port/postgres?sslmode=disable"
  export TONGKA_DATABASE_URL="postgres://tongka_service_app:$(cat "$state/db-service-password")@127.0.0.1:$port/postgres?sslmode=disable"
  service_role=1
fi

# Card master keys, so the server can verify card MACs: a configured key file is used as it is;
# otherwise a demo key set is made once in .tongka/card-keys.json (mode 0600) and configured.
# An existing card-keys.json is never replaced: the software cards made with it need it.
if [ -z "${TONGKA_CARD_KEYS_FILE:-}" ] && ! grep -q '^TONGKA_CARD_KEYS_FILE=' "$config"; then
  if [ ! -f "$state/card-keys.json" ]; then
    echo "== generating demo card master keys in $state/card-keys.json (mode 0600)"
    "$bin/tongka-server" keys generate --out "$state/card-keys.json" \
      --issuer-id "$(grep '^TONGKA_ISSUER_ID=' "$config" | cut -d= -f2)"
  fi
  echo "TONGKA_CARD_KEYS_FILE=$state/card-keys.json" >>"$config"
fi

echo "== migrating"
"$bin/tongka-server" migrate --config "$config"

if [ -n "${service_role:-}" ]; then
  # psql (libpq's client) as the owner: the service's login role, with its password from
  # .tongka/. Variables are read from standard input so the password stays off the command line.
  echo "== granting the service role"
  PGPASSWORD=$(cat "$state/db-password") "$PG_BIN/psql" -q -X -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$port" -U tongka -d postgres -v pw="$(cat "$state/db-service-password")" >/dev/null <<'SQL'
SET client_min_messages = warning;
DO $$ BEGIN CREATE ROLE tongka_service_app LOGIN IN ROLE tongka_service; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT tongka_service TO tongka_service_app;
ALTER ROLE tongka_service_app PASSWORD :'pw';
SQL
fi

if [ ! -f "$state/bootstrapped" ]; then
  echo "== bootstrapping the first hall and admin"
  if "$bin/tongka-server" bootstrap --config "$config" --password-file "$state/admin-password"; then
    touch "$state/bootstrapped"
  fi
fi

port=${TONGKA_HTTP_PORT:-8080}
cat <<TXT
== serving on http://127.0.0.1:$port  (Ctrl-C stops the server and the private database)
   In another terminal:
     export TONGKA_SERVER=http://127.0.0.1:$port
     $bin/tongka-counter login --user admin      # one-time password: .tongka/admin-password
     Scripts/demo-cards.sh STD 20                # after adding product STD: stock + a software card each
TXT
"$bin/tongka-server" serve --config "$config"
