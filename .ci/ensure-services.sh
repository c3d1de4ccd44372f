#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 before the tests run.
# Starts them when installed but stopped; installs them from Debian's packages when
# missing and we are root. Everything else the tests need (SeaweedFS, Typesense, SMTP,
# ...) is started by the test fixtures from Python packages the project installs.
set -euo pipefail

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "ensure-services: $* missing; install it or point LYCEUM_TEST_POSTGRES_URL / LYCEUM_TEST_REDIS_URL at one" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "$@" >/dev/null
}

if [ -z "${LYCEUM_TEST_POSTGRES_URL:-}" ] && ! pg_up; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  # Tests connect as root over TCP with trust auth, as on the development machines.
  if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='root'\"" | grep -q 1; then
    su postgres -c "psql -qc 'CREATE ROLE root SUPERUSER LOGIN'"
    hba=$(su postgres -c "psql -tAc 'SHOW hba_file'")
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    su postgres -c "psql -qc 'SELECT pg_reload_conf()'" >/dev/null
  fi
fi

if [ -z "${LYCEUM_TEST_REDIS_URL:-}" ] && ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
fi

pg_up || [ -n "${LYCEUM_TEST_POSTGRES_URL:-}" ] || { echo "ensure-services: PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
redis_up || [ -n "${LYCEUM_TEST_REDIS_URL:-}" ] || { echo "ensure-services: Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
echo "ensure-services: PostgreSQL and Redis are up"
