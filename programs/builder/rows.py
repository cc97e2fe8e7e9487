"""The builder's rows: the program being edited as posted (raw values, exercises looked
up), the actions that change it (add, remove, move), and the library search beside it.
Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils.translation import gettext

from clinic.parsing import parse_int, parse_uuid
from programs.builder.forms import PREFIX, ItemForm
from programs.dosage import (
    ITEM_FIELDS,
    describe_dosage,
    estimate_minutes,
    limits,
    weekday_bits,
    weekday_list,
)
from programs.models import Category, Exercise, ProgramItem
from programs.services import MAX_ITEMS

SEARCH_RESULTS = 8


@dataclass
class Row:
    """A program item as posted (raw strings), with its exercise looked up."""

    values: dict[str, Any]
    exercise: Exercise | None = None

    @cached_property
    def out_of_range(self) -> list[str]:
        """The numbers typed that saving will refuse, as "Sets (1 to 10)": the line drawn
        from them read "9999 sets of 100000 reps", and a per-day 0 "once a day" (found by
        the portal review). Read by the dose line and by its template: worked out once (a
        row's values are set when it is made)."""
        refused = []
        for name, (low, high) in limits().items():
            number = parse_int(self.values.get(name))
            if number is not None and not low <= number <= high:
                label = ItemForm.base_fields[name].label
                refused.append(
                    gettext("{field} ({low} to {high})").format(field=label, low=low, high=high)
                )
        return refused

    @property
    def dose_line(self) -> str:
        """The dose as one line ("2 sets of 10 reps · hold 5 s · twice a day · every day"),
        from the values as typed: what is not a number yet is left out; a number out of
        range is named instead (out_of_range)."""
        if refused := self.out_of_range:
            return gettext("Check these numbers: {fields}.").format(fields=", ".join(refused))
        view: dict[str, Any] = {}
        for name in ITEM_FIELDS:
            value = self.values.get(name)
            if name == "weekdays":
                days = [parse_int(day, low=0, high=6) for day in value or []]
                view[name] = weekday_bits([day for day in days if day is not None])
                continue
            # Each value as saving will clean it, so the line is the one every other page
            # prints: read here as "a number of 1 or more", a weight of 0 kg or an effort
            # of 0 was left out of this line alone (found by the dose review).
            try:
                cleaned = ItemForm.base_fields[name].clean(value)
            except ValidationError:
                cleaned = None
            view[name] = None if cleaned in ("", None) else cleaned
        try:
            return describe_dosage(view)
        except (TypeError, ValueError):
            return ""

    @property
    def estimate_view(self) -> dict:
        """The row for the program's minutes; a number out of range counts as not given
        (9999 sets of 100000 reps made "about 66660011 min per session")."""
        bounds = limits()
        view = {}
        for name in ITEM_FIELDS:
            low, high = bounds.get(name, (None, None))
            view[name] = parse_int(self.values.get(name), low=low, high=high)
        view["side"] = self.values.get("side")
        return view


@dataclass
class BuilderState:
    rows: list[Row]
    messages: list[str] = field(default_factory=list)

    @property
    def exercises(self) -> list[Exercise]:
        return [row.exercise for row in self.rows if row.exercise]

    @property
    def duplicates(self) -> list[str]:
        seen, dupes = set(), []
        for exercise in self.exercises:
            if exercise.pk in seen and exercise.name not in dupes:
                dupes.append(exercise.name)
            seen.add(exercise.pk)
        return dupes

    @property
    def minutes(self) -> tuple[int, int]:
        return estimate_minutes([row.estimate_view for row in self.rows])


def rows_from_items(items: list[ProgramItem]) -> list[Row]:
    rows = []
    for item in items:
        values = {name: getattr(item, name) for name in ITEM_FIELDS}
        values["weekdays"] = weekday_list(item.weekdays)
        values["id"] = item.pk
        values["exercise"] = str(item.exercise.uuid)
        rows.append(Row(values=values, exercise=item.exercise))
    return rows


def rows_from_post(data, clinic_id) -> list[Row]:
    """The rows as posted; exercises the clinic may not use are dropped."""
    total = min(parse_int(data.get(f"{PREFIX}-TOTAL_FORMS")) or 0, MAX_ITEMS + 1)
    rows = []
    for index in range(total):
        key = f"{PREFIX}-{index}-"
        values = {name: data.get(key + name, "") for name in ITEM_FIELDS if name != "weekdays"}
        values["weekdays"] = data.getlist(key + "weekdays")
        values["id"] = data.get(key + "id", "")
        values["exercise"] = data.get(key + "exercise", "")
        rows.append(Row(values=values))
    attach_exercises(rows, clinic_id)
    return rows


def attach_exercises(rows: list[Row], clinic_id) -> None:
    """One query for all rows' exercises, restricted to what this clinic may use."""
    wanted = {parse_uuid(row.values.get("exercise")) for row in rows} - {None}
    found = {
        exercise.uuid: exercise
        for exercise in Exercise.objects.visible_to_clinic(clinic_id).filter(uuid__in=wanted)
    }
    for row in rows:
        row.exercise = found.get(parse_uuid(row.values.get("exercise")))


def apply_action(state: BuilderState, action: str, clinic_id) -> None:
    """Add, remove or move a row. Unknown or malformed actions change nothing."""
    verb, _, arg = (action or "").partition(":")
    if verb == "add":
        if len(state.rows) >= MAX_ITEMS:
            state.messages.append(f"A program can have at most {MAX_ITEMS} exercises.")
            return
        key = parse_uuid(arg)
        exercise = (
            Exercise.objects.visible_to_clinic(clinic_id).filter(uuid=key).first() if key else None
        )
        if exercise is None:
            state.messages.append("That exercise is not available.")
            return
        values = {name: getattr(exercise, name) for name in ITEM_FIELDS if hasattr(exercise, name)}
        values.update(weekdays=[], id="", exercise=str(exercise.uuid))
        state.rows.append(Row(values=values, exercise=exercise))
        return
    if verb == "move":
        # "move:<index>:<position>": straight to a position (1-based), one round trip.
        where, _, to = arg.partition(":")
        index, target = parse_int(where), parse_int(to)
        if index is None or target is None or not 0 <= index < len(state.rows):
            return
        row = state.rows.pop(index)
        state.rows.insert(min(max(target, 1), len(state.rows) + 1) - 1, row)
        return
    index = parse_int(arg)
    if index is None or not 0 <= index < len(state.rows):
        return
    if verb == "remove":
        state.rows.pop(index)
    elif verb == "up" and index > 0:
        state.rows[index - 1], state.rows[index] = state.rows[index], state.rows[index - 1]
    elif verb == "down" and index < len(state.rows) - 1:
        state.rows[index + 1], state.rows[index] = state.rows[index], state.rows[index + 1]


def posted_action(data) -> str:
    """The builder button pressed; "Move" carries the position chosen beside it."""
    action = (data.get("action") or "")[:60]
    verb, _, index = action.partition(":")
    if verb == "move":
        return f"move:{index}:{(data.get(f'move_to_{index}') or '')[:4]}"
    return action


def search_library(clinic_id, query: str, category: str = "", page: int = 1):
    """Library search for the builder's side panel: one page (names and pictures)."""
    exercises = Exercise.objects.visible_to_clinic(clinic_id).search(query)
    if category in Category.values:
        exercises = exercises.filter(category=category)
    return Paginator(exercises, SEARCH_RESULTS).get_page(page)
