"""The words our own JavaScript shows in the patient area, translated on the server.

The scripts are static files (no inline code: the Content-Security-Policy forbids it), so
a page in another language carries these words as a JSON island
(`{{ js_text|json_script:"limber-text" }}` in base.html), which clinic/js/text.js reads;
English pages carry none and the scripts use their own English. A placeholder in braces,
"{set}", is filled in by the script. Keep this list and the scripts' strings the same.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop, ngettext_lazy

JS_TEXT = (
    # exercise-timer.js
    gettext_noop("Get ready…"),
    gettext_noop("Hold…"),
    gettext_noop("Relax"),
    gettext_noop("Rest"),
    gettext_noop("Rep"),
    gettext_noop("Keep going…"),
    gettext_noop("Paused"),
    gettext_noop("Done! Tick it off below."),
    gettext_noop("Done! It is ticked below."),
    gettext_noop("Set {set} of {sets}"),
    gettext_noop("Rep {rep} of {reps}"),
    gettext_noop("Next: set {set} of {sets}"),
    gettext_noop("Side {side} of {sides}"),
    gettext_noop("Next: side {side} of {sides}"),
    gettext_noop("Switch sides"),
    gettext_noop("Timer: {label}"),
    gettext_noop("Exercise timer"),
    gettext_noop("Start timer"),
    gettext_noop("Start again"),
    gettext_noop("Pause"),
    gettext_noop("Resume"),
    gettext_noop("Stop"),
    gettext_noop("for {label}"),
    # exercise-motion.js
    gettext_noop("Play the movement"),
    gettext_noop("Pause the movement"),
    # patient-app.js
    gettext_noop(
        "No connection right now. Your session is saved on this phone and will be sent "
        "when you are back online."
    ),
    gettext_noop(
        "No connection, and this phone could not keep your session. Please try again when "
        "you are back online."
    ),
    gettext_noop("A session saved on this phone is waiting to be sent. Sign in to send it."),
    gettext_noop("Update this page"),
    gettext_noop(
        "A session saved on this phone could not be sent just now. It stays on this phone "
        "and we will try again in a minute."
    ),
    gettext_noop(
        "No connection, so you are still signed in. Sign out again when you are back online."
    ),
    # form-keeper.js
    gettext_noop(
        "No connection: nothing was sent. What you entered is still here; try again when "
        "you are back online."
    ),
    gettext_noop(
        "The server had a problem, so nothing was sent. What you entered is still here. "
        "Try again in a moment."
    ),
    gettext_noop("Sending…"),
    gettext_noop("You are not signed in yet."),
    gettext_noop("No connection yet."),
    gettext_noop("Sign in in the window that opened, then come back here."),
    gettext_noop("Sign in in another tab of this browser, then press “I have signed in”."),
    gettext_noop("Continue"),
    # document-check.js
    gettext_noop("Could not check just now. Trying again…"),
    # show-password.js
    gettext_noop("Show what I typed"),
    # text-limit.js
    gettext_noop("Characters left: {left}"),
    gettext_noop("This box is full: it holds {max} characters."),
    gettext_noop("Only the first {max} characters fit in this box. Check the end of your message."),
)
# Counted words: the script picks the form by the number.
JS_PLURALS = {
    "{count} minute": ngettext_lazy("{count} minute", "{count} minutes", 1),
    "{count} minutes": ngettext_lazy("{count} minute", "{count} minutes", 2),
    "{count} second": ngettext_lazy("{count} second", "{count} seconds", 1),
    "{count} seconds": ngettext_lazy("{count} second", "{count} seconds", 2),
    # patient-app.js, before signing out
    # (literal words each time: makemessages reads only literals)
    "{count} session saved on this phone has not been sent yet. If you sign out now, it will "
    "be deleted. Sign out anyway?": ngettext_lazy(
        "{count} session saved on this phone has not been sent yet. If you sign out now, it "
        "will be deleted. Sign out anyway?",
        "{count} sessions saved on this phone have not been sent yet. If you sign out now, "
        "they will be deleted. Sign out anyway?",
        1,
    ),
    "{count} sessions saved on this phone have not been sent yet. If you sign out now, they "
    "will be deleted. Sign out anyway?": ngettext_lazy(
        "{count} session saved on this phone has not been sent yet. If you sign out now, it "
        "will be deleted. Sign out anyway?",
        "{count} sessions saved on this phone have not been sent yet. If you sign out now, "
        "they will be deleted. Sign out anyway?",
        2,
    ),
}


def js_text() -> dict[str, str]:
    """{English: the active language's words} for every string of the scripts."""
    return {
        **{text: gettext(text) for text in JS_TEXT},
        **{key: str(value) for key, value in JS_PLURALS.items()},
    }
