"""gunicorn.conf.py's master hook: workers fork from a master that has imported every view
and handed what it imported over to the workers as shared, never-collected memory."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]


def test_the_master_freezes_what_it_imported_before_the_first_fork(db):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["preload_app"] is True
    gc.unfreeze()
    try:
        config["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_without_preloading_nothing_is_frozen():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    config["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=False)))
    assert gc.get_freeze_count() == 0
