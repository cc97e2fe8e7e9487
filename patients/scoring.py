"""Scoring of the outcome questionnaires Limber supports: the public contract.

``score`` and ``change`` are a public contract (DESIGN.md, "Public contracts"), so
their names and fields stay stable here. Each instrument is declared in its own
module of ``patients.instruments``, which the rest of the project reads directly;
this module only names what other tools import from it.
"""

from __future__ import annotations

from patients.instruments import INSTRUMENTS, change, score
from patients.instruments.base import PERCENT_RULE, Change, Instrument, Score
from patients.instruments.nprs import nprs_mean
from patients.instruments.odi import ODI_BANDS
from patients.instruments.sbst import SBST_PATHWAYS, SBST_RISK_LABELS

__all__ = [
    "INSTRUMENTS",
    "ODI_BANDS",
    "PERCENT_RULE",
    "SBST_PATHWAYS",
    "SBST_RISK_LABELS",
    "Change",
    "Instrument",
    "Score",
    "change",
    "nprs_mean",
    "score",
]
