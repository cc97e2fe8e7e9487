"""Dosage: its fields, its plain-language line, and how long it takes.

Works on model instances and on plain objects with the same attribute names, so the
builder can show live estimates for rows that are not saved yet.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import formats, translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from programs.models import CueKind, Dosage, ProgramItem, Side

# The fields come from the models, so a dosage field added there reaches the library sync,
# the builder, revisions, handouts and the API without a list to update by hand.
DOSAGE_FIELDS = tuple(field.name for field in Dosage._meta.local_fields)
# What a prescription adds to the dosage: everything a clinician edits on a program row
# (its place in the program and its links are the row's identity, not its prescription).
ITEM_FIELDS = tuple(
    field.name
    for field in ProgramItem._meta.concrete_fields
    if field.editable and not field.is_relation and field.name not in {"id", "order"}
)


def limits() -> dict[str, list[int]]:
    """Each numeric dosage field's [lowest, highest] allowed value, from the model's own
    validators, for pages whose scripts need them (the exercise timer): one set of limits."""
    found = {}
    for field in Dosage._meta.local_fields:
        low = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
        high = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
        if high:
            found[field.name] = [max(low, default=0), min(high)]
    return found


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Band colours as their own phrases: the colour's word and place differ by language.
BANDS = {
    "yellow": gettext_lazy("yellow band"),
    "red": gettext_lazy("red band"),
    "green": gettext_lazy("green band"),
    "blue": gettext_lazy("blue band"),
    "black": gettext_lazy("black band"),
    "": gettext_lazy("{band} band"),
}
# A slow, controlled repetition takes about this long before any hold.
SECONDS_PER_REP = 4
# "10 reps on each side": the sets and reps are per side, so the whole dose is done once
# for each side. Every other side (both at once, alternating, one side) is done once.
SIDES_TWICE = {"each_side"}
# A dose for one side only (the operated or weak one): its steps never tell the patient
# to change sides, and a progression keeps the side (patients.progressions).
ONE_SIDE = frozenset({Side.LEFT, Side.RIGHT, Side.AFFECTED})


def weekday_bits(days: list[int]) -> int:
    """[0, 2, 4] (Mon, Wed, Fri) -> bitmask with Monday as bit 0."""
    return sum(1 << day for day in set(days) if 0 <= day <= 6)


def weekday_list(bits: int) -> list[int]:
    return [day for day in range(7) if bits & (1 << day)]


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _count(item: Any, name: str) -> int:
    """A number of the dosage for estimates: a value being typed in the builder may be
    negative or absurd (the form refuses it on saving); it counts as nothing, never as
    minus thousands of minutes."""
    value = _get(item, name)
    return value if isinstance(value, int) and 0 < value <= 100_000 else 0


def _seconds(value: Any) -> str:
    """ "30 s", "2 min", joined by a no-break space: a phone's line broke "hold 10 / s"."""
    value = int(value)
    if value >= 60 and value % 60 == 0:
        text = _("{minutes} min").format(minutes=value // 60)
    else:
        text = _("{seconds} s").format(seconds=value)
    return text.replace(" ", "\N{NO-BREAK SPACE}")


def _seconds_in_words(value: Any) -> str:
    """The same amount as _seconds, written out for a sentence: "5 seconds", "2 minutes"."""
    value = int(value)
    if value >= 60 and value % 60 == 0:
        minutes = value // 60
        return ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)
    return ngettext("{count} second", "{count} seconds", value).format(count=value)


# Every phrase is one whole message with named placeholders, so a translation can order
# and inflect it as its language needs ("dos veces al día"), never English fragments
# glued together.
def times_a_day(count: int) -> str:
    """ "once a day", "twice a day", "3 times a day": never "2×", which reads as "2 sets"."""
    if count == 1:
        return _("once a day")
    if count == 2:
        return _("twice a day")
    return ngettext("{count} time a day", "{count} times a day", count).format(count=count)


def _amount(item: Any) -> str:
    """How much in one go: "10 reps", "2 sets of 10 reps", "3 sets of 20 s", "3 sets"."""
    sets, reps, duration = (
        _get(item, "sets") or 1,
        _get(item, "reps"),
        _get(item, "duration_seconds"),
    )
    if reps:
        each = ngettext("{count} rep", "{count} reps", reps).format(count=reps)
    elif duration:
        each = _seconds(duration)
    else:
        return _("{sets} sets").format(sets=sets) if sets > 1 else ""
    return _("{sets} sets of {each}").format(sets=sets, each=each) if sets > 1 else each


def describe_done(sets: int | None, reps: int | None) -> str:
    """The amount a patient said they did ("I did a different amount"), in the dose line's
    words: "1 set of 8 reps", "8 reps", "2 sets"; "" when they gave none."""
    each = ngettext("{count} rep", "{count} reps", reps).format(count=reps) if reps else ""
    if not sets:
        return each
    if not each:
        return ngettext("{count} set", "{count} sets", sets).format(count=sets)
    return ngettext("{sets} set of {each}", "{sets} sets of {each}", sets).format(
        sets=sets, each=each
    )


# Each side's phrase with an amount and alone. Marked for translation here and translated
# where used, so a dose line looks up only the phrase it shows.
SIDE_PHRASES = {
    "each_side": (gettext_noop("{amount} on each side"), gettext_noop("on each side")),
    "alternating": (
        gettext_noop("{amount} in all, alternating sides"),
        gettext_noop("alternating sides"),
    ),
    "left": (gettext_noop("{amount}, left side only"), gettext_noop("left side only")),
    "right": (gettext_noop("{amount}, right side only"), gettext_noop("right side only")),
    "affected": (gettext_noop("{amount} on your sore side"), gettext_noop("sore side only")),
}


def _with_side(amount: str, side: str | None) -> str:
    """The amount and the side in one phrase, so a count is never unclear: per side, or
    in all?"""
    if side not in SIDE_PHRASES:
        return amount
    with_amount, alone = SIDE_PHRASES[side]
    return _(with_amount).format(amount=amount) if amount else _(alone)


def describe_dosage(item: Any) -> str:
    """'2 sets of 10 reps on each side · hold 5 s · rest 30 s between sets · twice a day ·
    Mon, Wed, Fri · red band', in the active language."""
    parts: list[str] = []
    amount, hold = _amount(item), _get(item, "hold_seconds")
    if hold:
        hold_text = _("hold {time}").format(time=_seconds(hold))
        # A hold alone is the amount itself: "hold 30 s on each side".
        amount, hold_text = (amount, hold_text) if amount else (hold_text, "")
    amount = _with_side(amount, _get(item, "side"))
    parts.extend(part for part in (amount, hold and hold_text) if part)
    # Rest is the pause between sets (see session_seconds): with one set there is none.
    if _get(item, "rest_seconds") and (_get(item, "sets") or 1) > 1:
        parts.append(
            _("rest {time} between sets").format(time=_seconds(_get(item, "rest_seconds")))
        )
    parts.append(times_a_day(_get(item, "times_per_day") or 1))
    parts.append(describe_days(item))
    load = describe_load(item)
    if load:
        parts.append(load)
    return " · ".join(parts)


def describe_days(item: Any) -> str:
    """ "every day", "3 days a week" or the chosen weekdays, "Mon, Wed, Fri"."""
    bits = _get(item, "weekdays") or 0
    if bits:
        return ", ".join(str(WEEKDAYS_ABBR[day]) for day in weekday_list(bits))
    days = _get(item, "days_per_week") or 7
    if days == 7:
        return _("every day")
    return ngettext("{count} day a week", "{count} days a week", days).format(count=days)


# Step texts (exercise cues) may name the prescribed amounts by these placeholders, so a
# step never says "hold for 5 seconds" when the prescription says 30. Each is filled from
# the item (or an exercise's default dosage); a missing amount becomes words that still
# read naturally. Anything else in braces is a clinic's own text, printed as it is.
PLACEHOLDERS = {
    "hold": (
        lambda item: (
            _seconds_in_words(_get(item, "hold_seconds"))
            if _get(item, "hold_seconds")
            else _("a moment")
        )
    ),
    "reps": lambda item: str(_get(item, "reps")) if _get(item, "reps") else _("a few"),
    "sets": lambda item: str(_get(item, "sets") or 1),
    "duration": (
        lambda item: (
            _seconds_in_words(_get(item, "duration_seconds"))
            if _get(item, "duration_seconds")
            else _("a short while")
        )
    ),
}
PLACEHOLDER_PATTERN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def fill_step(text: str, item: Any) -> str:
    """A step's text with its placeholders filled from `item`'s prescription:
    "Hold for {hold}, then relax." -> "Hold for 30 seconds, then relax."

    Only the names in PLACEHOLDERS are replaced, by plain substitution (never
    str.format: the text may be a clinic's own, and is never evaluated); other braces
    stay as written. The result is plain text, escaped like any other by the templates.
    """
    return PLACEHOLDER_PATTERN.sub(lambda match: PLACEHOLDERS[match.group(1)](item), text)


def steps(item: Any) -> list[str]:
    """The steps a patient reads for a prescribed item (with `.text`, its exercise's
    programs.localized.ExerciseText): its amounts filled in (fill_step), and for a dose
    on one side only, without the step that changes sides ("Then switch legs." beside
    "left side only" had the patient do both)."""
    text = item.text
    one_side = _get(item, "side") in ONE_SIDE
    # Steps not translated yet are shown in English, and their amounts with them: filled
    # in the reader's language, one read "Pause for un momento, then lower it slowly".
    english = translation.override(settings.LANGUAGE_CODE) if text.in_english else nullcontext()
    with english:
        return [
            fill_step(cue, item)
            for cue, kind in zip(text.cues, text.kinds or ("",) * len(text.cues), strict=True)
            if not (one_side and kind == CueKind.SIDES)
        ]


def _kilograms(value: Any) -> str:
    """2.5 as "2.5" ("2,5" in Spanish), and a whole number without its ".0": the database
    gives 2 kg back as 2.0, which the builder, drawing what was typed, showed as "2"."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return formats.number_format(number)


def describe_load(item: Any) -> str:
    kind = _get(item, "load_kind")
    if kind == "kg" and _get(item, "load_kg") is not None:
        return _("{kg} kg").format(kg=_kilograms(_get(item, "load_kg")))
    if kind == "band" and _get(item, "load_band"):
        band = _get(item, "load_band")
        return BANDS[band].format(band=band) if band in BANDS else BANDS[""].format(band=band)
    if kind == "effort" and _get(item, "load_effort") is not None:
        return _("effort {value}/10").format(value=_get(item, "load_effort"))
    return ""


def sides_in_turn(item: Any) -> int:
    """How many sides one session does the prescribed sets for, one after the other: 2 for
    a dose "on each side", else 1. The one rule for it: the time estimates
    (session_seconds) and the exercise timer on Today (its data-sides, so it ticks Done
    only after the last side) both take it from here."""
    return 2 if _get(item, "side") in SIDES_TWICE else 1


def session_seconds(item: Any) -> int:
    """Time one session of this item takes, rests included."""
    sets = _count(item, "sets") or 1
    reps, duration = _count(item, "reps"), _count(item, "duration_seconds")
    hold = _count(item, "hold_seconds")
    if reps:
        per_set = reps * (SECONDS_PER_REP + hold)
    elif duration:
        per_set = duration
    else:
        per_set = hold or SECONDS_PER_REP
    total = sets * per_set + max(0, sets - 1) * _count(item, "rest_seconds")
    return total * sides_in_turn(item)


def estimate_minutes(items: list[Any]) -> tuple[int, int]:
    """(minutes per session, minutes per day), rounded up to whole minutes."""
    per_session = sum(session_seconds(item) for item in items)
    per_day = sum(session_seconds(item) * (_count(item, "times_per_day") or 1) for item in items)
    return -(-per_session // 60), -(-per_day // 60)
