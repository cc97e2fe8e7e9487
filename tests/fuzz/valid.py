"""Valid values, derived from the forms themselves (their fields, bounds and choices)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from hypothesis import strategies as st

from tests.fuzz.hostile import TODAY, safe_characters, safe_text

# --------------------------------------------------------------------------------------
# Valid values, derived from the forms themselves
# --------------------------------------------------------------------------------------


def _bounds(field: forms.Field, model_validators: list) -> tuple[Any, Any]:
    low = getattr(field, "min_value", None)
    high = getattr(field, "max_value", None)
    for validator in [*field.validators, *model_validators]:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # option group
            values += [str(v) for v, _ in label]
        else:
            values.append(str(value))
    return [value for value in values if value != ""] or [""]


def text_up_to(max_length: int | None, *, required: bool) -> st.SearchStrategy[str]:
    limit = max_length or 200
    texts = st.text(
        alphabet=safe_characters,
        min_size=1 if required else 0,
        max_size=min(limit, 40),
    )
    at_limit = st.sampled_from(("x", "é", "😀")).map(lambda unit: unit * limit)
    return st.one_of(texts, texts, texts, at_limit)


def dates_between(low: date, high: date) -> st.SearchStrategy[str]:
    return st.one_of(st.dates(low, high), st.sampled_from((low, high))).map(date.isoformat)


def future_dates(days: int = 700) -> st.SearchStrategy[str]:
    """Tomorrow up to `days` ahead, counted from the day the example is drawn, not the day
    the fuzzer was imported (TODAY): a run that passes midnight must still draw dates in
    the future, or a form that takes only those refuses them all."""
    return st.integers(1, days).map(lambda n: (timezone.localdate() + timedelta(n)).isoformat())


# Mostly recent dates, sometimes anything from year 1 to 9999.
any_dates = st.one_of(
    dates_between(date(1990, 1, 1), TODAY),
    dates_between(date(1990, 1, 1), TODAY),
    dates_between(date.min, date.max),
)


def field_strategy(field: forms.Field, model_validators: list) -> st.SearchStrategy | None:
    """Valid values for a form field, as posted strings; None for file fields.

    A model form's fields lack the model's validators (they run in full_clean), so
    those are passed in to find the bounds.
    """
    if isinstance(field, forms.FileField):
        return None
    if isinstance(field, forms.BooleanField):
        return st.just("on")
    if isinstance(field, forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        return st.sampled_from(pks or [""])
    if isinstance(field, forms.MultipleChoiceField):
        return st.lists(
            st.sampled_from(_choice_values(field)),
            min_size=1 if field.required else 0,
            max_size=4,
            unique=True,
        )
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from(_choice_values(field))
    if isinstance(field, forms.DecimalField):
        low, high = _bounds(field, model_validators)
        places = field.decimal_places if field.decimal_places is not None else 2
        low = Decimal(-999) if low is None else Decimal(low)
        high = Decimal(999) if high is None else Decimal(high)
        return st.one_of(
            st.decimals(low, high, places=places).map(str),
            st.integers(int(low), int(high)).map(str),
            st.sampled_from((str(low), str(high))),
        )
    if isinstance(field, forms.IntegerField):
        low, high = _bounds(field, model_validators)
        low = -1000 if low is None else int(low)
        high = 1000 if high is None else int(high)
        return st.one_of(st.integers(low, high), st.sampled_from((low, high))).map(str)
    if isinstance(field, forms.DateField):
        return any_dates
    if isinstance(field, forms.EmailField):
        return fresh_emails
    if isinstance(field, forms.UUIDField):
        return st.uuids().map(str)
    if isinstance(field, forms.CharField):
        return text_up_to(field.max_length, required=field.required)
    return safe_text


fresh_emails = st.one_of(
    st.builds(
        lambda name, n: f"{name}{n}@example.test",
        st.sampled_from(("new.person", "p", "Zoë", "o'brien")),
        st.integers(0, 10**6),
    ),
    st.emails(),
)


def form_data(
    form: forms.BaseForm,
    overrides: dict[str, st.SearchStrategy] | None = None,
) -> st.SearchStrategy[dict]:
    """Valid-looking data for every field of `form`: required ones always present,
    optional ones sometimes. `overrides` replace the derived strategies."""
    overrides = overrides or {}
    model = form._meta.model if isinstance(form, forms.BaseModelForm) else None

    def validators(name: str) -> list:
        try:
            return model._meta.get_field(name).validators if model else []
        except FieldDoesNotExist:
            return []

    required, optional = {}, {}
    for name, field in form.fields.items():
        strategy = overrides[name] if name in overrides else field_strategy(field, validators(name))
        if strategy is None:
            continue
        target = required if field.required or name in overrides else optional
        target[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)
