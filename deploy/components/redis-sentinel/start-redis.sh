#!/bin/sh
# Starts this pod's Redis as the master's replica, or as the master when there is none yet.
# The Sentinels know the current master; only on the very first start (no Sentinel answers) is
# pod 0 the master.
set -eu
domain="ambient-redis-headless"
me="$(hostname).${domain}"
master=""
for i in 0 1 2; do
  master=$(redis-cli -h "ambient-redis-$i.${domain}" -p 26379 --no-auth-warning -a "$REDIS_PASSWORD" \
    sentinel get-master-addr-by-name ambient 2>/dev/null | head -n 1) || true
  [ -n "$master" ] && break
done
if [ -z "$master" ]; then master="ambient-redis-0.${domain}"; fi
set -- --port 6379 --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD" \
  --replica-announce-ip "$me" --save '' --appendonly no --maxmemory 400mb --maxmemory-policy noeviction
if [ "$master" != "$me" ]; then set -- "$@" --replicaof "$master" 6379; fi
exec redis-server "$@"
