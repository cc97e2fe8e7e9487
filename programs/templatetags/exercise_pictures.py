from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from programs.illustrations import has_illustration, render_svg

register = template.Library()


@register.simple_tag
def exercise_picture(exercise, phase: str = "end", css_class: str = "exercise-picture"):
    """The clinic's photo if it uploaded one, else the drawn start or end position."""
    caption = f"{exercise.name}: {'starting' if phase == 'start' else 'end'} position"
    if exercise.photo:
        if phase == "start":
            return ""
        url = reverse("exercise_photo", args=[exercise.uuid])
        return format_html('<img class="{}" src="{}" alt="{}">', css_class, url, exercise.name)
    if exercise.illustration and has_illustration(exercise.illustration):
        # render_svg escapes the title itself and emits no ids, links or scripts.
        svg = render_svg(exercise.illustration, phase, title=caption)
        return format_html('<span class="{}">{}</span>', css_class, mark_safe(svg))  # noqa: S308
    return format_html('<span class="{} picture-missing" aria-hidden="true"></span>', css_class)
