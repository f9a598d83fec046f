#!/usr/bin/env bash
# Starts a local PostgreSQL for the perfuse-record tests and prints the line to export its URL:
#   eval "$(bash .ci/postgres.sh)"
# Idempotent: installs Debian's postgresql only if missing, starts the cluster if stopped,
# creates the perfuse user and the perfuse_test database only if absent.
# Everything but the final export line goes to stderr, so eval sees only that line.
set -euo pipefail
exec 3>&1 1>&2

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

version="$(ls /etc/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    # The postmaster outlives this script: it must not inherit our stdout (fd 3) or stderr, or a
    # caller reading our output through a pipe (`$(...)`) waits for it forever.
    pg_ctlcluster "$version" main start </dev/null 3>&- >/dev/null 2>&1
fi
for _ in $(seq 1 30); do
    su postgres -c "pg_isready -q" && break
    sleep 1
done

psql_as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -tAc \"$1\""; }
# A fresh random password each run: no credential lives in the repository.
password="$(head -c 18 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
if [ "$(psql_as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'perfuse'")" != "1" ]; then
    psql_as_postgres "CREATE USER perfuse SUPERUSER"
fi
psql_as_postgres "ALTER USER perfuse PASSWORD '${password}'"
if [ "$(psql_as_postgres "SELECT 1 FROM pg_database WHERE datname = 'perfuse_test'")" != "1" ]; then
    su postgres -c "createdb -O perfuse perfuse_test"
fi

port="$(su postgres -c "psql -tAc 'SHOW port'")"
echo "export PERFUSE_TEST_POSTGRES=postgres://perfuse:${password}@127.0.0.1:${port}/perfuse_test" >&3
