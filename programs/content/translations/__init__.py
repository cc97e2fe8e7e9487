"""Translations of the built-in patient-facing content (exercises, templates, leaflets).

Pure data with no Django imports, like the other content modules. A language is either
one file, ``<language>.toml``, or a folder, ``<language>/``, whose ``*.toml`` files are
merged (this folder's Spanish is split into exercises.toml, templates.toml and
leaflets.toml). Each holds one or more of these top-level tables, keyed by the English
entry's slug (exercises, leaflets) or key (templates, which include the condition
pathways: programs.library_sync installs those as templates under their key):

    [exercises.<slug>]  name, lay_name, cautions, stop_if, and
                        cues = [["setup", "..."], ["movement", "..."], ...]
                        (the English cues' kinds, in the same order; the same
                        {hold}/{duration}/... placeholders, filled from the
                        prescription by programs.dosage.fill_step)
    [templates.<key>]   title, goal, patient_notes
    [leaflets.<slug>]   title, summary, paragraphs = ["...", ...], reference

Only patient-visible text is translated; codes (category, regions, dosage, items, a
template's leaflets, progress_when) stay in the English content. A field or entry
that is missing here falls back to the English text (the caller decides how).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTIONS = ("exercises", "templates", "leaflets")


def _files(language: str) -> list[Path]:
    single = HERE / f"{language}.toml"
    folder = HERE / language
    files = [single] if single.is_file() else []
    if folder.is_dir():
        files.extend(sorted(folder.glob("*.toml")))
    return files


def available() -> tuple[str, ...]:
    """The languages that have translations here, sorted ("es", ...)."""
    names = {path.stem for path in HERE.glob("*.toml")}
    names |= {path.name for path in HERE.iterdir() if path.is_dir() and any(path.glob("*.toml"))}
    return tuple(sorted(names))


@cache
def load(language: str) -> dict[str, dict[str, dict]]:
    """{"exercises": {slug: {...}}, "templates": {key: {...}}, "leaflets": {slug: {...}}}
    for `language`; every section is there (empty for an unknown language). Cues come
    back as a list of (kind, text) tuples, like the English EXERCISES, and a leaflet's
    paragraphs as a tuple, like the English Leaflet. Cached: treat the result as read-only.
    """
    data: dict[str, dict[str, dict]] = {section: {} for section in SECTIONS}
    for path in _files(language):
        with path.open("rb") as handle:
            parsed = tomllib.load(handle)
        unknown = set(parsed) - set(SECTIONS)
        if unknown:
            raise ValueError(f"{path.name}: unknown section(s) {sorted(unknown)}")
        for section, entries in parsed.items():
            for slug, entry in entries.items():
                if slug in data[section]:
                    raise ValueError(f"{path.name}: {section}.{slug} is given twice")
                data[section][slug] = _normalised(section, entry)
    return data


def _normalised(section: str, entry: dict) -> dict:
    entry = dict(entry)
    if section == "exercises" and "cues" in entry:
        entry["cues"] = [(kind, text) for kind, text in entry["cues"]]
    if section == "leaflets" and "paragraphs" in entry:
        entry["paragraphs"] = tuple(entry["paragraphs"])
    return entry
