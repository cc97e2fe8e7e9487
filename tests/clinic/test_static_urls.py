"""clinic/storage.py: a static file's address is worked out once per process (every page
names fifteen of them), and is the address the storage itself gives."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.templatetags.static import static

from clinic.storage import CompressedManifestStaticFiles, StaticFiles


def test_the_static_tag_uses_the_remembering_storage():
    from django.core.files.storage import storages

    assert static("clinic/css/limber.css") == "/static/clinic/css/limber.css"
    assert isinstance(storages["staticfiles"], StaticFiles)  # DEBUG in tests


def test_an_address_is_the_storages_own_and_worked_out_once(monkeypatch):
    storage = StaticFiles()
    reference = StaticFilesStorage().url("clinic/css/limber.css")
    asked = []
    real = StaticFilesStorage.url
    monkeypatch.setattr(StaticFilesStorage, "url", lambda s, n, *a: asked.append(n) or real(s, n))
    first = storage.url("clinic/css/limber.css")
    assert first == reference
    assert storage.url("clinic/css/limber.css") == first
    assert asked.count("clinic/css/limber.css") == 1


def test_a_file_missing_from_the_manifest_is_refused_every_time(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"a.css": "a.123.css"}, "version": "1.1", "hash": "x"}'
    )
    storage = CompressedManifestStaticFiles(location=tmp_path)
    assert storage.url("a.css") == "/static/a.123.css" == storage.url("a.css")
    for _ in range(2):
        with pytest.raises(ValueError, match=r"missing\.css"):
            storage.url("missing.css")
