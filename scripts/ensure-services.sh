#!/usr/bin/env bash
# Makes sure the two backing services the tests talk to are up on loopback:
#   Postgres 127.0.0.1:5432 (trust auth, user postgres, database `test`)
#   NATS with JetStream 127.0.0.1:4222
# Installs them with apt-get where missing (Debian packages postgresql, nats-server),
# starts them where stopped. Idempotent; safe to run on a developer machine.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "ensure-services: installing $* with apt-get" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
wait_port() { for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done; echo "ensure-services: port $1 did not open" >&2; return 1; }

# --- Postgres ---------------------------------------------------------------
if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  if [ -z "$ver" ]; then echo "ensure-services: no Postgres cluster in /etc/postgresql" >&2; exit 1; fi
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  # Trust auth on loopback for the test user (what the tests expect on this kind of machine).
  if ! grep -qE '^host\s+all\s+all\s+127.0.0.1/32\s+trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  conf=/etc/postgresql/$ver/main/postgresql.conf
  grep -q "^listen_addresses" "$conf" || echo "listen_addresses = '127.0.0.1'" | as_root tee -a "$conf" >/dev/null
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  wait_port 5432
fi
if command -v psql >/dev/null; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
fi

# --- NATS with JetStream ------------------------------------------------------
if ! port_open 4222; then
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server
  bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  as_root mkdir -p /var/lib/nats-server /var/log
  as_root start-stop-daemon --start --oknodo --background --exec "$bin" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222
fi
echo "ensure-services: Postgres 127.0.0.1:5432 and NATS JetStream 127.0.0.1:4222 are up" >&2
