#!/bin/sh
# cdb TEST DOUBLE of a service's own program (the witness's node, /bin/alertmanager,
# an app service's python start), for doubles created with the entrypoint and
# command the stack declares (test/deployedDoubles.ts): it says what it stands
# in for and idles until stopped. Not the service.
echo "INFO cdb test double standing in for: $*"
exec /double/run.sh idle
