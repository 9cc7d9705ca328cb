#!/usr/bin/env bash
# A throwaway PostgreSQL server for the question log's tests, from
# Debian's postgresql package.
#
#   postgres.sh install       install the package if its server is missing (root, apt-get)
#   postgres.sh start DIR     start a new cluster in DIR on a free loopback port;
#                             prints its URL (also kept in DIR/url)
#   postgres.sh stop DIR      stop it (DIR can then be removed)
#
# start exits 3 when no server binaries are installed, so that callers can
# tell "not installed" from "failed". The server listens on 127.0.0.1 only,
# trusts local connections and skips fsync: it holds test data only.
set -euo pipefail

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

# as_owner runs a command as the cluster's owner: PostgreSQL refuses to
# run as root, so under root that is Debian's postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p
  for p in $(seq $((50000 + RANDOM % 10000)) 60999); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

case "${1:-}" in
install)
  if bindir >/dev/null; then exit 0; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bindir >/dev/null
  ;;
start)
  dir=${2:?usage: postgres.sh start DIR}
  bin=$(bindir) || { echo "postgres.sh: no PostgreSQL server binaries (install Debian's postgresql package)" >&2; exit 3; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "$url" >"$dir/url"
  echo "$url"
  ;;
stop)
  dir=${2:?usage: postgres.sh stop DIR}
  bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
*)
  echo "usage: postgres.sh install | start DIR | stop DIR" >&2
  exit 2
  ;;
esac
