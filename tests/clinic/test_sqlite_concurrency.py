"""SQLite, the embedded default, holds a small clinic's concurrent writes: they wait
for each other instead of answering 500 "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_threads_writing_at_once_all_succeed(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'threads.sqlite3'}"}
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    migrate = [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, env=env, cwd=ROOT, check=True, timeout=180)  # noqa: S603
    done = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_concurrency"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # Eight patients logging three sessions each, eight program saves and eight invitation
    # accepts, at once.
    assert 500 not in result["statuses"], done.stderr[-3000:]
    assert result["statuses"].count(302) == 8 * 3 + 8
    assert result["sessions"] == 24
    assert result["revisions"] == [2] * 8
    # Four invitation links, each accepted from two browsers at once: one wins and is
    # signed in, the other ends on "this link was used" (410) signed out, and no account
    # is made twice.
    # Each as "<status of the POST> <status where it lands> <signed in?>".
    winners = [a for a in result["accepts"] if a.endswith("True")]
    losers = [a for a in result["accepts"] if not a.endswith("True")]
    assert winners == ["302 302 True"] * 4, result["accepts"]
    assert len(losers) == 4 and all(a.split()[1] == "410" for a in losers), result["accepts"]
    assert result["linked"] == 4
