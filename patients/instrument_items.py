"""Patient-facing wording for the questionnaires whose items we may show.

Pure data, no Django: templates, the PDF handouts, the seed command and the
tests all read the same text, and none of them should need settings to do so.

Roland-Morris and LEFS are quoted word for word from their published forms,
instructions and answer options included: a reworded questionnaire is no longer
the validated one, so nobody "improves" these strings. Each block says where the
wording was checked. Everything else here (NPRS, PSFS, our notes) is our own
plain-language text: short sentences a 12-year-old can read. Items are kept in
the published order so answers line up with the answer shapes in
``patients.scoring`` (index 0 is item 1).

ODI, NDI and STarT Back item wording is licensed by its owners. It must never
appear in this module or anywhere else in the project: the clinic enters section
values from its own licensed form, and screens show the section names held in
``patients.scoring.INSTRUMENTS`` instead.
"""

from __future__ import annotations

from patients.scoring import INSTRUMENTS, Instrument

__all__ = [
    "CITATIONS",
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

LICENSED_NOTE = "Item wording licensed; scored from the clinic's own form."

# Shown to patients above a questionnaire quoted word for word (our own words).
PUBLISHED_NOTE = (
    "The questions below are printed exactly as their authors wrote them. "
    "This keeps your answers fair to compare over time."
)

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
        "Roland M, Morris R. A study of the natural history of back pain. Part I: "
        "development of a reliable and sensitive measure of disability in low-back pain. "
        "Spine 1983;8:141–144."
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

# --- Roland-Morris (quoted) ------------------------------------------------------
#
# The English original distributed by the authors (rmdq.org, "English (original)"),
# checked against the PhenX Toolkit's copy (protocol 171601) and other independent
# transcriptions. Two typographic points where copies differ: item 4 has no comma
# after "Because of my back" in the authors' file (PhenX adds one); item 9 reads
# "than usual" as in PhenX, where the authors' file has the typing slip "then".
# Answer options: a tick against the sentence, or the space left blank.

RMDQ_INSTRUCTIONS: tuple[str, ...] = (
    "When your back hurts, you may find it difficult to do some of the things you normally do.",
    "This list contains sentences that people have used to describe themselves when "
    "they have back pain. When you read them, you may find that some stand out because "
    "they describe you today.",
    "As you read the list, think of yourself today. When you read a sentence that "
    "describes you today, put a tick against it. If the sentence does not describe you, "
    "then leave the space blank and go on to the next one. Remember, only tick the "
    "sentence if you are sure it describes you today.",
)

# Published order matters: the score is a count, but reports name items by number.
RMDQ_ITEMS: tuple[str, ...] = (
    "I stay at home most of the time because of my back.",
    "I change position frequently to try and get my back comfortable.",
    "I walk more slowly than usual because of my back.",
    "Because of my back I am not doing any of the jobs that I usually do around the house.",
    "Because of my back, I use a handrail to get upstairs.",
    "Because of my back, I lie down to rest more often.",
    "Because of my back, I have to hold on to something to get out of an easy chair.",
    "Because of my back, I try to get other people to do things for me.",
    "I get dressed more slowly than usual because of my back.",
    "I only stand for short periods of time because of my back.",
    "Because of my back, I try not to bend or kneel down.",
    "I find it difficult to get out of a chair because of my back.",
    "My back is painful almost all the time.",
    "I find it difficult to turn over in bed because of my back.",
    "My appetite is not very good because of my back pain.",
    "I have trouble putting on my socks (or stockings) because of the pain in my back.",
    "I only walk short distances because of my back.",
    "I sleep less well because of my back.",
    "Because of my back pain, I get dressed with help from someone else.",
    "I sit down for most of the day because of my back.",
    "I avoid heavy jobs around the house because of my back.",
    "Because of my back pain, I am more irritable and bad tempered with people than usual.",
    "Because of my back, I go upstairs more slowly than usual.",
    "I stay in bed most of the time because of my back.",
)

# --- Lower Extremity Functional Scale (quoted) -----------------------------------
#
# The form printed in Binkley et al. 1999 and reprinted with the APTA's permission,
# checked against several independent copies of that form. Item 2 reads
# "recreational": the PDF copies split the word across a line ("re creational").

LEFS_INSTRUCTIONS: tuple[str, ...] = (
    "We are interested in knowing whether you are having any difficulty at all with "
    "the activities listed below because of your lower limb problem for which you are "
    "currently seeking attention. Please provide an answer for each activity.",
    "Today, do you or would you have any difficulty at all with:",
)

LEFS_ACTIVITIES: tuple[str, ...] = (
    "Any of your usual work, housework, or school activities.",
    "Your usual hobbies, recreational or sporting activities.",
    "Getting into or out of the bath.",
    "Walking between rooms.",
    "Putting on your shoes or socks.",
    "Squatting.",
    "Lifting an object, like a bag of groceries from the floor.",
    "Performing light activities around your home.",
    "Performing heavy activities around your home.",
    "Getting into or out of a car.",
    "Walking 2 blocks.",
    "Walking a mile.",
    "Going up or down 10 stairs (about 1 flight of stairs).",
    "Standing for 1 hour.",
    "Sitting for 1 hour.",
    "Running on even ground.",
    "Running on uneven ground.",
    "Making sharp turns while running fast.",
    "Hopping.",
    "Rolling over in bed.",
)

# Index = the score given for that answer (0-4, higher = better); the published
# column headings.
LEFS_SCALE: tuple[str, ...] = (
    "Extreme Difficulty or Unable to Perform Activity",
    "Quite a Bit of Difficulty",
    "Moderate Difficulty",
    "A Little Bit of Difficulty",
    "No Difficulty",
)

# Wording quoted from a published form; screens say so and show the citation.
QUOTED: frozenset[str] = frozenset({"rmdq", "lefs"})

# --- Numeric Pain Rating Scale ---------------------------------------------------

NPRS_PROMPT = (
    "Think about your pain over the last 24 hours. "
    "Answer each question with a number from 0 to 10. "
    "0 means no pain at all. "
    "10 means the worst pain you can imagine."
)

# Keys are the names stored in the answers; the NPRS value is the mean of the three.
NPRS_QUESTIONS: dict[str, str] = {
    "best": "At its best: the least pain you had in the last 24 hours",
    "worst": "At its worst: the most pain you had in the last 24 hours",
    "now": "Right now: the pain you have at this moment",
}

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

_INSTRUCTIONS: dict[str, tuple[str, ...]] = {
    "nprs": (NPRS_PROMPT,),
    "psfs": (PSFS_INSTRUCTIONS,),
    "rmdq": RMDQ_INSTRUCTIONS,
    "lefs": LEFS_INSTRUCTIONS,
}


def _instrument(code: object) -> Instrument:
    instrument = INSTRUMENTS.get(code) if isinstance(code, str) else None
    if instrument is None:
        known = ", ".join(sorted(INSTRUMENTS))
        raise LookupError(f"unknown instrument code {code!r}; expected one of: {known}")
    return instrument


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
            "stored in Limber; show the section names from patients.scoring instead and "
            "score from the clinic's own licensed form"
        )
    return _FIXED_ITEMS.get(code, ())


def instructions_for(code: str) -> tuple[str, ...]:
    """The paragraphs shown above a questionnaire, in order; empty for licensed ones,
    whose instructions are on the clinic's own form."""
    _instrument(code)
    return _INSTRUCTIONS.get(code, ())


# The form each response was given on, stored with it (OutcomeResponse.version): "1" is
# what Limber used before November 2026 (our paraphrase of the Roland-Morris and LEFS
# items, and a single NPRS rating); "2" is the published wording, and NPRS as the mean
# of best, worst and now over 24 hours. Instruments not listed have kept their form.
FORM_VERSIONS: dict[str, str] = {"rmdq": "2", "lefs": "2", "nprs": "2"}
