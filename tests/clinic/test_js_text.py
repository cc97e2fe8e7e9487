"""The scripts' words and the list translated for them (clinic/js_text.py) agree: a string
a script shows but the list lacks stays English on a Spanish page, and one the list keeps
but no script shows is a translator's wasted work."""

from __future__ import annotations

import re
from pathlib import Path

from clinic.js_text import JS_PLURALS, JS_TEXT

SCRIPTS = Path(__file__).resolve().parents[2] / "clinic" / "static" / "clinic" / "js"
# window.limberText("…"), (window.limberText || String)("…"), and the timer's own t("…").
SHOWN = re.compile(r'(?:limberText(?: \|\| String\))?|\bt)\("((?:[^"\\]|\\.)*)"')


def scripts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in SCRIPTS.glob("*.js")}


def test_every_string_a_script_shows_is_translated():
    listed = set(JS_TEXT) | set(JS_PLURALS)
    shown = {
        (name, text)
        for name, source in scripts().items()
        if name != "text.js"  # its comment's example is not shown
        for text in SHOWN.findall(source)
    }
    assert len(shown) > 20
    assert {(name, text) for name, text in shown if text not in listed} == set()


def test_every_translated_string_is_in_a_script():
    sources = "\n".join(scripts().values())
    unused = [text for text in (*JS_TEXT, *JS_PLURALS) if f'"{text}"' not in sources]
    assert unused == []
