"""Patient-facing wording for the questionnaires whose items we may show.

Pure data, no Django: templates, the PDF handouts, the seed command and the
tests all read the same text, and none of them should need settings to do so.

Every item here is our own plain-language rendering of the published item's
meaning, kept in the published order so answers line up with the answer shapes
in ``patients.scoring`` (index 0 is item 1). Aim: short sentences a 12-year-old
can read.

ODI, NDI and STarT Back item wording is licensed by its owners. It must never
appear in this module or anywhere else in the project: the clinic enters section
values from its own licensed form, and screens show the section names held in
``patients.scoring.INSTRUMENTS`` instead.
"""

from __future__ import annotations

from patients.scoring import INSTRUMENTS

__all__ = [
    "CITATIONS",
    "LEFS_ACTIVITIES",
    "LEFS_INSTRUCTIONS",
    "LEFS_SCALE",
    "LICENSED_NOTE",
    "NPRS_ANCHORS",
    "NPRS_PROMPT",
    "PSFS_INSTRUCTIONS",
    "PSFS_SCALE_ANCHORS",
    "RMDQ_INSTRUCTIONS",
    "RMDQ_ITEMS",
    "items_for",
]

LICENSED_NOTE = "Item wording licensed; scored from the clinic's own form."

CITATIONS: dict[str, str] = {
    "nprs": (
        "Childs JD, Piva SR, Fritz JM. Responsiveness of the numeric pain rating scale "
        "in patients with low back pain. Spine 2005;30:1331–1334."
    ),
    "odi": (
        "Fairbank JC, Couper J, Davies JB, O'Brien JP. The Oswestry low back pain "
        "disability questionnaire. Physiotherapy 1980;66:271–273; Fairbank JC, "
        "Pynsent PB. The Oswestry Disability Index. Spine 2000;25:2940–2953. "
        f"{LICENSED_NOTE}"
    ),
    "rmdq": (
        "Roland M, Morris R. A study of the natural history of back pain. Spine 1983;8:141–144."
    ),
    "psfs": (
        "Stratford P, Gill C, Westaway M, Binkley J. Assessing disability and change on "
        "individual patients: a report of a patient specific measure. "
        "Physiotherapy Canada 1995;47:258–263."
    ),
    "ndi": (
        "Vernon H, Mior S. The Neck Disability Index: a study of reliability and validity. "
        f"J Manipulative Physiol Ther 1991;14:409–415. {LICENSED_NOTE}"
    ),
    "lefs": (
        "Binkley JM, Stratford PW, Lott SA, Riddle DL. The Lower Extremity Functional "
        "Scale (LEFS): scale development, measurement properties, and clinical "
        "application. Phys Ther 1999;79:371–383."
    ),
    "sbst": (
        "Hill JC, Dunn KM, Lewis M, et al. A primary care back pain screening tool: "
        "identifying patient subgroups for initial treatment. "
        f"Arthritis Rheum 2008;59:632–641. {LICENSED_NOTE}"
    ),
}

# --- Roland-Morris ---------------------------------------------------------------

RMDQ_INSTRUCTIONS = (
    "Back pain can make everyday things hard. "
    "Read each sentence below. "
    "Tick it only if it is true for you today. "
    "Leave it blank if it is not."
)

# Published order matters: the score is a count, but reports name items by number.
RMDQ_ITEMS: tuple[str, ...] = (
    "My back keeps me at home most of the time.",
    "I keep moving around to find a comfortable position for my back.",
    "My back makes me walk slower than normal.",
    "My back stops me doing any of my normal jobs around the house.",
    "I need the handrail to go up stairs because of my back.",
    "I lie down to rest more often than usual because of my back.",
    "I have to hold on to something to get up from a soft chair because of my back.",
    "I ask other people to do things for me because of my back.",
    "Getting dressed takes me longer than normal because of my back.",
    "My back lets me stand for only a short time.",
    "I avoid bending or kneeling because of my back.",
    "Getting up from a chair is hard because of my back.",
    "My back hurts nearly all the time.",
    "Turning over in bed is hard because of my back.",
    "I don't feel like eating much because of my back pain.",
    "Putting on my socks or tights is hard because of my back pain.",
    "My back lets me walk only short distances.",
    "I sleep worse than usual because of my back.",
    "I need someone to help me get dressed because of my back pain.",
    "I spend most of the day sitting down because of my back.",
    "I keep away from heavy jobs around the house because of my back.",
    "My back pain makes me grumpier with people than usual.",
    "I climb stairs more slowly than normal because of my back.",
    "My back keeps me in bed most of the time.",
)

# --- Lower Extremity Functional Scale ------------------------------------------

LEFS_INSTRUCTIONS = (
    "Think about today. "
    "For each activity, choose how hard it is because of the problem with your hip, "
    "leg or foot. "
    "If you don't do an activity, choose how hard you think it would be."
)

LEFS_ACTIVITIES: tuple[str, ...] = (
    "Your usual work, housework or school activities",
    "Your usual hobbies, sports or free-time activities",
    "Getting in or out of the bath",
    "Walking from one room to another",
    "Putting on your shoes or socks",
    "Squatting down",
    "Lifting something off the floor, like a bag of shopping",
    "Light jobs around your home",
    "Heavy jobs around your home",
    "Getting in or out of a car",
    "Walking two blocks",
    "Walking a mile (about 1.6 km)",
    "Going up or down 10 stairs (about one flight)",
    "Standing for an hour",
    "Sitting for an hour",
    "Running on flat ground",
    "Running on rough or uneven ground",
    "Turning sharply while running fast",
    "Hopping",
    "Rolling over in bed",
)

# Index = the score given for that answer (0-4, higher = better).
LEFS_SCALE: tuple[str, ...] = (
    "Extreme difficulty, or I can't do it",
    "A lot of difficulty",
    "Some difficulty",
    "A little difficulty",
    "No difficulty",
)

# --- Numeric Pain Rating Scale ---------------------------------------------------

NPRS_PROMPT = "How much pain do you have right now? Pick a number from 0 to 10."

NPRS_ANCHORS: dict[int, str] = {
    0: "No pain at all",
    10: "The worst pain you can imagine",
}

# --- Patient-Specific Functional Scale -------------------------------------------

# The PSFS has no fixed items: the patient names the activities, and the same
# ones must be rated again at every later visit for the change to mean anything.
PSFS_INSTRUCTIONS = (
    "Think of 3 to 5 things you find hard to do because of your problem. "
    "Pick things that matter to you in daily life. "
    "Give each one a score from 0 to 10. "
    "0 means you can't do it at all. "
    "10 means you can do it as well as before your problem started. "
    "At later visits you will score the same activities again."
)

PSFS_SCALE_ANCHORS: dict[int, str] = {
    0: "Can't do it at all",
    10: "Can do it as well as before my problem",
}

_FIXED_ITEMS: dict[str, tuple[str, ...]] = {
    "rmdq": RMDQ_ITEMS,
    "lefs": LEFS_ACTIVITIES,
}


def items_for(code: str) -> tuple[str, ...]:
    """Return the items a patient may be shown for `code`, in published order.

    NPRS and PSFS have no fixed item list (one rating; patient-chosen
    activities), so they return an empty tuple and screens use the prompt or
    instructions instead. Licensed instruments raise LookupError, so a template
    that asks for their questions fails loudly rather than printing nothing.
    """
    instrument = INSTRUMENTS.get(code) if isinstance(code, str) else None
    if instrument is None:
        known = ", ".join(sorted(INSTRUMENTS))
        raise LookupError(f"unknown instrument code {code!r}; expected one of: {known}")
    if instrument.item_text_licensed:
        raise LookupError(
            f"{instrument.short_name} item wording is licensed by its owners and is not "
            "stored in Limber; show the section names from patients.scoring instead and "
            "score from the clinic's own licensed form"
        )
    return _FIXED_ITEMS.get(code, ())
