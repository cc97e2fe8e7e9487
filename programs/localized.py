"""Which language's text a patient page, e-mail or handout shows for an exercise, a
program and a leaflet.

The rule is the same everywhere: the patient's language when a translation exists,
else the English text marked "in English" (`in_english`: templates/_in_english.html,
and lang="en" on the text), never a silent mix. English readers see the English text
unmarked. Texts a clinic writes for one patient (notes, a program's own title) are
shown as written: the clinic wrote them for that patient.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from programs.content import leaflets as leaflet_content
from programs.content import translations
from programs.models import ExerciseCue, ExerciseTranslation, Program


@dataclass(frozen=True)
class ExerciseText:
    name: str
    lay_name: str
    cautions: str
    stop_if: str
    cues: tuple[str, ...]
    # The language the text is in, and whether it is English shown to a reader of
    # another language (no translation yet).
    language: str
    in_english: bool = False
    # Each step's kind (programs.models.CueKind), in the order of `cues`: a dose for one
    # side leaves out the step that changes sides (programs.dosage.steps).
    kinds: tuple[str, ...] = ()


Steps = tuple[tuple[str, str], ...]  # (kind, text) of each English step, in order


def _english(exercise: Any, language: str, steps: Steps) -> ExerciseText:
    return ExerciseText(
        name=exercise.name,
        lay_name=exercise.lay_name,
        cautions=exercise.cautions,
        stop_if=exercise.stop_if,
        cues=tuple(text for _kind, text in steps),
        kinds=tuple(kind for kind, _text in steps),
        language=settings.LANGUAGE_CODE,
        in_english=language != settings.LANGUAGE_CODE,
    )


def exercise_text(exercise: Any, language: str, steps: Steps) -> ExerciseText:
    """The exercise's text for a reader of `language`, `steps` its English steps (for an
    English reader, or where there is no translation). Reads
    `exercise.translations` (prefetch them with `prefetch_for(language)` for lists)."""
    if language == settings.LANGUAGE_CODE:
        return _english(exercise, language, steps)
    row = next((t for t in exercise.translations.all() if t.language == language), None)
    if row is None:
        return _english(exercise, language, steps)
    # Each translated step has the kind it was written for, whatever the English steps
    # are now (one added since must not shift the others onto its kind).
    kinds = list(row.cue_kinds) + [""] * (len(row.cues) - len(row.cue_kinds))
    translated = [(kind, text) for kind, text in zip(kinds, row.cues, strict=False) if text]
    return ExerciseText(
        name=row.name,
        lay_name=row.lay_name,
        cautions=row.cautions,
        stop_if=row.stop_if,
        cues=tuple(text for _kind, text in translated),
        kinds=tuple(kind for kind, _text in translated),
        language=language,
    )


def prefetch_for(language: str, prefix: str = "exercise__") -> list[Prefetch]:
    """The prefetches localize_items needs, for a queryset of items (prefix "exercise__")
    or of exercises (prefix ""). English readers need no translations: no query for them."""
    if language == settings.LANGUAGE_CODE:
        return []
    translated = ExerciseTranslation.objects.filter(language=language)
    return [Prefetch(f"{prefix}translations", queryset=translated)]


def english_steps(exercise_ids: Iterable[int]) -> dict[int, Steps]:
    """The exercises' English steps, (kind, text) in order, in one query. Read as text:
    prefetching them as rows cost the Today page more than the query itself."""
    steps: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        ExerciseCue.objects.filter(exercise_id__in=set(exercise_ids))
        .order_by("order")
        .values_list("exercise_id", "kind", "text")
    )
    for exercise_id, kind, text in rows:
        steps[exercise_id].append((kind, text))
    return {exercise_id: tuple(pairs) for exercise_id, pairs in steps.items()}


def localize_items(items: Iterable[Any], language: str) -> list[Any]:
    """Each program item with `.text`, its exercise's ExerciseText for `language`."""
    items = list(items)
    steps = english_steps(item.exercise_id for item in items) if items else {}
    for item in items:
        item.text = exercise_text(item.exercise, language, steps.get(item.exercise_id, ()))
    return items


@dataclass(frozen=True)
class ProgramText:
    title: str
    goal: str
    patient_notes: str


def _template_key(program: Program) -> str:
    """The built-in template a program was copied from (following copies of copies)."""
    seen = set()
    current = program
    while current is not None and current.pk not in seen:
        if current.template_key and current.clinic_id is None:
            return current.template_key
        seen.add(current.pk)
        current = current.based_on
    return ""


def program_text(program: Program, language: str) -> ProgramText:
    """A program's title, goal and notes: a built-in template's translation where the
    program still has the template's English words, else as the clinic wrote them."""
    text = ProgramText(program.title, program.goal, program.patient_notes)
    if language == settings.LANGUAGE_CODE:
        return text
    key = _template_key(program)
    translated = translations.load(language)["templates"].get(key) if key else None
    if not translated:
        return text
    template = program if program.template_key == key else _root(program, key)
    return ProgramText(
        *(
            translated.get(field) or getattr(program, field)
            if getattr(program, field) == getattr(template, field)
            else getattr(program, field)
            for field in ("title", "goal", "patient_notes")
        )
    )


def _root(program: Program, key: str) -> Program:
    current = program
    while current.based_on is not None and current.template_key != key:
        current = current.based_on
    return current


@dataclass(frozen=True)
class LeafletText:
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    in_english: bool = False


def leaflets_for(slugs: Iterable[str], language: str) -> list[LeafletText]:
    """The chosen leaflets in `language`, each in English and marked when it has no
    translation yet."""
    translated = (
        translations.load(language)["leaflets"] if language != settings.LANGUAGE_CODE else {}
    )
    result = []
    for leaflet in leaflet_content.chosen(slugs):
        entry = translated.get(leaflet.slug)
        if entry and entry.get("title") and entry.get("paragraphs"):
            result.append(LeafletText(leaflet.slug, entry["title"], tuple(entry["paragraphs"])))
        else:
            result.append(
                LeafletText(
                    leaflet.slug,
                    leaflet.title,
                    leaflet.paragraphs,
                    in_english=language != settings.LANGUAGE_CODE,
                )
            )
    return result


@functools.cache
def content_version(language: str) -> str:
    """Part of a stored handout's key: the translated templates' and leaflets' text."""
    if language == settings.LANGUAGE_CODE:
        return ""
    data = translations.load(language)
    text = repr(sorted(data["templates"].items())) + repr(sorted(data["leaflets"].items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
