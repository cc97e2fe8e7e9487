from __future__ import annotations

from django import template

from programs import pain_guide as guide
from programs.safety import StopRules, stop_rules_for_items

register = template.Library()


@register.simple_tag
def stop_rules_for(items, clinic) -> StopRules:
    """{% stop_rules_for items clinic as rules %}: the stop rules for these program items
    (or exercises) with the clinic's emergency help, for templates/_stop_rules.html. Reads
    only the loaded exercises."""
    return stop_rules_for_items(items, emergency=clinic.emergency_help)


@register.simple_tag
def pain_guide() -> tuple[guide.PainBand, ...]:
    """{% pain_guide as bands %}: the pain guide's bands (programs.pain_guide)."""
    return guide.pain_guide()
