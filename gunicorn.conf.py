"""gunicorn settings for Limber's web server: `gunicorn -c gunicorn.conf.py`.

Read by `make serve`, deploy/limber-web.service and tools/scaleout_drill.py. Everything a
deployment may want to change comes from the environment (deploy/limber.env.example);
GUNICORN_CMD_ARGS can override any of it for one run.
"""

from __future__ import annotations

import gc
import os

wsgi_app = "clinic.wsgi:application"

# Loopback by default: the TLS proxy in front is the only thing that should reach it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: one request at a time each, which suits a Django app whose requests are
# short and CPU- or database-bound, behind a proxy that buffers slow clients. The usual
# 2 x cores + 1 keeps the cores busy while some workers wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)

# No request renders a PDF any more: handouts and reports are rendered by the task
# worker (stopped after PDF_RENDER_TIMEOUT, 20 s by default) and a download that finds
# no file answers at once with a page that checks again. So the longest request is a
# large page or an upload, a few seconds at worst, and a worker silent for 30 s is stuck
# and is restarted. Nothing here has to make room for a render.
timeout = 30
# On SIGTERM (systemctl stop or restart, Ctrl+C) workers stop accepting and get this long
# to finish the requests they are serving. deploy/limber-web.service waits longer.
graceful_timeout = 30
# Only used if GUNICORN_CMD_ARGS="--threads N" turns the workers into threaded ones; sync
# workers close each connection after its response, and the proxy keeps the browser's
# connection open instead. Threaded workers serve requests off the main thread, where no
# database deadline can be set (clinic/deadline.py): a hung database then holds a request
# until `timeout`.
keepalive = 5

# Restart each worker after about a thousand requests, at different times (the jitter),
# so a slow leak in any library never grows and the workers never restart all at once.
max_requests = 1000
max_requests_jitter = 100

# Import Django and every view once in the master (see when_ready), so a new worker (at
# start, or after max_requests) forks ready instead of importing them while its first
# request waits: measured on 2 cores, that first request took 650 ms without preloading,
# 380 ms with Django preloaded, 300 ms with the views too (later ones: 3 ms). The cost:
# new code needs a restart of the service, not a HUP. Nothing opens a database or Redis
# connection at import time, so forked workers share none.
preload_app = True

# The proxy on this machine may set X-Forwarded-Proto (gunicorn's own use of it). The
# client's address is read by Limber itself from X-Forwarded-For with
# TRUSTED_PROXY_COUNT (clinic/network.py), not by gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No access log: Limber writes one line per request itself (clinic/request_log.py: route
# name, status, duration, ids; JSON in production), without the path or query string,
# which can hold search terms and link tokens. gunicorn's access log would write both.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# No control socket (gunicornc): nothing here uses it, its default path is shared by every
# gunicorn of the same user (two app servers on one machine would fight over it), and it
# adds a thread to the master, which forks the workers.
control_socket_disable = True


def when_ready(server) -> None:
    """In the master, before the first fork: import every view, so workers start warm."""
    if server.cfg.preload_app:
        from django.db import connections
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - the import is the point
        # Should an import ever query the database, its connection must not be inherited
        # by every worker: each opens its own.
        connections.close_all()
        # What the master imported lives as long as the workers: moved out of the garbage
        # collector's sight, a worker's collections never walk (and so never write to, and
        # copy) the pages it shares with the master.
        gc.freeze()
