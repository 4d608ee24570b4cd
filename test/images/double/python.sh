#!/bin/sh
# cdb TEST DOUBLE of `python -c`, for the one thing the tests need from it: the
# urllib GET that the stack's health checks and `cdb verify` run inside app
# containers (their images are Python). It fetches the URL of the first
# urlopen("…") in the code with busybox wget and prints the body. Not Python.
# Started as a service's start command (`python -u service.py`, through the
# stack's start wrapper, in a double created as the program declares it), it
# idles like any other double (standin.sh).
[ "$1" = "-c" ] || exec /double/standin.sh "python $*"
url=$(printf '%s' "$2" | sed -n "s/.*urlopen([\"']\([^\"']*\)[\"'].*/\1/p")
[ -n "$url" ] || { echo "test double python: no urlopen(\"<url>\") in the code" >&2; exit 2; }
exec wget -q -O - "$url"
