from __future__ import annotations

from django import template

from programs.safety import StopRules, stop_rules_for_items

register = template.Library()


@register.simple_tag
def stop_rules_for(items) -> StopRules:
    """{% stop_rules_for items as rules %}: the stop rules for these program items (or
    exercises), for templates/_stop_rules.html. Reads only the loaded exercises."""
    return stop_rules_for_items(items)
