"""Exercise illustrations drawn by code from pose data.

Each exercise has a START and an END picture of a simple side-view (or front/top-view)
figure.  Pictures are standalone inline-safe SVG: no ids, no external references, no text
other than the <title> and, for print, an optional caption under the picture.  Pure Python,
no Django, deterministic output.

    render_svg("glute-bridge", "end", title="Glute bridge: lift your hips")
"""

from __future__ import annotations

from .poses import EXERCISES
from .scene import render

__all__ = ["ILLUSTRATED_SLUGS", "has_illustration", "render_svg"]

ILLUSTRATED_SLUGS: frozenset[str] = frozenset(EXERCISES)


def has_illustration(slug: str) -> bool:
    return slug in EXERCISES


def render_svg(slug: str, phase: str, *, title: str = "", caption: str = "") -> str:
    """SVG markup of one phase ("start" or "end") of an exercise, `caption` printed under it.

    Raises KeyError for an unknown slug and ValueError for any other phase.
    """
    exercise = EXERCISES[slug]
    return render(exercise, phase, title, caption)
