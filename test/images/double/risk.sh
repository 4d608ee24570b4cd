#!/bin/sh
# cdb TEST DOUBLE of cdb_risk. Not the real service. It models the allocation
# gate of services/risk/service.py and nothing else (no limits, sizing,
# shutdown or regime): it keeps the newest allocation_pct per strategy from
# stream.allocation_decisions (bootstrap from the newest 10 entries, then
# XREAD from the newest id, as _listen_allocation_stream does), subscribes to
# the pub/sub channel `signals`, and for each signal either publishes an order
# on the channel `orders` (allocation > 0) or blocks it ("Signal blockiert:
# Keine Allokation"). /metrics serves signals_received_total,
# orders_approved_total and orders_blocked_total.
trap 'exit 0' TERM
REDISCLI_AUTH="$(cat /run/secrets/redis_password)"
export REDISCLI_AUTH
R="redis-cli -h ${REDIS_HOST:-cdb_redis} -p ${REDIS_PORT:-6379}"
mkdir -p /tmp/alloc /tmp/www
echo 0 > /tmp/received; echo 0 > /tmp/approved; echo 0 > /tmp/blocked
metrics() {
  printf 'signals_received_total %s\norders_approved_total %s\norders_blocked_total %s\n' "$(cat /tmp/received)" "$(cat /tmp/approved)" "$(cat /tmp/blocked)" > /tmp/www/metrics.tmp
  mv /tmp/www/metrics.tmp /tmp/www/metrics
}
metrics
until $R PING >/dev/null 2>&1; do usleep 100000; done
# Entries as "id strategy_id allocation_pct" lines, from redis-cli's raw lines (an id, then field and value lines).
entries() { awk '/^[0-9]+-[0-9]+$/ && !kv { if (id != "") print id, v["strategy_id"], v["allocation_pct"]; id = $0; delete v; next } { if (!kv) { k = $0; kv = 1 } else { v[k] = $0; kv = 0 } } END { if (id != "") print id, v["strategy_id"], v["allocation_pct"] }'; }
(
  # Bootstrap: the newest entry per strategy among the last 10, and read on from the newest.
  last=0-0
  for line in $($R XREVRANGE stream.allocation_decisions + - COUNT 10 | entries | tr ' ' ','); do
    id=${line%%,*}; rest=${line#*,}; s=${rest%%,*}; p=${rest#*,}
    [ "$last" = 0-0 ] && last="$id"
    [ -n "$s" ] && [ ! -f "/tmp/alloc/$s" ] && echo "$p" > "/tmp/alloc/$s" && echo "INFO Bootstrap allocation: strategy_id=$s allocation_pct=$p"
  done
  while :; do
    out=$($R XREAD COUNT 1 BLOCK 1000 STREAMS stream.allocation_decisions "$last" 2>/dev/null)
    id=$(echo "$out" | sed -n 2p)
    if [ -n "$id" ]; then
      last="$id"
      echo "$out" | sed 1d | entries | while read -r _ s p; do [ -n "$s" ] && echo "$p" > "/tmp/alloc/$s" && echo "INFO allocation: strategy_id=$s allocation_pct=$p"; done
    else
      [ -n "$out" ] || usleep 100000
    fi
  done
) &
# Pub/sub as redis-cli prints it without a terminal: three lines per message (kind, channel, payload).
$R SUBSCRIBE signals | while read -r kind; do
  read -r channel; read -r payload
  [ "$kind" = message ] || continue
  echo $(( $(cat /tmp/received) + 1 )) > /tmp/received
  strategy=$(echo "$payload" | sed -n 's/.*"strategy_id": *"\([^"]*\)".*/\1/p')
  pct=$(cat "/tmp/alloc/$strategy" 2>/dev/null || echo 0)
  if awk -v p="$pct" 'BEGIN { exit !(p + 0 > 0) }'; then
    symbol=$(echo "$payload" | sed -n 's/.*"symbol": *"\([^"]*\)".*/\1/p')
    $R PUBLISH orders "{\"type\": \"order\", \"strategy_id\": \"$strategy\", \"symbol\": \"$symbol\", \"side\": \"BUY\", \"quantity\": 0.001}" >/dev/null
    echo $(( $(cat /tmp/approved) + 1 )) > /tmp/approved
  else
    echo "WARNING Signal blockiert: Keine Allokation ($strategy)"
    echo $(( $(cat /tmp/blocked) + 1 )) > /tmp/blocked
  fi
  metrics
done
