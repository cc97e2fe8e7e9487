"""Patient-facing wording of the questionnaires whose items we may show, by name.

Each instrument's wording is declared in its own module of ``patients.instruments``
(where each block says where it was checked); this module gathers it for the code
and tests that look it up by name or by code. Pure data, no Django.

ODI, NDI and STarT Back item wording is licensed by its owners. It must never
appear here or anywhere else in the project: the clinic enters section values from
its own licensed form, and screens show the section names the instruments declare.
"""

from __future__ import annotations

from patients.instruments import INSTRUMENTS, Instrument, instrument
from patients.instruments.base import LICENSED_NOTE, PUBLISHED_NOTE
from patients.instruments.lefs import LEFS_ACTIVITIES, LEFS_INSTRUCTIONS, LEFS_SCALE
from patients.instruments.nprs import NPRS_ANCHORS, NPRS_PROMPT, NPRS_QUESTIONS
from patients.instruments.psfs import PSFS_INSTRUCTIONS, PSFS_SCALE_ANCHORS
from patients.instruments.rmdq import RMDQ_INSTRUCTIONS, RMDQ_ITEMS

__all__ = [
    "CITATIONS",
    "FORM_VERSIONS",
    "LEFS_ACTIVITIES",
    "LEFS_INSTRUCTIONS",
    "LEFS_SCALE",
    "LICENSED_NOTE",
    "NPRS_ANCHORS",
    "NPRS_PROMPT",
    "NPRS_QUESTIONS",
    "PSFS_INSTRUCTIONS",
    "PSFS_SCALE_ANCHORS",
    "PUBLISHED_NOTE",
    "QUOTED",
    "RMDQ_INSTRUCTIONS",
    "RMDQ_ITEMS",
    "instructions_for",
    "items_for",
]

CITATIONS: dict[str, str] = {code: i.citation for code, i in INSTRUMENTS.items()}

# Wording quoted from a published form; screens say so and show the citation.
QUOTED: frozenset[str] = frozenset(code for code, i in INSTRUMENTS.items() if i.quoted)

# The form each response was given on, stored with it (OutcomeResponse.version).
FORM_VERSIONS: dict[str, str] = {code: i.form_version for code, i in INSTRUMENTS.items()}


def _instrument(code: object) -> Instrument:
    try:
        return instrument(code)
    except ValueError as error:
        raise LookupError(str(error)) from None


def items_for(code: str) -> tuple[str, ...]:
    """Return the items a patient may be shown for `code`, in published order.

    NPRS and PSFS have no fixed item list (three ratings of one question;
    patient-chosen activities), so they return an empty tuple and screens use the
    prompt or instructions instead. Licensed instruments raise LookupError, so a template
    that asks for their questions fails loudly rather than printing nothing.
    """
    instrument = _instrument(code)
    if instrument.item_text_licensed:
        raise LookupError(
            f"{instrument.short_name} item wording is licensed by its owners and is not "
            "stored in Limber; show the section names from patients.instruments instead "
            "and score from the clinic's own licensed form"
        )
    return instrument.items


def instructions_for(code: str) -> tuple[str, ...]:
    """The paragraphs shown above a questionnaire, in order; empty for licensed ones,
    whose instructions are on the clinic's own form."""
    return _instrument(code).instructions
