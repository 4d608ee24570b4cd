#!/bin/sh
# cdb TEST DOUBLE of cdb_signal. Not the real service (no market data, no
# strategy): it publishes one signal of SIGNAL_STRATEGY_ID on the pub/sub
# channel `signals` every CDB_DOUBLE_SIGNAL_INTERVAL_MS (0 or unset: none), in
# the shape of services/signal/models.py Signal.to_dict.
trap 'exit 0' TERM
REDISCLI_AUTH="$(cat /run/secrets/redis_password)"
export REDISCLI_AUTH
R="redis-cli -h ${REDIS_HOST:-cdb_redis} -p ${REDIS_PORT:-6379}"
interval="${CDB_DOUBLE_SIGNAL_INTERVAL_MS:-0}"
n=0
while :; do
  if [ "$interval" -gt 0 ]; then
    usleep $((interval * 1000))
    n=$((n + 1))
    $R PUBLISH signals "{\"type\": \"signal\", \"signal_id\": \"double-$n\", \"strategy_id\": \"${SIGNAL_STRATEGY_ID}\", \"symbol\": \"BTCUSDT\", \"side\": \"BUY\", \"timestamp\": $(date +%s)}" >/dev/null 2>&1
  else
    sleep 1 & wait $!
  fi
done
