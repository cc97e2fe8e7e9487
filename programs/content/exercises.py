from __future__ import annotations

# The exercise library and the starter program templates, read from the TOML files in
# library/ (content is data: a clinician or translator reviews the text there, not in
# Python). No Django imports, so the library sync, migrations and tests can all read it.
# The shapes below are what the rest of the code relies on; the schema test in
# tests/programs/test_exercise_content.py checks the files against them.
import tomllib
from pathlib import Path

LIBRARY = Path(__file__).with_name("library")


def _read(name: str) -> dict:
    with (LIBRARY / name).open("rb") as handle:
        return tomllib.load(handle)


def _exercise(entry: dict, stop_rules: dict[str, str]) -> dict:
    """One exercise as the sync expects it: shared stop rules resolved, cues as (kind, text)
    pairs. The dosage stays as written: a key left out takes the model's default (see
    programs.library_sync.dosage_of), so the field list lives only in the model."""
    exercise = {key: value for key, value in entry.items() if key != "stop_rule"}
    if "stop_rule" in entry:
        exercise["stop_if"] = stop_rules[entry["stop_rule"]]
    exercise["cues"] = [tuple(cue) for cue in entry["cues"]]
    return exercise


def _load() -> tuple[list[dict], list[dict]]:
    data = _read("exercises.toml")
    exercises = [_exercise(entry, data["stop_rules"]) for entry in data["exercises"]]
    return exercises, _read("templates.toml")["templates"]


EXERCISES, TEMPLATES = _load()
