"""The pain guide: how much pain while exercising is all right (the pain-monitoring model
in DESIGN.md). One list for the handout's table and the Today page, so the two never say
it in different words."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

# The top of the safe and of the acceptable band, on the 0-10 scale.
SAFE_AT_MOST = 3
ACCEPTABLE_AT_MOST = 5


@dataclass(frozen=True)
class PainBand:
    kind: str  # ok, warn or stop: the handout colours its row by it
    pain: str
    advice: str


def pain_guide() -> tuple[PainBand, ...]:
    """The bands in the active language."""
    return (
        PainBand(
            "ok",
            _("{low} to {high}").format(low=0, high=SAFE_AT_MOST),
            _("Fine. Carry on."),
        ),
        PainBand(
            "warn",
            _("{low} to {high}").format(low=SAFE_AT_MOST + 1, high=ACCEPTABLE_AT_MOST),
            _("OK if it has settled by the next morning."),
        ),
        PainBand(
            "stop",
            _("Above {high}").format(high=ACCEPTABLE_AT_MOST),
            _("Too much. Do less next time."),
        ),
    )
