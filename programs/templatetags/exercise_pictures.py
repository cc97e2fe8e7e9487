from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from programs.illustrations import has_illustration, render_svg
from programs.illustrations.motion import motion_svg

register = template.Library()


@register.simple_tag(takes_context=True)
def exercise_picture(
    context, exercise, phase: str = "end", css_class: str = "exercise-picture", text=None
):
    """The clinic's photo if it uploaded one, else the drawn start or end position.
    `text`: the exercise's text in the reader's language (programs.localized)."""
    name = text.name if text is not None else exercise.name
    caption = (
        _("{name}: starting position") if phase == "start" else _("{name}: end position")
    ).format(name=name)
    if exercise.photo:
        if phase == "start":
            return ""
        url = _photo_url(context, exercise)
        return format_html('<img class="{}" src="{}" alt="{}">', css_class, url, name)
    if exercise.illustration and has_illustration(exercise.illustration):
        # render_svg escapes the title itself and emits no ids, links or scripts.
        svg = render_svg(exercise.illustration, phase, title=caption)
        return format_html('<span class="{}">{}</span>', css_class, mark_safe(svg))  # noqa: S308
    return format_html('<span class="{} picture-missing" aria-hidden="true"></span>', css_class)


def _photo_url(context, exercise) -> str:
    """The library's photo route is for staff only. A patient's page (clinic.permissions'
    patient_required sets `request.patient`) points at the patient area's, which serves
    only the photos of their own current program. Named, not imported: the patient area
    is the patients app's, which programs never imports."""
    if getattr(context.get("request"), "patient", None) is not None:
        url = reverse("patients:patient_exercise_photo")
        return f"{url}?{urlencode({'exercise': exercise.uuid})}"
    return reverse("programs:exercise_photo", args=[exercise.uuid])


@register.simple_tag
def exercise_motion(exercise, dose=None, text=None):
    """The drawing that moves from the start to the end pose and back
    (clinic/js/exercise-motion.js plays it), timed by `dose` (a prescribed item) or the
    exercise's own defaults. Hidden until the script shows it: without JavaScript, and for
    people who ask for reduced motion, the still pictures stand alone. Nothing for an
    exercise with a photo or without a drawing."""
    if exercise.photo or not (exercise.illustration and has_illustration(exercise.illustration)):
        return ""
    dose = dose or exercise
    name = text.name if text is not None else exercise.name
    svg = motion_svg(exercise.illustration, title=_("{name}: the movement").format(name=name))
    return format_html(
        '<div class="exercise-motion" hidden data-label="{}" data-hold="{}" data-reps="{}">'
        "{}</div>",
        text.lay_name if text is not None else exercise.lay_name,
        dose.hold_seconds or 0,
        dose.reps or "",
        mark_safe(svg),  # noqa: S308 - our own markup, as render_svg above
    )
