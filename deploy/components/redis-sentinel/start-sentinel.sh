#!/bin/sh
# Starts this pod's Sentinel. Sentinel rewrites its config file, so it lives in the pod's emptyDir.
# Until a Sentinel answers, the set monitors pod 0 (see start-redis.sh); afterwards the master the
# others report.
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
cat > /data/sentinel.conf <<CONF
port 26379
requirepass "$REDIS_PASSWORD"
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip "$me"
sentinel monitor ambient $master 6379 2
sentinel auth-pass ambient "$REDIS_PASSWORD"
sentinel sentinel-pass "$REDIS_PASSWORD"
sentinel down-after-milliseconds ambient 5000
sentinel failover-timeout ambient 30000
sentinel parallel-syncs ambient 1
CONF
exec redis-sentinel /data/sentinel.conf
