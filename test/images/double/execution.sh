#!/bin/sh
# cdb TEST DOUBLE of cdb_execution. Not the real service. It prints the real
# service's mode lines (services/execution/service.py: "Mode: MOCK" / "Mode: LIVE"
# at INFO) and models its kill-switch behaviour from cdb-stack.md: it reads
# stream.bot_shutdown from 0-0, and after any entry every order it processes is
# REJECTED with order_id SHUTDOWN_…; before that, paper orders are FILLED with
# order_id MOCK_…. One order every CDB_DOUBLE_ORDER_INTERVAL_MS (0: none).
# GET /status on CDB_DOUBLE_PORT answers like the real service's (mode "mock"
# or "live" from MOCK_TRADING; stats and redis/database fields simplified).
# With CDB_DOUBLE_QUIET=1 it prints no mode line (a log rotated past its start).
# With CDB_DOUBLE_IGNORE_TERM=1 it ignores SIGTERM like the real service, so
# `docker stop` takes the whole grace period and then kills it.
if [ -n "$CDB_DOUBLE_IGNORE_TERM" ]; then trap '' TERM; else trap 'exit 0' TERM; fi
mock=false
case "$(echo "$MOCK_TRADING" | tr A-Z a-z)" in true) mock=true ;; esac
if [ "$mock" = true ]; then status_mode=mock; else status_mode=live; fi
mkdir -p /tmp/www
printf '{"service": "execution", "version": "test-double", "mode": "%s", "stats": {"orders_received": 0}, "redis": {"connected": true}, "database": {"error": "not initialized"}}\n' "$status_mode" > /tmp/www/status
if [ -z "$CDB_DOUBLE_QUIET" ]; then
  echo "INFO Trading config: DRY_RUN=$DRY_RUN MOCK_TRADING=$MOCK_TRADING"
  if [ "$mock" = true ]; then
    echo "INFO Mode: MOCK"
    echo "INFO Using MockExecutor (Paper Trading Mode)"
  else
    echo "INFO Mode: LIVE"
    echo "WARNING Live Executor in LIVE mode - REAL MONEY!"
  fi
fi
REDISCLI_AUTH="$(cat /run/secrets/redis_password)"
export REDISCLI_AUTH
R="redis-cli -h ${REDIS_HOST:-cdb_redis} -p ${REDIS_PORT:-6379}"
rm -f /tmp/shutdown
# An entry already in the stream holds it from its first order on (a promotion arms the switch before the update).
[ "$($R XLEN stream.bot_shutdown 2>/dev/null)" -gt 0 ] 2>/dev/null && touch /tmp/shutdown
(
  last=0-0
  while :; do
    out=$($R XREAD BLOCK 1000 STREAMS stream.bot_shutdown "$last" 2>/dev/null)
    id=$(echo "$out" | sed -n 2p)
    if [ -n "$id" ]; then
      last="$id"
      touch /tmp/shutdown
      echo "WARNING bot shutdown entry $id: every order is rejected from now on"
    else
      [ -n "$out" ] || usleep 100000
    fi
  done
) &
start=$(date +%s)
n=0
interval="${CDB_DOUBLE_ORDER_INTERVAL_MS:-200}"
while :; do
  if [ "$interval" -gt 0 ]; then
    usleep $((interval * 1000))
    n=$((n + 1))
    if [ -f /tmp/shutdown ]; then
      $R XADD stream.order_results '*' order_id "SHUTDOWN_${start}_$n" status REJECTED reason "Order blocked by bot shutdown" symbol BTCUSDT strategy_id paper >/dev/null
    else
      $R XADD stream.order_results '*' order_id "MOCK_${start}_$n" status FILLED symbol BTCUSDT side BUY quantity 0.001 filled_quantity 0.001 strategy_id paper >/dev/null
    fi
  else
    sleep 1 & wait $!
  fi
done
