"""Where a clinic's patients get emergency help: the number to call and the place to go.

Every stop box (Today, My program, the handout) and the advice page after an urgent sign
say "Call <number> or go to <place> now". A UK clinic's patients call 999 and go to A&E;
a US clinic's call 911 and go to the emergency room. The clinic chooses its region in its
settings (Clinic.emergency_region); the UK's is the default, as before the setting.

Pure Python, like programs/safety.py, which carries the chosen entry in its StopRules.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic.lib.catalogue import gettext_noop


@dataclass(frozen=True)
class EmergencyHelp:
    # The region's name, as the clinic settings list it.
    region: str
    number: str
    # Finishes "Call 999 or go to ... now".
    place: str


# By the code stored in Clinic.emergency_region, whose choices are these.
EMERGENCY_HELP: dict[str, EmergencyHelp] = {
    "uk": EmergencyHelp(gettext_noop("United Kingdom"), "999", gettext_noop("A&E")),
    "us": EmergencyHelp(
        gettext_noop("United States and Canada"), "911", gettext_noop("the emergency room")
    ),
    "eu": EmergencyHelp(
        gettext_noop("European Union"), "112", gettext_noop("the emergency department")
    ),
    "au": EmergencyHelp(gettext_noop("Australia"), "000", gettext_noop("the emergency department")),
    "nz": EmergencyHelp(
        gettext_noop("New Zealand"), "111", gettext_noop("the emergency department")
    ),
}
DEFAULT_REGION = "uk"
