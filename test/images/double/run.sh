#!/bin/sh
# cdb TEST DOUBLE: stands in for one cdb service in the ops tests. Not the real service.
# Usage: run.sh <service>. Env: CDB_DOUBLE_PORT (answers GET /health there),
# CDB_DOUBLE_CRASH (exit 1 after start, to model a restart loop).
svc="$1"
echo "INFO cdb test double for $svc (not the real service)"
if [ -n "$CDB_DOUBLE_CRASH" ]; then echo "ERROR crashing as the test asked"; usleep 300000; exit 1; fi
if [ -n "$CDB_DOUBLE_PORT" ]; then
  mkdir -p /tmp/www && echo ok > /tmp/www/health && httpd -p "$CDB_DOUBLE_PORT" -h /tmp/www
fi
case "$svc" in
  redis) exec redis-server --port 6379 --save "" --appendonly no --requirepass "$(cat /run/secrets/redis_password)" ;;
  execution) exec /double/execution.sh ;;
  risk | allocation | signal) exec "/double/$svc.sh" ;;
esac
trap 'exit 0' TERM
while :; do sleep 1 & wait $!; done
