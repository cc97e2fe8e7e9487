"""Runs the in-process bench (tools/bench_pages.py) with Django set up first:

    DATABASE_URL=... python -m tools.bench [--runs N] [--handouts-only] [--logging-only]

`make bench` and `make bench-caseload` call it on their own databases.
"""

from __future__ import annotations

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from tools.bench_pages import Command

    Command().run_from_argv(["manage.py", "bench", *sys.argv[1:]])


if __name__ == "__main__":
    main()
