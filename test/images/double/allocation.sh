#!/bin/sh
# cdb TEST DOUBLE of cdb_allocation. Not the real service. It models only its
# start (services/allocation/service.py run(): "Bootstrap"): when
# stream.regime_signals holds an entry, it takes the newest one's regime and
# publishes one decision per strategy of ALLOCATION_RULES_JSON on
# stream.allocation_decisions (fields as _emit_decision writes them). The
# share is the rule's share for that regime, 0 when the rule has none, and 0
# when it is above 0.02: the real service's performance window is never ready
# without 30 trades over 7 days, and then it allows at most the early-live
# share. After that it only idles: no regime changes, fills or shutdowns.
trap 'exit 0' TERM
REDISCLI_AUTH="$(cat /run/secrets/redis_password)"
export REDISCLI_AUTH
R="redis-cli -h ${REDIS_HOST:-cdb_redis} -p ${REDIS_PORT:-6379}"
until $R PING >/dev/null 2>&1; do usleep 100000; done
latest=$($R XREVRANGE stream.regime_signals + - COUNT 1)
if [ -n "$latest" ]; then
  regime=$(echo "$latest" | awk 'NR > 1 && (NR % 2) == 0 && $0 == "regime" { getline; print; exit }')
  ts=$(date +%s)
  echo "INFO Bootstrap: Regime set to ${regime:-UNKNOWN}"
  echo "$ALLOCATION_RULES_JSON" | awk -v regime="${regime:-UNKNOWN}" -f /double/shares.awk | while read -r strategy share; do
    pct=$(awk -v s="$share" 'BEGIN { if (s + 0 > 0.02) s = 0; printf "%.6f", s }')
    $R XADD stream.allocation_decisions MAXLEN 10000 '*' ts "$ts" strategy_id "$strategy" allocation_pct "$pct" reason "regime=${regime:-UNKNOWN}|bootstrap" cooldown_until "" schema_version 1 source_version test-double >/dev/null
    echo "INFO decision $strategy allocation_pct=$pct"
  done
fi
echo "INFO Allocation-Service gestartet"
while :; do sleep 1 & wait $!; done
