#!/usr/bin/env bash
# Starts a real three-master Redis Cluster on 127.0.0.1:7001-7003 (unless one
# already answers there) and waits until it serves every slot. CI runs the
# Redis-touching tests and the CLI against it with
# REDIS_URL=redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003.
# The nodes keep nothing on disk; their cluster files live in a temporary
# directory.
set -euo pipefail

ports=(7001 7002 7003)

cluster_ok() {
  redis-cli -p "${ports[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

if cluster_ok; then
  echo "cluster already answers on ${ports[*]}"
  exit 0
fi

command -v redis-cli >/dev/null || { echo "redis-cli is missing (apt-get install redis-tools)"; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/vneid-cluster.XXXXXX")
for p in "${ports[@]}"; do
  mkdir -p "$dir/$p"
  redis-server --daemonize yes --port "$p" --bind 127.0.0.1 --dir "$dir/$p" \
    --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 5000 \
    --save '' --appendonly no --logfile "$dir/$p/redis.log"
done
for p in "${ports[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$p" ping >/dev/null || { echo "redis-server on $p does not answer"; cat "$dir/$p/redis.log"; exit 1; }
done

# A node left over from an earlier run may hold slots or keys; a fresh
# temporary directory means these are new, empty nodes.
addrs=()
for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >/dev/null

for _ in $(seq 1 100); do cluster_ok && break; sleep 0.1; done
cluster_ok || { echo "the cluster did not reach cluster_state:ok"; redis-cli -p "${ports[0]}" cluster info; exit 1; }
echo "cluster ok on ${addrs[*]} (files in $dir)"
