"""SQLite, the embedded default, holds a small clinic's concurrent writes: they wait
for each other instead of answering 500 "database is locked"."""

from __future__ import annotations

from tests.conftest import run_on_new_sqlite


def test_threads_writing_at_once_all_succeed(new_sqlite, tmp_path):
    done, result = run_on_new_sqlite(new_sqlite, tmp_path, "tests.sqlite_concurrency")
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
