#!/usr/bin/env bash
# Limber's release step: run once per release, after the new code and its requirements
# are in place and BEFORE the services are restarted. With Limber's environment (the
# settings in /etc/limber/limber.env), as Limber's user:
#
#   systemctl start limber-release       (deploy/limber-release.service runs this script)
#
# Safe while the web servers, workers and scheduler keep running, on one server or several:
# a release's migrations are additive (new tables, new columns that are nullable or have a
# database default), so the code still running reads and writes the new schema as it did
# the old one. A column or table goes only in a later release, once no running code uses
# it. A release that cannot keep to this says so in its notes: stop the services first.
# With several servers, run it on each in turn (static files are per server; the second
# run finds no migration left to apply), never on two at once.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

# Settings first: a missing secret or host stops the release before anything changes.
"$PYTHON" manage.py check --deploy --fail-level WARNING
"$PYTHON" manage.py migrate --noinput
# The cache table, used when REDIS_URL is not set (does nothing otherwise).
"$PYTHON" manage.py createcachetable
# Hashed names: pages served by the code still running keep finding their old files.
"$PYTHON" manage.py collectstatic --noinput -v0
echo "Release step done: now restart limber-web, limber-worker and limber-scheduler."
