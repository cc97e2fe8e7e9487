"""When exercises are due, and how much was prescribed: the arithmetic behind adherence.

An item is due on its chosen weekdays; without chosen weekdays, "N days a week" leaves
the days to the patient, so the item stays due until this week's quota is done.
Works on anything with the item fields (ProgramItem or a revision snapshot dict).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name)


def days_a_week(item: Any) -> int:
    bits = _get(item, "weekdays") or 0
    return bin(bits).count("1") if bits else (_get(item, "days_per_week") or 7)


def per_week(item: Any) -> int:
    """Exercise sessions a week this item asks for."""
    return days_a_week(item) * (_get(item, "times_per_day") or 1)


def _exercise(item: Any) -> Any:
    """Which exercise a row is: a snapshot names it by uuid, a ProgramItem by id; a row
    that names none counts as its own."""
    if isinstance(item, dict):
        return item.get("exercise") or item.get("exercise_id") or id(item)
    return item.exercise_id


def _per_exercise(items: list[Any], amount) -> float:
    """A program's amount counted per exercise, as the log counts what was done (one entry
    per exercise a session): an exercise listed on two rows (one per side) is one exercise,
    at its busier row's amount. Counted per row, doing both rows every day read as 50%."""
    busiest: dict[Any, float] = {}
    for item in items:
        key = _exercise(item)
        busiest[key] = max(busiest.get(key, 0.0), amount(item))
    return sum(busiest.values())


def prescribed_per_week(items: list[Any]) -> float:
    return _per_exercise(items, per_week)


def prescribed_on(item: Any, day: date) -> float:
    """Expected sessions of this item on `day`. Flexible items spread evenly over the week."""
    bits = _get(item, "weekdays") or 0
    times = _get(item, "times_per_day") or 1
    if bits:
        return float(times) if bits & (1 << day.weekday()) else 0.0
    return times * (_get(item, "days_per_week") or 7) / 7


def prescribed_for(items: list[Any], day: date) -> float:
    """Expected sessions on `day` of a program's items, counted per exercise."""
    return _per_exercise(items, lambda item: prescribed_on(item, day))


def week_start(day: date) -> date:
    """Monday of the ISO week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Due:
    item: Any
    done_today: int
    remaining_today: int
    # (sets, reps) of today's sessions done at an amount the patient gave ("I did a
    # different amount"), in the order logged: Today shows them beside the dose.
    amounts_today: tuple[tuple[int | None, int | None], ...] = ()


def due_today(
    items: list[Any], today: date, done_today: dict[int, int], done_this_week: dict[int, int]
) -> list[Due]:
    """The items to show today, with how many of today's sessions are left.

    `done_today` and `done_this_week` count sessions per exercise id.
    """
    due = []
    for item in items:
        exercise_id = _get(item, "exercise_id")
        times = _get(item, "times_per_day") or 1
        today_count = done_today.get(exercise_id, 0)
        bits = _get(item, "weekdays") or 0
        if bits:
            if not bits & (1 << today.weekday()):
                continue
        elif (_get(item, "days_per_week") or 7) < 7:
            week_left = per_week(item) - done_this_week.get(exercise_id, 0)
            # Quota met on earlier days: nothing more this week, unless started today.
            if week_left <= 0 and today_count == 0:
                continue
        due.append(
            Due(item=item, done_today=today_count, remaining_today=max(0, times - today_count))
        )
    return due
