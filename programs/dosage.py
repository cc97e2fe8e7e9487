"""Dosage: its fields, its plain-language line, and how long it takes.

Works on model instances and on plain objects with the same attribute names, so the
builder can show live estimates for rows that are not saved yet.
"""

from __future__ import annotations

from typing import Any

DOSAGE_FIELDS = (
    "sets",
    "reps",
    "hold_seconds",
    "rest_seconds",
    "duration_seconds",
    "times_per_day",
    "days_per_week",
    "side",
)
ITEM_FIELDS = (
    *DOSAGE_FIELDS,
    "weekdays",
    "load_kind",
    "load_kg",
    "load_band",
    "load_effort",
    "notes",
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A slow, controlled repetition takes about this long before any hold.
SECONDS_PER_REP = 4
SIDES_TWICE = {"each_side"}


def weekday_bits(days: list[int]) -> int:
    """[0, 2, 4] (Mon, Wed, Fri) -> bitmask with Monday as bit 0."""
    return sum(1 << day for day in set(days) if 0 <= day <= 6)


def weekday_list(bits: int) -> list[int]:
    return [day for day in range(7) if bits & (1 << day)]


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _seconds(value: Any) -> str:
    value = int(value)
    if value >= 60 and value % 60 == 0:
        minutes = value // 60
        return f"{minutes} min"
    return f"{value} s"


def describe_dosage(item: Any) -> str:
    """'2 × 10 reps · hold 5 s · rest 30 s · 2× a day · Mon, Wed, Fri · each side · red band'."""
    parts = []
    sets, reps, duration = (
        _get(item, "sets") or 1,
        _get(item, "reps"),
        _get(item, "duration_seconds"),
    )
    if reps:
        parts.append(f"{sets} × {reps} reps" if sets > 1 else f"{reps} reps")
    elif duration:
        parts.append(f"{sets} × {_seconds(duration)}" if sets > 1 else _seconds(duration))
    elif sets:
        parts.append(f"{sets} set{'s' if sets > 1 else ''}")
    if _get(item, "hold_seconds"):
        parts.append(f"hold {_seconds(_get(item, 'hold_seconds'))}")
    if _get(item, "rest_seconds"):
        parts.append(f"rest {_seconds(_get(item, 'rest_seconds'))}")
    per_day = _get(item, "times_per_day") or 1
    parts.append("once a day" if per_day == 1 else f"{per_day}× a day")
    bits = _get(item, "weekdays") or 0
    if bits:
        parts.append(", ".join(WEEKDAYS[day] for day in weekday_list(bits)))
    else:
        days = _get(item, "days_per_week") or 7
        parts.append("every day" if days == 7 else f"{days} days a week")
    side = _get(item, "side")
    side_text = {
        "each_side": "each side",
        "left": "left side",
        "right": "right side",
        "alternating": "alternate sides",
    }.get(side)
    if side_text:
        parts.append(side_text)
    load = describe_load(item)
    if load:
        parts.append(load)
    return " · ".join(parts)


def describe_load(item: Any) -> str:
    kind = _get(item, "load_kind")
    if kind == "kg" and _get(item, "load_kg") is not None:
        return f"{_get(item, 'load_kg')} kg"
    if kind == "band" and _get(item, "load_band"):
        return f"{_get(item, 'load_band')} band"
    if kind == "effort" and _get(item, "load_effort") is not None:
        return f"effort {_get(item, 'load_effort')}/10"
    return ""


def session_seconds(item: Any) -> int:
    """Time one session of this item takes, rests included."""
    sets = _get(item, "sets") or 1
    reps, duration = _get(item, "reps"), _get(item, "duration_seconds")
    hold = _get(item, "hold_seconds") or 0
    if reps:
        per_set = reps * (SECONDS_PER_REP + hold)
    elif duration:
        per_set = duration
    else:
        per_set = hold or SECONDS_PER_REP
    total = sets * per_set + max(0, sets - 1) * (_get(item, "rest_seconds") or 0)
    return total * (2 if _get(item, "side") in SIDES_TWICE else 1)


def estimate_minutes(items: list[Any]) -> tuple[int, int]:
    """(minutes per session, minutes per day), rounded up to whole minutes."""
    per_session = sum(session_seconds(item) for item in items)
    per_day = sum(session_seconds(item) * (_get(item, "times_per_day") or 1) for item in items)
    return -(-per_session // 60), -(-per_day // 60)
