"""Lower Extremity Functional Scale: 20 activities rated 0-4, summed 0-80, higher is better.

The wording is quoted word for word from the published form, instructions and answer
options included: a reworded questionnaire is no longer the validated one, so nobody
"improves" these strings. Items are kept in the published order (index 0 is item 1).
"""

from __future__ import annotations

from patients.instruments.base import Instrument, Score, _int, _items, items_shape

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


def score_lefs(answers: object) -> Score:
    # No substitution: the LEFS total is only comparable with all 20 items.
    items = _items("lefs", answers, 20)
    values = [_int("lefs", i, item, 0, 4) for i, item in enumerate(items, 1)]
    return Score(code="lefs", value=sum(values), valid=True)


INSTRUMENT = Instrument(
    code="lefs",
    name="Lower Extremity Functional Scale",
    short_name="LEFS",
    higher_is_better=True,
    mcid=9,
    has_percent_rule=False,
    min_value=0,
    max_value=80,
    unit="/80",
    citation=(
        "Binkley JM, Stratford PW, Lott SA, Riddle DL. The Lower Extremity Functional "
        "Scale (LEFS): scale development, measurement properties, and clinical "
        "application. Phys Ther 1999;79:371–383."
    ),
    items=LEFS_ACTIVITIES,
    instructions=LEFS_INSTRUCTIONS,
    quoted=True,
    # "1" was our paraphrase of the items; "2" is the published wording.
    form_version="2",
    patient_completable=True,
    shape=items_shape(LEFS_ACTIVITIES, "choice", choices=LEFS_SCALE),
    scorer=score_lefs,
)
