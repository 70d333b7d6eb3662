#!/usr/bin/env bash
# Shared helpers for running a private PostgreSQL 15 cluster, sourced by serve.sh, test.sh and the
# benchmarks. PostgreSQL refuses to run as root, so under root every server tool runs as the
# `postgres` system user via runuser; the data directory must then be somewhere that user can
# enter (not under /root).

pg_find_bin() {
  local candidate
  for candidate in "${TONGKA_PG_BIN:-}" /usr/lib/postgresql/15/bin "$(pg_config --bindir 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      PG_BIN="$candidate"
      return 0
    fi
  done
  return 1
}

# Installs PostgreSQL 15 from Debian's packages when it is missing (needs root).
pg_ensure_installed() {
  if pg_find_bin; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing PostgreSQL 15 (apt-get)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  fi
  pg_find_bin || { echo "PostgreSQL 15 binaries not found; install postgresql-15 or set TONGKA_PG_BIN" >&2; return 1; }
}

# Installs what the Swift build needs from Debian's packages when it is missing (needs root):
# OpenSSL's libcrypto headers for the card cryptography (COpenSSL finds them with pkg-config).
build_deps_ensure_installed() {
  if command -v pkg-config >/dev/null && pkg-config --exists libcrypto; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing the build's C libraries: libssl-dev, pkg-config (apt-get)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev pkg-config >/dev/null
  fi
  command -v pkg-config >/dev/null && pkg-config --exists libcrypto \
    || { echo "libcrypto not found: install libssl-dev and pkg-config" >&2; return 1; }
}

# Headless Chromium (Debian's package) for the tests of the progress report's page and the
# rider's self-service page, with a Chinese font (WenQuanYi Micro Hei, 1.6 MB) so that their
# screenshots and printouts show Chinese rather than empty boxes. Sets CHROMIUM_BIN.
chromium_ensure_installed() {
  CHROMIUM_BIN=$(command -v chromium || true)
  local font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  if { [ -z "$CHROMIUM_BIN" ] || [ ! -f "$font" ]; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing headless Chromium and a Chinese font for the page tests (apt-get)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
    CHROMIUM_BIN=$(command -v chromium || true)
  fi
  [ -n "$CHROMIUM_BIN" ] || { echo "chromium not found: install Debian's chromium package" >&2; return 1; }
}

# Runs a PostgreSQL server tool as a non-root user.
pg_as() {
  if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Gives the PostgreSQL user ownership of a directory it must write to.
pg_own() {
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$1"; fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on. Fixed ports collide with other clusters
# on the same machine, so each start picks one.
pg_free_port() {
  local port tries=0
  while [ $tries -lt 200 ]; do
    port=$(( (RANDOM % 30000) + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$((tries + 1))
  done
  echo "no free port found" >&2
  return 1
}

# pg_init DATADIR SUPERUSER [PASSWORD_FILE]: a new cluster; trust auth without a password file
# (then start it with PG_LISTEN= so that it listens on its private socket only).
pg_init() {
  local data=$1 user=$2 pwfile=${3:-}
  mkdir -p "$data"
  chmod 700 "$data"
  pg_own "$data"
  local auth=(--auth=trust)
  if [ -n "$pwfile" ]; then
    pg_own "$pwfile"
    auth=(--auth-local=scram-sha-256 --auth-host=scram-sha-256 "--pwfile=$pwfile")
  fi
  (cd "$data" && pg_as "$PG_BIN/initdb" --no-sync -D "$data" -U "$user" -E UTF8 --locale=C.UTF-8 "${auth[@]}" >"$data.initdb.log" 2>&1) \
    || { cat "$data.initdb.log" >&2; return 1; }
}

# pg_start DATADIR PORT [extra server options]: the socket is in the data directory; TCP on
# 127.0.0.1 unless PG_LISTEN is set (PG_LISTEN= for the socket only, which throwaway clusters with
# trust authentication use, so that no other local user can reach them).
pg_start() {
  local data=$1 port=$2
  shift 2
  (cd "$data" && pg_as "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -k $data -c listen_addresses=${PG_LISTEN-127.0.0.1} $*" start >/dev/null) \
    || { tail -n 30 "$data/server.log" >&2; return 1; }
}

pg_stop() {
  local data=$1
  [ -f "$data/postmaster.pid" ] || return 0
  (cd "$data" && pg_as "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1) || true
}
