#!/usr/bin/env bash
# manage.py with Limber's settings, for the commands you run by hand, as Limber's user:
#   sudo -u limber /srv/limber/app/deploy/manage.sh createsuperuser
# Reads /etc/limber/limber.env (LIMBER_ENV to read another) and the virtualenv's Python
# (/srv/limber/venv, or PYTHON).
set -euo pipefail
set -a
# shellcheck source=/dev/null
. "${LIMBER_ENV:-/etc/limber/limber.env}"
set +a
cd "$(dirname "$0")/.."
exec "${PYTHON:-/srv/limber/venv/bin/python}" manage.py "$@"
