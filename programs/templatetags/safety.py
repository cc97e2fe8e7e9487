from __future__ import annotations

from django import template

from programs.safety import StopRules, stop_rules_for_items

register = template.Library()


@register.simple_tag
def stop_rules_for(items, clinic) -> StopRules:
    """{% stop_rules_for items clinic as rules %}: the stop rules for these program items
    (or exercises) with the clinic's emergency help, for templates/_stop_rules.html. Reads
    only the loaded exercises."""
    return stop_rules_for_items(items, emergency=clinic.emergency_help)
