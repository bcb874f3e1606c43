#!/usr/bin/env bash
# A throw-away PostgreSQL for the server tests (tests/test_server_*.py), on this machine only.
#
#   eval "$(scripts/test_postgres.sh start)"   # start it; sets CASEFILE_TEST_SERVER, PGPASSFILE
#                                              # and CASEFILE_TEST_SERVER_CA
#   scripts/test_postgres.sh restart           # restart it (or start it again after a crash or
#                                              # a pg_ctl stop): same data, port and passwords
#   scripts/test_postgres.sh stop              # stop it and delete its data
#
# The cluster lives in a scratch folder (CASEFILE_PG_DIR, default /tmp/casefile-pg), listens on
# 127.0.0.1 only, on CASEFILE_PG_PORT (default 54329), and is made afresh on every start. Run as
# root (CI), the server runs as the postgres user through runuser, as PostgreSQL requires.
#
# Authentication is by password (scram-sha-256) even on loopback, so the tests can check that
# a wrong password is refused. The passwords are random, made at each start, and kept only in
# a throw-away pgpass file in the scratch folder (PGPASSFILE points at it), never in the address.
#
# Roles: casefile_app (login, not a superuser, owns the database casefile_test: what the app
# needs to publish cases) and casefile_reader (login, may connect but create nothing: the
# tests check that a missing privilege is reported plainly).
#
# TLS: each start makes a throw-away certificate authority and a server certificate it signs
# (for localhost and 127.0.0.1) with openssl, and the server runs with ssl = on. A TLS
# connection and a plain one both need the password (hostssl and hostnossl lines, loopback
# only); libpq's default sslmode (prefer) picks TLS. CASEFILE_TEST_SERVER_CA is the authority's
# certificate, for sslmode=verify-ca and verify-full (tests/test_server_tls.py).
set -euo pipefail

DIR="${CASEFILE_PG_DIR:-/tmp/casefile-pg}"
PORT="${CASEFILE_PG_PORT:-54329}"
DATA="$DIR/data"
PGPASS="$DIR/pgpass"
CA_CERT="$DIR/ca.crt"
URL="postgresql://casefile_app@127.0.0.1:$PORT/casefile_test"

bin_dir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$found" ]; then echo "$found"; return; fi
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  echo "test_postgres.sh: PostgreSQL is not installed (apt-get install postgresql postgresql-contrib)" >&2
  exit 1
}

# Run a server program as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$(bin_dir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

# A certificate authority made for this run only, and the server's certificate signed by it. The
# keys never leave the scratch folder; the server's is readable by the server's user alone, as
# PostgreSQL insists.
make_certificates() {
  command -v openssl >/dev/null 2>&1 \
    || { echo "test_postgres.sh: openssl is not installed (apt-get install openssl)" >&2; exit 1; }
  local ssl_log="$DIR/openssl.log"
  {
    openssl req -x509 -new -nodes -newkey rsa:2048 -days 2 -subj "/CN=Casefile test CA" \
      -keyout "$DIR/ca.key" -out "$CA_CERT"
    openssl req -new -nodes -newkey rsa:2048 -subj "/CN=localhost" \
      -keyout "$DIR/server.key" -out "$DIR/server.csr"
    printf 'subjectAltName = DNS:localhost, IP:127.0.0.1\nbasicConstraints = CA:FALSE\n' >"$DIR/server.ext"
    openssl x509 -req -in "$DIR/server.csr" -CA "$CA_CERT" -CAkey "$DIR/ca.key" -CAcreateserial \
      -days 2 -extfile "$DIR/server.ext" -out "$DIR/server.crt"
  } >"$ssl_log" 2>&1 || { cat "$ssl_log" >&2; exit 1; }
  rm -f "$DIR/ca.key" "$DIR/server.csr" "$DIR/server.ext" "$DIR/ca.srl"
  chmod 600 "$DIR/server.key"
  chmod 644 "$CA_CERT" "$DIR/server.crt"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$DIR/server.key" "$DIR/server.crt"
  fi
}

# Loopback only, a password on every TCP connection, with or without TLS.
write_hba() {
  as_owner tee "$DATA/pg_hba.conf" >/dev/null <<'HBA'
# TYPE     DATABASE  USER  ADDRESS       METHOD
local      all       all                 trust
hostssl    all       all   127.0.0.1/32  scram-sha-256
hostnossl  all       all   127.0.0.1/32  scram-sha-256
HBA
}

start() {
  local bin app_password reader_password
  bin="$(bin_dir)"
  stop
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  app_password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  reader_password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$DIR"  # the server writes its log and socket here
  fi
  # The superuser signs in only over the Unix socket in the scratch folder (peer or trust for the
  # owner); every TCP connection needs a password.
  as_owner "$bin/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
  make_certificates
  write_hba
  as_owner "$bin/pg_ctl" -D "$DATA" -w -l "$DIR/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off \
        -c ssl=on -c ssl_cert_file=$DIR/server.crt -c ssl_key_file=$DIR/server.key" start >/dev/null \
    || { cat "$DIR/server.log" >&2; exit 1; }
  as_owner "$bin/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -v app_password="$app_password" -v reader_password="$reader_password" >/dev/null <<'SQL'
CREATE ROLE casefile_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE ROLE casefile_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'reader_password';
CREATE DATABASE casefile_test OWNER casefile_app;
REVOKE ALL ON DATABASE casefile_test FROM PUBLIC;
GRANT CONNECT ON DATABASE casefile_test TO casefile_reader;
\connect casefile_test
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
  umask 077
  {
    echo "127.0.0.1:$PORT:*:casefile_app:$app_password"
    echo "127.0.0.1:$PORT:*:casefile_reader:$reader_password"
  } >"$PGPASS"
  echo "export PGPASSFILE=$PGPASS"
  echo "export CASEFILE_TEST_SERVER=$URL"
  echo "export CASEFILE_TEST_SERVER_CA=$CA_CERT"
}

# The tests of a server going away mid-session stop their own instance and bring it back with
# this. pg_ctl restart reuses the options of the last start (postmaster.opts) and, when the server
# is not running, starts it with them.
restart() {
  [ -f "$DATA/PG_VERSION" ] || { echo "test_postgres.sh: no server in $DIR to restart" >&2; exit 1; }
  as_owner "$(bin_dir)/pg_ctl" -D "$DATA" -m fast -w -l "$DIR/server.log" restart >/dev/null 2>&1 \
    || { cat "$DIR/server.log" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  restart) restart ;;
  stop) stop ;;
  *) echo "usage: $0 [start|restart|stop]" >&2; exit 2 ;;
esac
